"""The folder dataset: layout, conversion, determinism and every kind of bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import kerazoo
from kerazoo import DataError, InvalidOptionError


def _save(path: Path, array: np.ndarray, mode: str | None = None, **kw) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array, mode).save(path, **kw) if mode else Image.fromarray(array).save(
        path, **kw
    )
    return path


def _solid(value: int, shape=(12, 10, 3)) -> np.ndarray:
    return np.full(shape, value, dtype=np.uint8)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """Two classes, six images of mixed sizes, one solid grey level per file."""
    root = tmp_path / "photos"
    _save(root / "cat" / "a.png", _solid(10, (12, 10, 3)))
    _save(root / "cat" / "b.jpg", _solid(40, (30, 20, 3)), quality=95)
    _save(root / "cat" / "sub" / "c.png", _solid(70, (5, 9)))  # grey, in a sub-folder
    rgba = _solid(100, (8, 8, 4))
    rgba[..., 3] = 255
    _save(root / "dog" / "d.PNG", rgba)  # RGBA, opaque
    _save(root / "dog" / "e.jpeg", _solid(130, (16, 4)), quality=95)
    _save(root / "dog" / "f.png", _solid(160, (7, 3, 3)))
    (root / "labels.csv").write_text("ignored,at the root\n")
    (root / "dog" / ".DS_Store").write_bytes(b"\0\1junk")
    (root / ".hidden").mkdir()
    return root


def test_classes_files_and_conversion(tree: Path) -> None:
    ds = kerazoo.get_dataset("folder", path=str(tree), size=8)
    assert ds.task.class_names == ("cat", "dog")
    assert ds.image_shape == (8, 8, 3)
    assert [p.relative_to(tree).as_posix() for p in ds.files] == [
        "cat/a.png",
        "cat/b.jpg",
        "cat/sub/c.png",
        "dog/d.PNG",
        "dog/e.jpeg",
        "dog/f.png",
    ]
    data = ds.generate(100, seed=0)  # up to n: all six, each once
    assert data.images.shape == (6, 8, 8, 3) and data.masks is None
    levels = sorted(int(round(img.mean())) for img in data.images)
    assert levels == pytest.approx([10, 40, 70, 100, 130, 160], abs=2)
    for img, lab in zip(data.images, data.labels, strict=True):
        assert lab == (0 if img.mean() < 85 else 1)
    grey = kerazoo.get_dataset("folder", path=str(tree), size="6x4", channels=1)
    assert grey.generate(3, seed=0).images.shape == (3, 6, 4, 1)


def test_seeded_order_without_replacement(tree: Path) -> None:
    ds = kerazoo.get_dataset("folder", path=str(tree), size=4)
    a, b, c = ds.generate(4, seed=1), ds.generate(4, seed=1), ds.generate(6, seed=2)
    assert a.images.tobytes() == b.images.tobytes()
    assert len({img.tobytes() for img in a.images}) == 4
    assert a.images.tobytes() != c.images[:4].tobytes()
    s = ds.split(3, 2, 1, seed=0)
    seen = [img.tobytes() for part in s for img in part.images]
    assert len(set(seen)) == 6
    with pytest.raises(DataError, match="has 6 samples but the split asks for"):
        ds.split(5, 2, seed=0)


def test_alpha_and_16_bit_and_palette_are_converted(tmp_path: Path) -> None:
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[..., :3] = 200
    rgba[:2, :, 3] = 255  # top half opaque, bottom half fully transparent
    _save(tmp_path / "a" / "alpha.png", rgba)
    _save(tmp_path / "b" / "deep.png", np.full((4, 4), 65535, np.uint16))
    _save(tmp_path / "b" / "palette.png", _solid(50, (4, 4, 3)))
    Image.open(tmp_path / "b" / "palette.png").convert("P").save(tmp_path / "b" / "palette.png")
    ds = kerazoo.get_dataset("folder", path=str(tmp_path), size=4)
    alpha = ds.load(tmp_path / "a" / "alpha.png")
    assert (alpha[:2] == 200).all() and (alpha[2:] == 0).all()  # composited onto black
    assert (ds.load(tmp_path / "b" / "deep.png") == 255).all()
    assert (np.abs(ds.load(tmp_path / "b" / "palette.png").astype(int) - 50) <= 2).all()


@pytest.mark.parametrize("fit", ["stretch", "crop", "pad"])
def test_fit_modes_give_the_size(tmp_path: Path, fit: str) -> None:
    _save(tmp_path / "a" / "wide.png", _solid(90, (10, 40, 3)))
    _save(tmp_path / "b" / "tall.png", _solid(90, (40, 10, 3)))
    ds = kerazoo.get_dataset("folder", path=str(tmp_path), size="8x12", fit=fit)
    assert ds.generate(2, seed=0).images.shape == (2, 8, 12, 3)


def test_natural_class_order(tmp_path: Path) -> None:
    for name in ("10", "2", "1"):
        _save(tmp_path / name / "x.png", _solid(1))
    assert kerazoo.get_dataset("folder", path=str(tmp_path)).task.class_names == ("1", "2", "10")


# -- bad input ---------------------------------------------------------------------------


def test_corrupt_file_is_named_or_skipped_with_a_warning(tree: Path) -> None:
    bad = tree / "dog" / "broken.png"
    good = (tree / "dog" / "f.png").read_bytes()
    bad.write_bytes(good[: len(good) // 2])  # truncated PNG
    ds = kerazoo.get_dataset("folder", path=str(tree), size=4)
    with pytest.raises(DataError, match=r"broken\.png' cannot be read as an image.*on_error=skip"):
        ds.generate(10, seed=0)
    skip = kerazoo.get_dataset("folder", path=str(tree), size=4, on_error="skip")
    with pytest.warns(UserWarning, match=r"Skipped: .*broken\.png' cannot be read"):
        data = skip.generate(10, seed=0)
    assert len(data) == 6
    with pytest.warns(UserWarning, match="broken"):
        assert len(skip.generate(6, seed=0)) == 6  # skipping keeps drawing to fill n


def test_non_image_files(tree: Path) -> None:
    (tree / "cat" / "notes.txt").write_text("not an image")
    (tree / "cat" / "fake.jpg").write_text("not a jpeg either")
    ds = kerazoo.get_dataset("folder", path=str(tree), size=4)
    with pytest.raises(DataError, match=r"notes\.txt' is not an image file by its name"):
        ds.load(tree / "cat" / "notes.txt")
    with pytest.raises(DataError, match=r"fake\.jpg' cannot be read as an image"):
        ds.load(tree / "cat" / "fake.jpg")
    with pytest.raises(DataError, match=r"(notes\.txt|fake\.jpg)"):
        ds.generate(20, seed=0)
    skip = kerazoo.get_dataset("folder", path=str(tree), size=4, on_error="skip")
    with pytest.warns(UserWarning, match="Skipped"):
        assert len(skip.generate(20, seed=0)) == 6


def test_decompression_bomb_is_refused_unread(tree: Path, monkeypatch) -> None:
    big = _save(tree / "cat" / "bomb.png", _solid(1, (40, 40, 3)))  # 1600 pixels, others <= 600
    ds = kerazoo.get_dataset("folder", path=str(tree), size=4)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # 1600 > 1000: Pillow warns
    with pytest.raises(DataError, match=r"bomb\.png' is refused unread.*decompression-bomb"):
        ds.load(big)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 700)  # 1600 > 2 * 700: Pillow errors
    with pytest.raises(DataError, match=r"bomb\.png' is refused unread.*MAX_IMAGE_PIXELS"):
        ds.load(big)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    skip = kerazoo.get_dataset("folder", path=str(tree), size=4, on_error="skip")
    with pytest.warns(UserWarning, match=r"Skipped: .*bomb\.png' is refused unread"):
        assert len(skip.generate(20, seed=0)) == 6


@pytest.mark.parametrize(
    ("layout", "match"),
    [
        ([], "has no class sub-folders"),
        (["loose.png"], "has no class sub-folders"),
        (["only/a.png", "only/b.png"], "has only one class sub-folder \\('only'\\)"),
        (["a/x.png", "b/"], "class folder '.*b' has no files"),
    ],
)
def test_bad_layouts(tmp_path: Path, layout: list[str], match: str) -> None:
    for item in layout:
        if item.endswith("/"):
            (tmp_path / item).mkdir(parents=True)
        else:
            _save(tmp_path / item, _solid(5))
    with pytest.raises(DataError, match=match):
        kerazoo.get_dataset("folder", path=str(tmp_path))


def test_path_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        kerazoo.get_dataset("folder", path=str(tmp_path / "nowhere"))
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(DataError, match="is not a folder"):
        kerazoo.get_dataset("folder", path=str(tmp_path / "file.txt"))
    with pytest.raises(
        InvalidOptionError, match="The option 'path' of dataset 'folder' is required"
    ):
        kerazoo.get_dataset("folder")


def test_augment_option(tree: Path) -> None:
    ds = kerazoo.get_dataset("folder", path=str(tree), augment="shift,hflip,rot90")
    assert ds.augmentations == ("hflip", "rot90", "shift")
    assert kerazoo.get_dataset("folder", path=str(tree)).augmentations == ()
    wide = kerazoo.get_dataset("folder", path=str(tree), size="8x16", augment="rot90,hflip")
    assert wide.augmentations == ("hflip",)
    with pytest.raises(InvalidOptionError, match="augment='spin'.*Valid augmentations: hflip"):
        kerazoo.get_dataset("folder", path=str(tree), augment="spin")
