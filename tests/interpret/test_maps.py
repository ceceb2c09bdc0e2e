"""Feature maps and kernels: the numbers (one forward pass, channels-last whatever the model's
layout), the pictures (one PNG per layer, kernels in a diverging colour map), the errors, and
``kerazoo look maps``."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest
from PIL import Image

import kerazoo
from kerazoo._cli import main
from kerazoo._errors import IncompatibleError, UnknownNameError
from kerazoo.interpret import _probe as probe, draw_feature_maps, draw_kernels, feature_maps
from tests.interpret.conftest import SHAPES

FEATURE_LAYERS = ["conv1", "pool1", "conv2", "pool2"]


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    return kerazoo.get_dataset("shapes", **SHAPES).generate(3, seed=5).images


@pytest.fixture
def run_dir(tmp_path, random_model):
    """A run folder holding the random LeNet (what ``kerazoo look`` is pointed at)."""
    kerazoo.save_model(random_model, tmp_path / "run" / "model.keras")
    return tmp_path / "run"


def _pixels(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB")).astype(int)


def test_maps_are_what_a_direct_layer_model_call_gives(random_model, images) -> None:
    maps = feature_maps(random_model, images)
    assert list(maps) == FEATURE_LAYERS
    direct = probe.layer_model(random_model, FEATURE_LAYERS).predict(images, verbose=0)
    for (name, got), want in zip(maps.items(), direct, strict=True):
        assert got.dtype == np.float32, name
        np.testing.assert_allclose(got, want, atol=1e-5, err_msg=name)
    assert [m.shape for m in maps.values()] == [
        (3, 32, 32, 6),
        (3, 10, 10, 6),
        (3, 10, 10, 16),
        (3, 3, 3, 16),
    ]
    one = feature_maps(random_model, images[1], layers="conv2")  # one [H, W, C] image
    np.testing.assert_allclose(one["conv2"], maps["conv2"][1:2], atol=1e-5)


def test_maps_of_a_saved_file_and_of_a_run_folder(run_dir, random_model, images) -> None:
    want = feature_maps(random_model, images, ["pool2"])["pool2"]
    for source in (run_dir, run_dir / "model.keras", str(run_dir)):
        np.testing.assert_allclose(
            feature_maps(source, images, ["pool2"])["pool2"], want, atol=1e-5
        )


def test_channels_first_models_give_channels_last_maps(images) -> None:
    dataset = kerazoo.get_dataset("shapes", size=32, channels=3)
    first = kerazoo.build(
        "lenet", dataset, data_format="channels_first", seed=0, _allow_unrunnable=True
    )
    pixels = np.random.default_rng(0).integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)
    rescaled = feature_maps(first, pixels, ["rescale"])["rescale"]  # no convolution: runs on TF
    np.testing.assert_allclose(rescaled, pixels / 255.0, atol=1e-6)
    if keras.backend.backend() == "tensorflow":
        pytest.skip("TensorFlow's CPU convolutions only accept channels_last")
    last = kerazoo.build("lenet", dataset, data_format="channels_last", seed=0)
    first.set_weights(last.get_weights())  # conv kernels are (kh, kw, in, out) in both layouts
    for name in FEATURE_LAYERS:
        np.testing.assert_allclose(
            feature_maps(first, pixels, [name])[name],
            feature_maps(last, pixels, [name])[name],
            atol=1e-4,
        )


def test_layers_without_maps_are_refused_with_the_ones_that_have_them(random_model) -> None:
    x = np.zeros((1, 32, 32, 1), np.uint8)
    listed = r"Layers with maps: pixels, rescale, normalize, conv1, pool1, conv2, pool2\."
    with pytest.raises(UnknownNameError, match=rf"Unknown layer 'conv9'.*'conv1'.*{listed}"):
        feature_maps(random_model, x, ["conv1", "conv9"])
    with pytest.raises(IncompatibleError, match=r"'dense1' .*outputs shape \(None, 120\), not "):
        draw_feature_maps(random_model, "never.png", x, ["dense1"])


def test_one_titled_png_per_layer_beside_a_png_name_or_in_a_folder(tmp_path, random_model):
    files = draw_feature_maps(random_model, tmp_path / "out")  # a fresh sample of shapes
    assert files == [tmp_path / "out" / f"maps-{n}.png" for n in FEATURE_LAYERS]
    sizes = {}
    for path in files:
        pixels = _pixels(path)
        sizes[path.stem] = pixels.shape[:2]
        assert 250 <= pixels.shape[0] <= 1200 and 500 <= pixels.shape[1] <= 1400, path.name
        assert pixels.std() > 20  # maps and text, not a blank page
    assert sizes["maps-conv2"][0] > sizes["maps-conv1"][0]  # 16 maps take more rows than 6
    image = kerazoo.get_dataset("shapes", **SHAPES).generate(1, seed=0).images[0]
    assert draw_feature_maps(random_model, tmp_path / "x.png", image, ["pool1"]) == [
        tmp_path / "x-pool1.png"
    ]
    assert (tmp_path / "x-pool1.png").is_file()


def test_kernels_are_drawn_blue_to_red_one_row_per_input_channel(tmp_path, random_model):
    path = draw_kernels(random_model, tmp_path)
    assert path == tmp_path / "kernels-conv1.png"
    rgb = _pixels(path)
    red = ((rgb[..., 0] - rgb[..., 2]) > 80).sum()
    blue = ((rgb[..., 2] - rgb[..., 0]) > 80).sum()
    assert red > 500 and blue > 500  # random weights: both signs, on a diverging map
    wide = draw_kernels(random_model, tmp_path / "conv2.png", layer="conv2")
    assert wide == tmp_path / "conv2.png" and _pixels(wide).shape[0] > rgb.shape[0]  # 6 rows
    with pytest.raises(UnknownNameError, match=r"'pool1'.*Convolutions: conv1, conv2\."):
        draw_kernels(random_model, tmp_path, layer="pool1")


def test_look_maps_writes_into_the_run_folder_and_prints_the_files(run_dir, capsys) -> None:
    assert main(["look", "maps", str(run_dir), "--layer", "conv1", "--layer", "pool2"]) == 0
    printed = capsys.readouterr().out.split()
    assert printed == [str(run_dir / "maps" / f"maps-{n}.png") for n in ("conv1", "pool2")]
    assert all(_pixels(p).std() > 20 for p in printed)
    assert main(["look", "maps", str(run_dir), "--kernels", "--out", str(run_dir / "k")]) == 0
    assert capsys.readouterr().out.split() == [str(run_dir / "k" / "kernels-conv1.png")]
    assert main(["look", "maps", str(run_dir), "--count", "2", "--layer", "pool1"]) == 0
    assert capsys.readouterr().out.split() == [
        str(run_dir / "maps" / f"image{i}" / "maps-pool1.png") for i in (1, 2)
    ]


def test_look_maps_out_with_a_picture_suffix_names_files_in_that_format(run_dir, capsys):
    """``--out x.jpg`` names JPEG files beside it, as ``--out x.png`` names PNGs (it used to
    make a folder called ``x.jpg``)."""
    out = run_dir / "look" / "x.jpg"
    out.parent.mkdir()
    assert (
        main(
            [
                "look",
                "maps",
                str(run_dir),
                "--layer",
                "conv1",
                "--layer",
                "pool2",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out.split()
    assert printed == [str(out.with_name(f"x-{n}.jpg")) for n in ("conv1", "pool2")]
    assert not out.exists()
    assert all(Path(p).read_bytes()[:3] == b"\xff\xd8\xff" for p in printed)  # JPEG
    kernels = run_dir / "look" / "k.svg"
    assert main(["look", "maps", str(run_dir), "--kernels", "--out", str(kernels)]) == 0
    assert capsys.readouterr().out.split() == [str(kernels)]
    assert kernels.read_text().lstrip().startswith("<?xml")
    assert (
        main(["look", "maps", str(run_dir), "--count", "2", "--layer", "pool1", "--out", str(out)])
        == 0
    )
    assert capsys.readouterr().out.split() == [
        str(out.with_name(f"x-image{i}-pool1.jpg")) for i in (1, 2)
    ]


def test_look_maps_errors_speak_in_flags(run_dir, capsys) -> None:
    assert main(["look", "maps", str(run_dir), "--layer", "conv3"]) == 2
    err = capsys.readouterr().err
    assert "kerazoo look: error: Unknown layer 'conv3'" in err
    assert "Did you mean --layer conv2 or --layer conv1?" in err and "pool2." in err
    assert main(["look", "maps", str(run_dir), "--kernels", "--layer", "pool1"]) == 2
    assert "Convolutions: conv1, conv2." in capsys.readouterr().err
