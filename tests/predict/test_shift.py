"""Input shift: what differs from the training images, one warning, and no false alarms."""

from __future__ import annotations

import dataclasses
import functools
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

import kerazoo
from kerazoo import InputSpec, ModelInfo, Predictor, save_model
from kerazoo.data.decode import conform
from kerazoo.predict._predictor import SHIFT_SAMPLE
from kerazoo.predict._shift import InputShiftWarning, describe_shift, resized_from, warn_shift
from kerazoo.saving._info import ArchitectureInfo, DatasetInfo
from kerazoo.saving._records import InputStats
from tests.fixtures.processes import run_cli

#: The built-in datasets at small sizes (and a few option changes that move the statistics).
SMALL = [
    ("shapes", {"size": 32}),
    ("shapes", {"size": 28, "noise": 0.2, "channels": 3}),
    ("circles", {"size": 32}),
    ("circles", {"size": 24, "min_count": 0, "max_count": 2}),
    ("polkadots", {"size": "40x60"}),
    ("traffic_lights", {}),
    ("traffic_lights", {"background": "black"}),
]
MATPLOTLIB_BLUE = (31, 119, 180)


@functools.cache
def trained_on(name: str, n: int = 200, **options) -> ModelInfo:
    """The metadata of a model whose normalisation adapted on ``n`` images of the dataset."""
    ds = kerazoo.get_dataset(name, **options)
    return ModelInfo(
        ds.task,
        InputSpec(*ds.image_shape),
        dataset=DatasetInfo(name, ds.options_json(), 0),
        architecture=ArchitectureInfo("lenet"),
        input_stats=InputStats.measure(ds.generate(n, seed=0).images),
    )


def fresh(name: str, n: int, seed: int, **options) -> np.ndarray:
    return kerazoo.get_dataset(name, **options).generate(n, seed=seed).images


def blue_on_white(seed: int, size: tuple[int, int] = (320, 240), count: int = 5) -> Image.Image:
    """Blue circles on white, as matplotlib draws them: the issue's picture."""
    rng = np.random.default_rng(seed)
    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    for _ in range(count):
        r = int(rng.integers(8, 30))
        x, y = int(rng.integers(r, size[0] - r)), int(rng.integers(r, size[1] - r))
        draw.ellipse([x - r, y - r, x + r, y + r], fill=MATPLOTLIB_BLUE)
    return img


def as_input(info: ModelInfo, pictures: list[Image.Image]) -> np.ndarray:
    """The pictures as the Predictor hands them to the model (resized, channels converted)."""
    s = info.input
    return np.concatenate(
        [conform(np.asarray(p)[None], s.height, s.width, s.channels, []) for p in pictures]
    )


# -- no false alarms -----------------------------------------------------------------------
@pytest.mark.parametrize(("name", "options"), SMALL, ids=lambda v: str(v))
def test_fresh_samples_of_the_training_dataset_never_warn(name: str, options: dict) -> None:
    for train_n in (40, 200):
        info = trained_on(name, train_n, **options)
        for seed in (1, 2, 3):
            images = fresh(name, 96, seed, **options)
            assert describe_shift(info, images) == []
            for i in range(0, 96, 8):  # small batches and single images
                assert describe_shift(info, images[i : i + 8]) == []
                assert describe_shift(info, images[i : i + 1]) == []


@pytest.mark.parametrize(("name", "options"), SMALL, ids=lambda v: str(v))
def test_blue_circles_on_white_always_warn(name: str, options: dict) -> None:
    info = trained_on(name, **options)
    for k in (1, 3):
        found = describe_shift(info, as_input(info, [blue_on_white(s) for s in range(k)]))
        assert found, (name, options)
        if info.input_stats.background.high < 16:  # trained on a black background
            assert "dark on a light background (median grey level 255)" in found[0]


# -- what is named -------------------------------------------------------------------------
def test_polarity_and_brightness() -> None:
    info = trained_on("circles", size=32)
    found = describe_shift(info, 255 - fresh("circles", 8, 1, size=32))
    assert found[0] == (
        "the images are dark on a light background (median grey level 255) but the model "
        "was trained on light on dark (median grey level 0)"
    )
    assert found[1].startswith("mean brightness 2") and "in training (" in found[1]
    assert len(found) == 2


def test_brightness_alone_with_the_share_of_images() -> None:
    info = trained_on("circles", size=32)  # a few small circles: mean brightness 3 to 71
    images = fresh("circles", 4, 1, size=32)
    images[:3, 4:28, 4:28] = 255  # a big white square inside a black frame
    assert describe_shift(info, images) == [
        f"mean brightness {np.median(images[:3].mean(axis=(1, 2, 3))):.0f} in 3 of 4 images "
        f"vs {info.input_stats.brightness.mean:.0f} in training "
        f"({info.input_stats.brightness.low:.0f} to {info.input_stats.brightness.high:.0f})"
    ]


def test_contrast() -> None:
    info = trained_on("shapes", size=32)  # white shapes: contrast 55 to 127
    faint = fresh("shapes", 6, 1, size=32, foreground=30)
    c = info.input_stats.contrast
    assert describe_shift(info, faint) == [
        f"contrast (standard deviation of grey levels) "
        f"{np.median(faint.std(axis=(1, 2, 3))):.0f} vs {c.mean:.0f} in training "
        f"({c.low:.0f} to {c.high:.0f})"
    ]


def test_background_of_a_dataset_without_one_polarity() -> None:
    info = trained_on("traffic_lights")  # random backgrounds, lit lamps on a dark housing
    pictures = [blue_on_white(s) for s in range(3)]
    found = describe_shift(info, as_input(info, pictures))
    assert found[0].startswith("background (median grey level) 255 vs ")


