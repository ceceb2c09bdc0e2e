"""The counter architecture: a local detector summed over the image, trained on counts."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import kerazoo
from kerazoo import IncompatibleError, InvalidOptionError
from kerazoo.models._build import build

TINY = {"size": 24, "min_count": 1, "max_count": 3, "min_radius": 1, "max_radius": 2}


def circles(**options):
    return kerazoo.get_dataset("circles", target="count", **{**TINY, **options})


def test_full_resolution_convs_then_a_summed_density() -> None:
    ds = circles()
    model = build(kerazoo.get_architecture("counter", filters=8, layers=3), ds)
    convs = [layer for layer in model.layers if type(layer).__name__ == "Conv2D"]
    assert [c.name for c in convs] == ["conv1", "conv2", "conv3", "density"]
    assert all(tuple(c.output.shape[1:3]) == (24, 24) for c in convs)  # no pooling
    assert model.get_layer("density").filters == 1
    assert model.get_layer("value").kernel.shape == (1, 1)  # the head scales one number
    assert model.output.shape == (None, 1)


def test_the_sum_adds_what_each_object_adds() -> None:
    """Two circles far apart add up to the sum of each alone: nothing global is learned."""
    model = build(kerazoo.get_architecture("counter", density="linear"), circles(size=32))
    density = model.get_layer("density")
    rng = np.random.default_rng(0)
    density.kernel.assign(rng.normal(size=density.kernel.shape).astype("float32"))
    body = keras.Model(model.input, model.get_layer("density_sum").output)
    yy, xx = np.mgrid[:32, :32]
    a = ((yy - 8) ** 2 + (xx - 8) ** 2 <= 4) * 255
    b = ((yy - 22) ** 2 + (xx - 23) ** 2 <= 9) * 255
    images = np.stack([0 * a, a, b, a + b]).astype(np.uint8)[..., None]
    s = np.asarray(body.predict(images, verbose=0)).reshape(-1).astype(np.float64)
    assert s[3] - s[0] == pytest.approx((s[1] - s[0]) + (s[2] - s[0]), rel=1e-4, abs=1e-3)
    assert abs(s[1] - s[0]) > 1e-3  # the detector does see a circle


def test_trains_on_tiny_circles_and_predicts_non_negative_counts() -> None:
    keras.utils.set_random_seed(0)
    ds = circles()
    data = ds.generate(600, seed=0)
    test = ds.generate(100, seed=1)
    model = build(kerazoo.get_architecture("counter", filters=8), ds, learning_rate=1e-2)
    before = np.abs(model.predict(test.images, verbose=0).reshape(-1) - test.labels).mean()
    model.fit(data.images, data.labels, batch_size=32, epochs=4, verbose=0)
    pred = model.predict(test.images, verbose=0).reshape(-1)
    after = np.abs(pred - test.labels).mean()
    assert np.isfinite(pred).all() and (pred > -0.5).all()  # rounds to a count >= 0
    assert after < 0.6 * before, (before, after)


def test_counts_as_classes_and_hyperparameter_ranges() -> None:
    cls = kerazoo._registry.architecture_class("counter")
    assert set(cls.tasks) == {"regression", "classification"}
    for name, p in cls.hyperparameters.items():
        assert p.help and (p.choices or (p.low is not None and p.high is not None)), name
    model = build("counter", kerazoo.get_dataset("circles", **TINY))  # classes "1".."3"
    assert model.get_layer("logits").kernel.shape == (1, 3)  # logits from the one sum
    with pytest.raises(IncompatibleError, match="'counter' does not support reconstruction"):
        build("counter", circles(), encoding="reconstruction")
    with pytest.raises(InvalidOptionError, match="'layers'.*above the maximum 6"):
        kerazoo.get_architecture("counter", layers=7)
    with pytest.raises(InvalidOptionError, match="'density'.*one of 'linear', 'relu'"):
        kerazoo.get_architecture("counter", density="sigmoid")


@pytest.mark.parametrize("density", ["relu", "softplus"])
def test_non_negative_densities_build_and_start_in_the_middle(density: str) -> None:
    ds = circles()
    model = build(kerazoo.get_architecture("counter", density=density, filters=4), ds)
    pred = model.predict(ds.generate(4, seed=0).images, verbose=0).reshape(-1)
    assert np.isfinite(pred).all()
    if density == "relu":  # zero start: the sum is 0 and the head predicts the middle
        assert pred == pytest.approx(2.0)
