"""circles drawn other ways: dark on light, colours, anti-aliased edges; counts still true."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.measure import label

import kerazoo
from kerazoo import InvalidOptionError

BASE = {"size": 32, "min_count": 3, "max_count": 9, "max_radius": 3, "target": "count"}


def blobs(masks: np.ndarray) -> np.ndarray:
    return np.array([label(m, connectivity=2).max() for m in masks])


def generate(n: int = 20, seed: int = 0, **options):
    return kerazoo.get_dataset("circles", **{**BASE, **options}).generate(n, seed=seed)


def test_dark_circles_on_a_light_background() -> None:
    data = generate(foreground=0, background=255)
    assert set(np.unique(data.images)) == {0, 255}
    assert (data.images[..., 0] == np.where(data.masks, 0, 255)).all()
    assert (blobs(data.images[..., 0] < 128) == data.labels).all()


def test_same_circles_whatever_the_colours() -> None:
    plain = generate()
    for options in (
        {"foreground": 0, "background": 255},
        {"foreground": 90, "background": 30},
        {"channels": 3, "color": "255,0,0", "background": 255},
    ):
        other = generate(**options)
        assert (other.masks == plain.masks).all() and (other.labels == plain.labels).all()


def test_a_fixed_rgb_colour() -> None:
    data = generate(channels=3, color="255,0,0", background=255)
    assert data.images.shape == (20, 32, 32, 3)
    assert (data.images[data.masks] == [255, 0, 0]).all()
    assert (data.images[~data.masks] == [255, 255, 255]).all()


def test_random_colours_stand_out_and_differ_per_circle() -> None:
    data = generate(channels=3, color="random", background=200)
    inside = data.images[data.masks].astype(int)
    assert (np.abs(inside - 200).max(axis=1) >= 128).all()  # every pixel differs in a channel
    for img, mask in zip(data.images[:5], data.masks[:5], strict=True):
        regions = label(mask, connectivity=2)
        colours = {tuple(img[regions == k][0]) for k in range(1, regions.max() + 1)}
        assert len(colours) > 1
        for k in range(1, regions.max() + 1):  # one colour per circle
            assert len(np.unique(img[regions == k], axis=0)) == 1
    grey = generate(color="random", background=0)
    assert grey.images.shape[-1] == 1 and len(np.unique(grey.images[grey.masks])) > 5


def test_antialiased_edges_are_grey_and_masks_still_count() -> None:
    sharp = generate(n=40)
    soft = generate(n=40, antialias=True, foreground=0, background=255)
    levels = np.unique(soft.images)
    assert levels[0] == 0 and levels[-1] == 255 and len(levels) > 5  # greys at the edges
    assert (soft.labels == sharp.labels).all()
    assert (blobs(soft.masks) == soft.labels).all()
    assert (blobs(soft.images[..., 0] < 128) == soft.labels).all()
    # pixels at least half covered: the mask is darker than mid-grey
    assert (soft.images[..., 0][soft.masks] <= 128).all()
    assert (soft.images[..., 0][~soft.masks] > 128).all()
    # the same disks: ink in proportion to the area, close to the sharp drawing's
    ink = (255 - soft.images[..., 0].astype(float)).sum(axis=(1, 2)) / 255
    assert ink == pytest.approx(sharp.masks.sum(axis=(1, 2)), rel=0.15)


def test_tiny_antialiased_circles_and_overlap() -> None:
    tiny = generate(min_radius=1, max_radius=1, antialias=True)
    assert (blobs(tiny.masks) == tiny.labels).all()
    # radius 1: only the centre pixel is fully covered, its 4 neighbours half
    assert (tiny.images == 255).sum() == tiny.labels.sum()
    assert (tiny.images[tiny.masks] >= 128).all() and (tiny.images > 0).sum() > tiny.masks.sum()
    overlapping = generate(overlap=True, antialias=True, channels=3, color="random", seed=2)
    assert overlapping.masks.any(axis=(1, 2)).all()


def test_new_options_keep_the_same_bits_for_the_same_seed() -> None:
    options = {"antialias": True, "channels": 3, "color": "random", "background": 30}
    a, b = generate(seed=4, **options), generate(seed=4, **options)
    assert a.images.tobytes() == b.images.tobytes() and a.masks.tobytes() == b.masks.tobytes()


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"foreground": 7, "background": 7}, "foreground and background are both 7: the circles"),
        ({"channels": 3, "color": "9,9,9", "background": 9}, "color and background are both 9"),
        ({"color": "255,0,0"}, r"color=255,0,0 is a colour, but channels=1: give channels=3"),
        ({"channels": 3, "color": "red"}, r"color='red' is not grey, random or R,G,B"),
        ({"channels": 3, "color": "1,2,300"}, r"three levels 0-255 \(e.g. color=255,0,0\)"),
        ({"channels": 2}, r"Invalid value 2 for option 'channels'.*one of 1, 3"),
    ],
)
def test_bad_colour_options(options: dict, match: str) -> None:
    with pytest.raises(InvalidOptionError, match=match):
        kerazoo.get_dataset("circles", **options)
