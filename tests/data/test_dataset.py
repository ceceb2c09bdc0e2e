"""What the Dataset base class promises every plugin and its users."""

from __future__ import annotations

import numpy as np
import pytest

import kerazoo


class Tiny(kerazoo.Dataset):
    description = "two kinds of flat grey images"
    options = {"size": kerazoo.Param(4, "size"), "bad": kerazoo.Param("", str)}

    @property
    def task(self):
        return kerazoo.Task.classification(["dark", "light"])

    @property
    def image_shape(self):
        h, w = self.config["size"]
        return (h, w, 1)

    def make(self, n, rng):
        labels = rng.integers(0, 2, size=n)
        images = np.broadcast_to(
            (labels * 200 + 20).astype(np.uint8)[:, None, None, None], (n, *self.image_shape)
        ).copy()
        if self.config["bad"] == "dtype":
            images = images.astype(np.float32)
        if self.config["bad"] == "shape":
            images = images[:, :2]
        if self.config["bad"] == "labels":
            labels = labels[:1]
        if self.config["bad"] == "float-labels":
            labels = labels.astype(np.float32)
        if self.config["bad"] == "label-range":
            labels = labels + 1
        if self.config["bad"] == "raises":
            raise ZeroDivisionError("division by zero in the plugin")
        return kerazoo.Samples(images, labels, None)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": -1}, r"n must be a non-negative integer, got -1\."),
        ({"n": 2.5}, r"n must be a non-negative integer, got 2\.5\."),
        ({"n": 2, "seed": -3}, r"Invalid seed=-3: below the minimum 0\. A seed is an integer"),
        ({"n": 2, "seed": True}, r"Invalid seed=True: expected an integer, got a boolean"),
    ],
)
def test_generate_refuses_bad_counts_and_seeds(kwargs, message) -> None:
    with pytest.raises(kerazoo.InvalidOptionError, match=message):
        Tiny().generate(**kwargs)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("dtype", r"images must be a uint8 numpy array, got float32"),
        ("shape", r"images have shape \(3, 2, 4, 1\), expected \(N, 4, 4, 1\)"),
        ("labels", r"labels are missing or not one per image"),
        ("float-labels", r"class labels must be integers \(indices into .*\), got float32"),
        ("label-range", r"class labels must be in 0\.\.1 \(2 classes: dark, light\), got 2"),
    ],
)
def test_a_plugin_that_breaks_the_contract_is_named(bad, message) -> None:
    with pytest.raises(
        kerazoo.PluginError,
        match=r"dataset 'Tiny' broke the Dataset "
        r"contract: " + message,
    ):
        Tiny(bad=bad).generate(3)


def test_split_is_one_seeded_draw_cut_in_three() -> None:
    ds = Tiny(size="3x5")
    s = ds.split(5, 2, 1, seed=4)
    whole = ds.generate(8, seed=4)
    assert np.array_equal(
        np.concatenate([s.train.images, s.val.images, s.test.images]), whole.images
    )
    assert (len(s.train), len(s.val), len(s.test)) == (5, 2, 1)
    assert ds.options_json() == {"size": "3x5", "bad": ""}


def test_input_spec_sides_must_be_positive() -> None:
    with pytest.raises(kerazoo.InvalidOptionError, match=r"InputSpec\.width must be >= 1\."):
        kerazoo.InputSpec(4, 0, 1)


def test_an_exception_inside_make_names_the_plugin_and_keeps_the_cause() -> None:
    Tiny.plugin = "kz-tiny 1.0"
    try:
        with pytest.raises(
            kerazoo.PluginError,
            match=r"dataset 'Tiny' from kz-tiny 1\.0 failed in make\(\): ZeroDivisionError: "
            r"division by zero in the plugin",
        ) as caught:
            Tiny(bad="raises").generate(3)
    finally:
        Tiny.plugin = ""
    assert isinstance(caught.value.__cause__, ZeroDivisionError)
