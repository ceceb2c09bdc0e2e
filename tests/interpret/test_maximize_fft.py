"""The Fourier parametrisation, several images per unit, the saved images and the measured
quality of activation maximisation (``kerazoo look maximize --param/--count/--save-images``)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image

import kerazoo
from kerazoo._cli import main
from kerazoo._errors import IncompatibleError, InvalidOptionError
from kerazoo.interpret import _maximize as mx
from kerazoo.interpret._maximize_quality import filter_ratios, save_images, transfer
from kerazoo.interpret._param import Transforms


def test_fft_images_differ_from_pixel_ones_and_repeat_with_the_seed(random_model) -> None:
    run = lambda **kw: mx.maximize_filters(random_model, "conv2", [0, 3], steps=4, **kw)  # noqa: E731
    fft, pixel = run(param="fft"), run(param="pixel")
    assert fft.shape == pixel.shape == (2, 32, 32, 1) and fft.dtype == np.uint8
    assert (fft != pixel).mean() > 0.5
    assert np.array_equal(run(seed=1), run(seed=1)) and not np.array_equal(run(seed=1), fft)
    alone = mx.maximize_filters(random_model, "conv2", [3], steps=4)
    assert np.abs(alone[0].astype(int) - fft[1].astype(int)).max() <= 2  # batch-free


@pytest.mark.parametrize(("size", "channels"), [("11x27", 3), ("32x32", 1)])
@pytest.mark.slow
def test_fft_works_on_small_oblong_and_rgb_inputs(size, channels) -> None:
    shapes = kerazoo.get_dataset("shapes", size=size, channels=channels, min_scale=0.5)
    model = kerazoo.build("lenet", shapes, seed=0)
    images = mx.maximize_classes(model, steps=3, count=2)
    h, w = (int(v) for v in size.split("x"))
    assert images.shape == (3 * 2, h, w, channels)
    assert not np.array_equal(images[0], images[1])  # two starts, two images
    assert Transforms().pixels(h, w) == (1 if h == 11 else 2)


def test_the_diversity_term_pushes_the_images_of_a_unit_apart(random_model) -> None:
    run = lambda d: mx.maximize_filters(random_model, "conv2", [1], steps=15, count=3, diversity=d)  # noqa: E731
    alike, apart = run(0.0), run(5.0)
    assert alike.shape == (3, 32, 32, 1)
    assert not np.array_equal(alike, apart)


@pytest.mark.slow
def test_save_images_writes_lossless_pngs_at_the_input_size(shapes_run, tmp_path, capsys):
    folder = tmp_path / "imgs"
    args = ["--steps", "3", "--count", "2", "--filters", "0,5", "--save-images", str(folder)]
    out_png = str(tmp_path / "m.png")
    assert main(["look", "maximize", str(shapes_run), *args, "--out", out_png]) == 0
    out = capsys.readouterr().out
    classes = mx.maximize_classes(shapes_run, steps=3, count=2)
    names = kerazoo.ModelInfo.of(kerazoo.load_model(shapes_run / "model.keras")[0]).task
    for c, name in enumerate(names.class_names):
        for k in range(2):
            with Image.open(folder / name / f"{k}.png") as image:
                assert image.format == "PNG" and image.size == (32, 32)
                assert np.array_equal(np.asarray(image), classes[2 * c + k, ..., 0])
    assert sorted(p.name for p in (folder / "conv2").iterdir()) == ["0", "5"]
    assert (folder / "conv2" / "5" / "1.png").exists()
    assert f"saved 10 images (lossless PNG) under {folder}" in out
    assert re.search(r"quality: conv2: \d+ of \d+ firing filters reach at least", out), out
    assert re.search(r"quality: classes: \d+ of 6 images classified as their class by the", out)


@pytest.mark.slow
def test_transfer_and_filter_ratios(shapes_run, shapes_model, tmp_path, capsys) -> None:
    images = mx.maximize_classes(shapes_model, steps=20)
    names = ["circle", "square", "triangle"]
    assert 0.0 <= transfer(images, names, shapes_run) <= 1.0
    samples = np.zeros((4, 32, 32, 1), np.uint8)
    samples[:, 8:24, 8:24] = 255
    ratios = filter_ratios(shapes_model, "conv2", samples, [0, 1], samples)
    alive = ~np.isnan(ratios)
    assert np.allclose(ratios[alive], 1.0)  # an image against itself
    args = [
        "--classes",
        "--steps",
        "2",
        "--transfer",
        str(shapes_run),
        "--out",
        str(tmp_path / "c.png"),
    ]
    assert main(["look", "maximize", str(shapes_run), *args]) == 0
    assert "by the --transfer model" in capsys.readouterr().out
    other = kerazoo.build("lenet", kerazoo.get_dataset("shapes", size=32, classes="circle,star"))
    with pytest.raises(IncompatibleError, match=r"must classify the same classes.*lacks square"):
        transfer(images, names, other)
    with pytest.raises(InvalidOptionError, match=r"1, 3 or 4 channels; these images have 2"):
        save_images(np.zeros((1, 4, 4, 2), np.uint8), tmp_path, [["x"]])


def test_options_of_the_other_parametrisation_are_refused(random_model) -> None:
    with pytest.raises(
        InvalidOptionError, match=r"Unknown parametrisation 'fourier'.*fft, maco, pixel"
    ):
        mx.maximize_filters(random_model, "conv2", param="fourier")
    with pytest.raises(InvalidOptionError, match=r"regularizers applies to param='pixel' only"):
        mx.maximize_filters(random_model, "conv2", regularizers=mx.Regularizers())
    with pytest.raises(InvalidOptionError, match=r"diversity applies to param='fft' only"):
        mx.maximize_classes(random_model, param="pixel", count=2, diversity=1.0)
    with pytest.raises(InvalidOptionError, match=r"count=0.*1 or more"):
        mx.maximize_classes(random_model, count=0)
    with pytest.raises(InvalidOptionError, match=r"diversity=-1.*0 or more"):
        mx.maximize_classes(random_model, count=2, diversity=-1)
    with pytest.raises(InvalidOptionError, match=r"Transforms.rotate must be 0 or more"):
        Transforms(rotate=-1)
    with pytest.raises(InvalidOptionError, match=r"Transforms.fill must be 'reflect'"):
        Transforms(fill="wrap")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--top", "3", "--count", "10"],
            r"--count 10 is the number of images per filter.*--samples 10",
        ),
        (
            ["--layer", "conv1", "--transfer", "RUN"],
            r"--transfer classifies the class images.*--classes",
        ),
        (
            ["--no-tv"],
            r"--no-tv applies to --param pixel only.*--param fft or maco \(the defaults\)",
        ),
        (
            ["--param", "pixel", "--count", "2", "--diversity", "1"],
            r"--diversity.*--param fft only",
        ),
        (["--count", "0"], r"--count 0: the images per unit"),
    ],
)
def test_cli_refusals(shapes_run, capsys, args, message) -> None:
    args = [str(shapes_run) if a == "RUN" else a for a in args]
    assert main(["look", "maximize", str(shapes_run), "--steps", "1", *args]) == 2
    err = capsys.readouterr().err
    assert re.search(message, err), err
