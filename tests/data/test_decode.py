"""One image decoder: the folder dataset and the Predictor give a model the same pixels.

Every file here is written with Pillow into a temporary folder. The Predictor's model is an
identity (``uint8 -> Rescaling(1/255)``) saved as a reconstruction model, so its
``ImagePrediction.image`` is exactly the model's input.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import keras
import numpy as np
import pytest
from keras import layers
from PIL import Image

import kerazoo
from kerazoo import DataError, Predictor
from kerazoo.data.decode import IMAGE_SUFFIXES

OWN = (6, 9)  # (H, W) of every file below, upright
OTHER = (8, 5)
RNG = np.random.default_rng(7)


def _u8(*shape: int) -> np.ndarray:
    return RNG.integers(0, 256, shape, dtype=np.uint8)


def _grey(p: Path) -> Path:
    Image.fromarray(_u8(*OWN)).save(p := p.with_suffix(".png"))
    return p


def _grey_alpha(p: Path) -> Path:
    a = _u8(*OWN, 2)
    a[0, :, 1] = 0  # a fully transparent row
    Image.fromarray(a, "LA").save(p := p.with_suffix(".png"))
    return p


def _rgb(p: Path) -> Path:
    Image.fromarray(_u8(*OWN, 3)).save(p := p.with_suffix(".png"))
    return p


def _rgba(p: Path) -> Path:
    a = _u8(*OWN, 4)
    a[0, :, 3], a[1, :, 3] = 0, 255
    Image.fromarray(a).save(p := p.with_suffix(".png"))
    return p


def _palette_transparency(p: Path) -> Path:
    img = Image.fromarray(_u8(*OWN, 3)).quantize(8)
    img.save(p := p.with_suffix(".png"), transparency=0)
    return p


def _deep_low(p: Path) -> Path:  # 16-bit values 0..189: nearly black
    Image.fromarray(RNG.integers(0, 190, OWN).astype(np.uint16)).save(p := p.with_suffix(".png"))
    return p


def _deep_full(p: Path) -> Path:
    Image.fromarray(RNG.integers(0, 65536, OWN).astype(np.uint16)).save(p := p.with_suffix(".png"))
    return p


def _cmyk_jpeg(p: Path) -> Path:
    Image.fromarray(_u8(*OWN, 4), "CMYK").save(p := p.with_suffix(".jpg"), quality=95)
    return p


def _exif_rotated_jpeg(p: Path) -> Path:
    exif = Image.Exif()
    exif[0x0112] = 6  # stored 9x6 (HxW), shown rotated 90 degrees clockwise: 6x9
    img = Image.fromarray(_u8(OWN[1], OWN[0], 3))
    img.save(p := p.with_suffix(".jpg"), quality=95, exif=exif)
    return p


def _animated_gif(p: Path) -> Path:
    frames = [Image.fromarray(_u8(*OWN, 3)).quantize(16) for _ in range(3)]
    frames[0].save(p := p.with_suffix(".gif"), save_all=True, append_images=frames[1:])
    return p


FILES: dict[str, Callable[[Path], Path]] = {
    "grey": _grey,
    "grey+alpha": _grey_alpha,
    "RGB": _rgb,
    "RGBA": _rgba,
    "palette+transparency": _palette_transparency,
    "16-bit 0..189": _deep_low,
    "16-bit full": _deep_full,
    "CMYK JPEG": _cmyk_jpeg,
    "EXIF-rotated JPEG": _exif_rotated_jpeg,
    "animated GIF": _animated_gif,
}


def _identity(path: Path, h: int, w: int, c: int) -> Path:
    inp = keras.Input((h, w, c), dtype="uint8")
    model = keras.Model(inp, layers.Rescaling(1 / 255)(inp))
    meta = {
        "task": {"kind": "reconstruction", "encoding": "reconstruction", "output": "image"},
        "input": {"height": h, "width": w, "channels": c, "data_format": "channels_last"},
    }
    return kerazoo.save_model(model, path, meta)


@pytest.fixture(scope="module")
def predictor(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Predictor]:
    """A saved-and-loaded identity Predictor for an input (h, w, c), made once each."""
    made: dict[tuple[int, int, int], Predictor] = {}
    folder = tmp_path_factory.mktemp("models")

    def get(h: int, w: int, c: int) -> Predictor:
        if (h, w, c) not in made:
            path = _identity(folder / f"id_{h}x{w}x{c}.keras", h, w, c)
            made[h, w, c] = Predictor.load(path)
        return made[h, w, c]

    return get


def _folder_input(tmp_path: Path, make: Callable[[Path], Path], size, channels: int):
    """The file, and the pixels the folder dataset gives for it."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    path = make(tmp_path / "a" / "image")
    Image.fromarray(_u8(4, 4, 3)).save(tmp_path / "b" / "filler.png")
    ds = kerazoo.get_dataset(
        "folder", path=str(tmp_path), size=f"{size[0]}x{size[1]}", channels=channels
    )
    data = ds.generate(2, seed=0)
    (mine,) = data.images[data.labels == 0]
    return path, mine