def test_colour_against_grey_and_grey_against_colour() -> None:
    grey_rgb = trained_on("shapes", size=32, channels=3)
    red = fresh("shapes", 6, 1, size=32, channels=3)
    red[..., 1:] = 0
    assert describe_shift(grey_rgb, red) == [
        "colour images given to a model trained on grey images"
    ]
    colour = trained_on("traffic_lights")
    lights = fresh("traffic_lights", 6, 1)
    grey = np.repeat(lights.mean(axis=3, keepdims=True).round().astype(np.uint8), 3, axis=3)
    assert describe_shift(colour, grey) == ["grey images given to a model trained on colour images"]


def test_resizing_is_named_beside_other_differences_never_alone() -> None:
    info = trained_on("circles", size=32)
    same = fresh("circles", 2, 1, size=32)
    assert describe_shift(info, same, original_sizes=[(240, 320), (64, 64)]) == []
    found = describe_shift(info, 255 - same, original_sizes=[(240, 320), None])
    assert (
        found[-1] == "they were 240x320 (HxW) and are resized to 32x32, the size it was trained on"
    )
    found = describe_shift(info, 255 - same, original_sizes=[(240, 320), (64, 64)])
    assert found[-1].startswith("they were from 64x64 to 240x320 (HxW) and are resized")


def test_resized_from_reads_the_predictor_notes() -> None:
    assert resized_from(
        ("RGB -> grayscale", "resized 240x320 -> 64x64 (aspect ratio changed)")
    ) == (
        240,
        320,
    )
    assert resized_from(("RGB -> grayscale",)) is None and resized_from(()) is None


def test_no_statistics_no_check() -> None:
    info = dataclasses.replace(trained_on("circles", size=32), input_stats=None)
    assert describe_shift(info, 255 - fresh("circles", 2, 1, size=32)) == []
    assert describe_shift(trained_on("circles", size=32), np.zeros((0, 32, 32, 1), np.uint8)) == []


# -- the warning ---------------------------------------------------------------------------
def test_warn_shift_issues_one_warning_with_what_to_do() -> None:
    info = trained_on("circles", size=32)
    images = as_input(info, [blue_on_white(s) for s in range(4)])
    with pytest.warns(InputShiftWarning) as record:
        found = warn_shift(info, images, where="evaluate", original_sizes=[(240, 320)] * 4)
    assert len(record) == 1 and record[0].filename == __file__
    message = str(record[0].message)
    assert message.startswith(
        "evaluate: these images do not look like the ones the model was trained on (dataset "
        "'circles'): the images are dark on a light background"
    )
    assert "; ".join(found) in message and "\n" not in message
    assert "'kerazoo data preview circles'" in message
    assert "'kerazoo train circles lenet --data background=255 --data foreground=1" in message
    assert "'kerazoo evaluate'" in message
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert warn_shift(info, fresh("circles", 4, 1, size=32)) == []


# -- the Predictor -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def circles_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An (untrained) LeNet for 32x32 circles, adapted and measured on 200 images, saved."""
    ds = kerazoo.get_dataset("circles", size=32)
    model = kerazoo.build("lenet", ds, adapt=ds.generate(200, seed=0).images)
    return save_model(model, tmp_path_factory.mktemp("shift") / "circles.keras")


def test_predictor_warns_once(circles_model: Path) -> None:
    predictor = Predictor.load(circles_model)
    blue = [blue_on_white(s) for s in range(3)]
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        predictor.predict(fresh("circles", 5, 1, size=32))
        assert record == []
        predictor.predict(blue, batch_size=2)  # two model calls, one check
        predictor.predict(blue)
        predictor.predict(blue[0])
    shift = [w for w in record if w.category is InputShiftWarning]
    assert len(shift) == 1 and shift[0].filename == __file__
    assert "they were 240x320 (HxW) and are resized to 32x32" in str(shift[0].message)


def test_predictor_checks_only_its_first_images(circles_model: Path) -> None:
    predictor = Predictor.load(circles_model)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        predictor.predict(fresh("circles", SHIFT_SAMPLE, 1, size=32))
        predictor.predict(blue_on_white(0))  # past the first 64 images: not checked


def test_predictor_check_can_be_turned_off(circles_model: Path) -> None:
    off = Predictor.load(circles_model, check_shift=False)
    model, meta = kerazoo.load_model(circles_model, compile=False)
    assert "input_stats" in meta
    old = dataclasses.replace(
        ModelInfo.of(model), input_stats=None
    )  # a file saved before the statistics
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        off.predict(blue_on_white(0))
        Predictor(model, old.to_dict()).predict(blue_on_white(0))


@pytest.mark.slow
def test_predict_command_warns_in_one_line(circles_model: Path, tmp_path: Path) -> None:
    pictures = []
    for s in range(3):
        pictures.append(tmp_path / f"blue{s}.png")
        blue_on_white(s, size=(200, 150)).save(pictures[-1])
    done = run_cli("predict", str(circles_model), *map(str, pictures))
    assert done.returncode == 0, done.stderr
    warned = [line for line in done.stderr.splitlines() if line.startswith("kerazoo: warning:")]
    assert len(warned) == 1, done.stderr
    assert "dark on a light background (median grey level 255)" in warned[0]
    assert "they were 150x200 (HxW) and are resized to 32x32" in warned[0]
    assert len(done.stdout.splitlines()) == 3

    exported = tmp_path / "exported"
    made = run_cli(
        "data", "export", "circles", str(exported), "--n", "12", "--data", "size=32", "--seed", "5"
    )
    assert made.returncode == 0, made.stderr
    done = run_cli("predict", str(circles_model), str(exported))
    assert done.returncode == 0, done.stderr
    assert "warning" not in done.stderr and len(done.stdout.splitlines()) == 12
