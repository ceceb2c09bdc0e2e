"""``function`` and ``mlp``: a network fits a sine, and the picture shows it outside the
interval it was trained on too."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from PIL import Image

import kerazoo
from kerazoo import InvalidOptionError
from tests.fixtures.processes import run_cli


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"f": "sin"}, np.sin),
        ({"f": "cos", "amplitude": 2.0, "frequency": 3.0}, lambda x: 2 * np.cos(3 * x)),
        ({"f": "poly", "coef": "1, -2, 0.5"}, lambda x: 1 - 2 * x + 0.5 * x**2),
        ({"f": "gauss", "width": 0.5}, lambda x: np.exp(-(x**2) / 0.5)),
    ],
)
def test_labels_are_the_function_at_the_number_each_grey_level_stands_for(
    options, expected
) -> None:
    ds = kerazoo.get_dataset("function", **options)
    data = ds.generate(200, seed=0)
    assert data.images.shape == (200, 1, 1, 1) and data.images.dtype == np.uint8
    # 256 levels over [-2 pi, 2 pi]; training uses only those inside [-pi, pi]
    x = -2 * np.pi + data.images.reshape(-1) * (4 * np.pi / 255)
    assert np.allclose(data.labels, expected(x), atol=1e-5)
    assert x.min() >= -np.pi - 1e-9 and x.max() <= np.pi + 1e-9
    assert set(np.unique(data.images)) <= set(range(64, 192)) and len(np.unique(data.images)) > 100
    lo, hi = ds.task.value_range
    assert ds.task.kind == "regression" and lo <= data.labels.min() and data.labels.max() <= hi


def test_two_dims_are_two_pixels_and_the_label_is_f_of_the_radius() -> None:
    ds = kerazoo.get_dataset("function", dims=2, f="gauss", low=-1, high=1, noise=0.0)
    data = ds.generate(50, seed=3)
    assert data.images.shape == (50, 1, 2, 1)
    xy = -2 + data.images.reshape(50, 2) * (4 / 255)
    assert np.allclose(data.labels, np.exp(-(xy**2).sum(axis=1) / 2), atol=1e-5)


def test_noise_is_added_to_the_labels_and_seeded() -> None:
    clean = kerazoo.get_dataset("function").generate(500, seed=1)
    noisy = kerazoo.get_dataset("function", noise=0.1).generate(500, seed=1)
    again = kerazoo.get_dataset("function", noise=0.1).generate(500, seed=1)
    assert np.array_equal(noisy.labels, again.labels)
    assert 0.08 < float(np.std(noisy.labels - np.sin(_x(noisy.images)))) < 0.12
    assert np.allclose(clean.labels, np.sin(_x(clean.images)), atol=1e-5)


def test_numbers_become_their_nearest_grey_level_and_back() -> None:
    ds = kerazoo.get_dataset("function", dims=2, low=0, high=10)
    images = ds.images([[0.0, 10.0], [-5.0, 15.0], [3.3, 7.7]])
    assert images.shape == (3, 1, 2, 1) and images.dtype == np.uint8
    assert np.abs(ds.values(images) - [[0, 10], [-5, 15], [3.3, 7.7]]).max() <= 20 / 255 / 2
    with pytest.raises(InvalidOptionError, match=r"x from .* to 16 is beyond the 256 grey"):
        ds.images([[0.0, 16.0]])


def _x(images: np.ndarray) -> np.ndarray:
    return -2 * np.pi + images.reshape(-1) * (4 * np.pi / 255)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"low": 2.0, "high": 1.0}, r"low=2 is not below high=1; give low < high"),
        ({"f": "poly", "coef": "1,x"}, r"coef='1,x' is not a list of numbers; give c0,c1"),
        ({"f": "poly", "coef": "3"}, r"f=poly is constant \(3\) on .*nothing to learn"),
        ({"f": "sine"}, r"sine.*sin, cos, poly, gauss"),
        ({"dims": 3}, r"dims"),
    ],
)
def test_options_that_cannot_work_are_refused_with_the_fix(options, message) -> None:
    with pytest.raises(InvalidOptionError, match=message):
        kerazoo.get_dataset("function", **options)


def test_evaluate_draws_the_model_over_every_input_level(tmp_path) -> None:
    model = kerazoo.build("mlp", kerazoo.get_dataset("function", f="cos"))
    result = kerazoo.evaluate(model, n=32, out=tmp_path)
    assert result.pictures["fit"] == tmp_path / "fit.png"
    assert "fit.png" in json.loads((tmp_path / "metrics.json").read_text())["pictures"].values()
    with Image.open(tmp_path / "fit.png") as image:
        assert np.asarray(image.convert("L")).std() > 20  # curves drawn, not a blank page
    two = kerazoo.build("mlp", kerazoo.get_dataset("function", dims=2))
    kerazoo.evaluate(two, n=32, out=tmp_path / "two")
    with Image.open(tmp_path / "two" / "fit.png") as image:
        assert image.size == (1200, 420)  # true, model and error maps side by side


@pytest.mark.slow
def test_a_short_run_draws_the_fit_and_evaluate_draws_it_again(tmp_path) -> None:
    done = run_cli(
        "train", "function", "mlp", "--epochs", "1", "--train-size", "256", "--val-size",
        "64", "--test-size", "64", "--no-tensorboard", "--out", str(tmp_path / "r"),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "suggests" not in done.stdout  # --epochs given: no suggestion used
    fit = tmp_path / "r" / "evaluation" / "fit.png"
    assert "fit.png" in json.loads(fit.with_name("metrics.json").read_text())["pictures"].values()
    with Image.open(fit) as image:
        assert image.size == (750, 420)
        assert np.asarray(image.convert("L")).std() > 20  # curves drawn, not a blank page
    again = run_cli("evaluate", str(tmp_path / "r"), "--n", "64", "--out", str(tmp_path / "e"))
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "e" / "fit.png").is_file()
    assert "of 256 predicted values" not in again.stderr  # the sweep leaves the range on purpose


def test_mlp_is_refused_nowhere_and_lenet_refuses_a_one_pixel_input() -> None:
    model = kerazoo.build("mlp", kerazoo.get_dataset("function"))
    assert [layer.name for layer in model.layers if layer.name.startswith("dense")] == [
        "dense1",
        "dense2",
    ]
    with pytest.raises(kerazoo.IncompatibleError, match=r"Input 1x1 is too small .*lenet"):
        kerazoo.build("lenet", kerazoo.get_dataset("function"))


@pytest.mark.slow
def test_mlp_fits_a_sine_to_mae_below_005() -> None:
    done = run_cli("train", "function", "mlp", "--data", "f=sin", "--out", "sine")
    assert done.returncode == 0, done.stderr
    assert "dataset 'function' suggests epochs 30: used" in done.stdout
    found = re.search(r"Test on (\d+) held-out images: mae ([0-9.]+)", done.stdout)
    assert found and float(found[2]) < 0.05, done.stdout