@pytest.mark.parametrize("size", [OWN, OTHER], ids=["own-size", "other-size"])
@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("kind", list(FILES))
def test_folder_and_predictor_give_the_model_the_same_pixels(
    tmp_path: Path, predictor, kind: str, channels: int, size: tuple[int, int]
) -> None:
    path, trained = _folder_input(tmp_path, FILES[kind], size, channels)
    assert trained.shape == (*size, channels) and trained.dtype == np.uint8
    pred = predictor(*size, channels)
    (from_file,) = pred.predict(path)
    with Image.open(path) as img:
        (from_pil,) = pred.predict(img)
    np.testing.assert_array_equal(from_file.image, trained)
    np.testing.assert_array_equal(from_pil.image, trained)
    assert from_file.notes == from_pil.notes


def test_what_the_decoder_does_is_visible(tmp_path: Path, predictor) -> None:
    pred = predictor(*OWN, 3)
    low = pred.predict(_deep_low(tmp_path / "low"))[0]
    assert low.image.max() <= 1  # 189 / 257 rounds to 1: nearly black, as in training
    assert low.notes == ("16-bit -> 8-bit", "grayscale -> RGB")
    assert pred.predict(_cmyk_jpeg(tmp_path / "cmyk"))[0].notes == ("CMYK -> RGB",)
    assert pred.predict(_animated_gif(tmp_path / "anim"))[0].notes == ("first frame of 3",)
    assert pred.predict(_exif_rotated_jpeg(tmp_path / "exif"))[0].notes == (
        "EXIF orientation applied",
    )
    rgba = pred.predict(_rgba(tmp_path / "rgba"))[0]
    assert rgba.notes == ("alpha composited onto black",)
    assert (rgba.image[0] == 0).all()  # the transparent row


@pytest.mark.parametrize("channels", [1, 3])
def test_a_transparent_pixel_is_black_through_both(
    tmp_path: Path, predictor, channels: int
) -> None:
    def white_but_transparent(p: Path) -> Path:
        a = np.full((*OWN, 4), 255, np.uint8)
        a[2, 3, 3] = 0  # white, fully transparent
        Image.fromarray(a).save(p := p.with_suffix(".png"))
        return p

    path, trained = _folder_input(tmp_path, white_but_transparent, OWN, channels)
    (got,) = predictor(*OWN, channels).predict(path)
    for pixels in (trained, got.image):
        assert (pixels[2, 3] == 0).all()
        assert (np.delete(pixels.reshape(-1, channels), 2 * OWN[1] + 3, axis=0) == 255).all()


def test_one_pixel_limit_for_both(tmp_path: Path, predictor, monkeypatch) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    big = tmp_path / "a" / "big.png"
    Image.fromarray(_u8(40, 40, 3)).save(big)  # 1600 pixels
    Image.fromarray(_u8(4, 4, 3)).save(tmp_path / "b" / "small.png")
    ds = kerazoo.get_dataset("folder", path=str(tmp_path), size=8)
    pred = predictor(8, 8, 3)
    in_memory = Image.fromarray(_u8(40, 40, 3))
    assert pred.predict(big)[0].image.shape == (8, 8, 3)  # under the default limit
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # 1000 < 1600 < 2000: Pillow warns
    with pytest.raises(DataError, match=r"big\.png' is refused unread.*MAX_IMAGE_PIXELS"):
        ds.load(big)
    with pytest.raises(DataError, match=r"big\.png' is refused unread.*MAX_IMAGE_PIXELS"):
        pred.predict(big)
    with pytest.raises(DataError, match=r"#0' is refused unread: 40x40 = 1600 pixels is above"):
        pred.predict([in_memory])
    with pytest.warns(UserWarning, match=r"Skipped: .*big\.png' is refused unread"):
        skip = kerazoo.get_dataset("folder", path=str(tmp_path), size=8, on_error="skip")
        assert len(skip.generate(2, seed=0)) == 1


def _write(path: Path, rgb: np.ndarray) -> None:
    img = Image.fromarray(rgb)
    img.save(path, quality=100) if path.suffix in (".jpg", ".jpeg", ".webp") else img.save(path)


def test_folder_accepts_every_suffix_the_predictor_does(tmp_path: Path, predictor) -> None:
    assert len(IMAGE_SUFFIXES) == 9
    flat = np.full((6, 9, 3), 120, np.uint8)
    for i, suffix in enumerate(IMAGE_SUFFIXES):
        cls = tmp_path / ("a" if i % 2 else "b")
        cls.mkdir(exist_ok=True)
        _write(cls / f"img{i}{suffix.upper() if i == 0 else suffix}", flat)
    ds = kerazoo.get_dataset("folder", path=str(tmp_path), size="6x9")
    data = ds.generate(20, seed=0)
    assert len(data) == 9
    assert (np.abs(data.images.astype(int) - 120) <= 2).all()
    results = predictor(6, 9, 3).predict(tmp_path)
    assert sorted(Path(r.source).suffix.lower() for r in results) == sorted(IMAGE_SUFFIXES)
