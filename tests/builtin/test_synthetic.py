"""The synthetic built-in datasets: labels true to the pixels, masks, options, determinism."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from kerazoo_builtin.datasets import circles as circles_module
from kerazoo_builtin.datasets.shapes import KINDS
from skimage.draw import disk, polygon
from skimage.measure import label, regionprops

import kerazoo
from kerazoo import DataError, InvalidOptionError

SMALL = {
    "shapes": {"size": 16},
    "circles": {"size": 20, "max_radius": 2, "min_radius": 1, "max_count": 4},
    "polkadots": {"size": "20x30", "min_radius": 2, "max_radius": 4},
    "traffic_lights": {},
}


@pytest.mark.parametrize("name", list(SMALL))
def test_same_seed_same_bits_other_seed_other_data(name: str) -> None:
    ds = kerazoo.get_dataset(name, **SMALL[name])
    a, b, c = ds.generate(8, seed=3), ds.generate(8, seed=3), ds.generate(8, seed=4)
    assert a.images.tobytes() == b.images.tobytes()
    assert a.masks.tobytes() == b.masks.tobytes()
    if a.labels is not None:
        assert a.labels.tobytes() == b.labels.tobytes()
    assert a.images.tobytes() != c.images.tobytes()


@pytest.mark.parametrize("name", list(SMALL))
def test_splits_do_not_overlap_and_masks_mark_objects(name: str) -> None:
    ds = kerazoo.get_dataset(name, **SMALL[name])
    s = ds.split(12, 4, 4, seed=1)
    seen = [img.tobytes() for part in s for img in part.images]
    assert len(seen) == 20 and len(set(seen)) == 20
    masks = s.train.masks
    assert masks.dtype == np.bool_ and masks.shape == s.train.images.shape[:3]
    assert masks.any(axis=(1, 2)).all()  # every image has an object


#: Fingerprints of generate(5, seed=7): the promise is the same bits on every machine. If one
#: changes, the data changed: on purpose (say so in the CHANGELOG and update the value), or
#: because numpy changed a random stream (numpy does not promise Generator streams across
#: versions), which users must hear about too.
GOLDEN = {
    "shapes": (
        {"size": 16, "classes": "circle,square,triangle,star", "noise": 0.1},
        "1e4a2fbd682e5ba0",
    ),
    "circles": ({"size": 20, "max_radius": 2, "min_radius": 1, "max_count": 4}, "486307f827f66b53"),
    "polkadots": ({"size": "20x30", "min_radius": 2, "max_radius": 4}, "3fcf986941106ebd"),
    "traffic_lights": ({}, "8b27ffbf99feff18"),
}


@pytest.mark.parametrize("name", list(GOLDEN))
def test_same_bits_as_recorded(name: str) -> None:
    options, expected = GOLDEN[name]
    digest = hashlib.sha256()
    for array in kerazoo.get_dataset(name, **options).generate(5, seed=7):
        if array is not None:
            digest.update(array.tobytes())
    assert digest.hexdigest()[:16] == expected, f"numpy {np.__version__}"


# -- shapes ------------------------------------------------------------------------------


def _centred(kinds: str, scale: float = 0.75, size: int = 32, **kw):
    ds = kerazoo.get_dataset(
        "shapes",
        size=size,
        classes=kinds,
        min_scale=scale,
        max_scale=scale,
        position=0,
        rotate=False,
        **kw,
    )
    return ds, ds.generate(30, seed=0)


def test_shapes_masks_are_the_drawn_pixels_and_match_skimage() -> None:
    ds, data = _centred("circle,square,triangle", size=48, foreground=200, background=30)
    assert set(data.labels) == {0, 1, 2}
    assert (data.images[..., 0] == np.where(data.masks, 200, 30)).all()
    radius, centre = 0.75 * 24, 23.5
    expected_area = {"circle": np.pi, "square": 2.0, "triangle": 3 * np.sqrt(3) / 4}
    for mask, lab in zip(data.masks, data.labels, strict=True):
        kind = ds.task.class_names[lab]
        assert mask.sum() == pytest.approx(expected_area[kind] * radius**2, rel=0.1)
        ref = np.zeros_like(mask)
        if kind == "circle":
            ref[disk((centre, centre), radius, shape=mask.shape)] = True
        else:
            verts = KINDS[kind][0] * radius + centre
            ref[polygon(verts[:, 1], verts[:, 0], shape=mask.shape)] = True
        iou = (mask & ref).sum() / (mask | ref).sum()
        assert iou > 0.9, kind


def test_shapes_extra_kinds_grow_the_classes_and_rotation_varies() -> None:
    ds = kerazoo.get_dataset("shapes", size=24, classes="star,hexagon,cross,pentagon,circle")
    assert ds.task.class_names == ("star", "hexagon", "cross", "pentagon", "circle")
    data = ds.generate(60, seed=0)
    assert set(data.labels) == set(range(5))
    # rotated and moved: two stars of the same class are not the same picture
    stars = data.masks[data.labels == 0]
    assert len({m.tobytes() for m in stars}) == len(stars)
    # a star covers less than the hexagon around the same circle would
    _, fixed = _centred("star,hexagon", size=24)
    area = {lab: m.sum() for m, lab in zip(fixed.masks, fixed.labels, strict=True)}
    assert area[0] < 0.6 * area[1]


def test_shapes_channels_and_noise() -> None:
    clean = kerazoo.get_dataset("shapes", size=16, channels=3).generate(4, seed=0)
    assert clean.images.shape == (4, 16, 16, 3)
    assert (clean.images[..., 0] == clean.images[..., 2]).all()
    noisy = kerazoo.get_dataset("shapes", size=16, channels=3, noise=0.1).generate(4, seed=0)
    assert (noisy.masks == clean.masks).all()
    diff = np.abs(noisy.images.astype(int) - clean.images.astype(int))
    assert 0 < diff.max() <= 26


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"classes": "circle,blob"}, "unknown shape kind 'blob'.*Valid kinds: circle"),
        ({"classes": "circle"}, "at least 2 different kinds"),
        ({"classes": "circle,circle"}, "at least 2 different kinds"),
        ({"min_scale": 0.9, "max_scale": 0.5}, "min_scale=0.9 is above max_scale=0.5"),
        ({"size": 8}, "shapes 3.2 px across; they need at least 5 px"),
        ({"foreground": 9, "background": 9}, "both 9: the shapes would be invisible"),
        ({"channels": 2}, "Invalid value 2 for option 'channels'.*one of 1, 3"),
        ({"colour": 1}, "Unknown option 'colour'.*Valid options: size, classes"),
    ],
)
def test_shapes_bad_options(options: dict, match: str) -> None:
    with pytest.raises((InvalidOptionError, KeyError), match=match):
        kerazoo.get_dataset("shapes", **options)


def test_shapes_augmentations_follow_the_image_shape() -> None:
    assert kerazoo.get_dataset("shapes", size=16).augmentations == (
        "hflip",
        "vflip",
        "rot90",
        "shift",
    )
    assert "rot90" not in kerazoo.get_dataset("shapes", size="16x24").augmentations


# -- circles -----------------------------------------------------------------------------


def test_circles_without_overlap_count_equals_separate_blobs() -> None:
    ds = kerazoo.get_dataset("circles", size=32, min_count=1, max_count=9, max_radius=3)
    data = ds.generate(60, seed=5)
    counts = np.array(ds.task.class_names, dtype=int)[data.labels]
    blobs = [label(img[..., 0] > 0, connectivity=2).max() for img in data.images]
    assert (np.array(blobs) == counts).all()
    assert (data.masks == (data.images[..., 0] > 0)).all()
    for img, n in zip(data.images[:10], counts[:10], strict=True):  # radii in range
        for region in regionprops(label(img[..., 0] > 0)):
            assert 1 <= region.area <= 29  # radius 1 (5 px) .. radius 3 (29 px)
        assert n >= 1


def test_circles_45_to_50_as_classes_and_as_counts() -> None:
    opts = {"min_count": 45, "max_count": 50, "min_radius": 1, "max_radius": 2}
    ds = kerazoo.get_dataset("circles", **opts)
    assert ds.task.class_names == ("45", "46", "47", "48", "49", "50")
    data = ds.generate(6, seed=0)
    for img, lab in zip(data.images, data.labels, strict=True):
        assert label(img[..., 0] > 0).max() == 45 + lab
    reg = kerazoo.get_dataset("circles", target="count", **opts)
    assert reg.task.kind == "regression" and reg.task.value_range == (45.0, 50.0)
    assert reg.task.integer
    values = reg.generate(6, seed=0).labels
    assert values.dtype == np.float32 and ((values >= 45) & (values <= 50)).all()


def test_circles_with_overlap_label_is_the_number_drawn() -> None:
    ds = kerazoo.get_dataset("circles", min_count=45, max_count=50, overlap=True)
    data = ds.generate(10, seed=0)
    blobs = np.array([label(img[..., 0] > 0).max() for img in data.images])
    assert (blobs < 45 + data.labels).any()  # overlapping circles merge
    assert (data.masks == (data.images[..., 0] > 0)).all()
    assert ds.augmentations == ("hflip", "vflip", "rot90")


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"min_count": 5, "max_count": 3}, "min_count=5 is above max_count=3"),
        ({"min_count": 4, "max_count": 4}, "both 4: there would be nothing to learn"),
        ({"min_radius": 4, "max_radius": 2}, "min_radius=4 is above max_radius=2"),
        ({"size": 10, "max_radius": 5}, "radius 5 is 11 px across and does not fit in a 10x10"),
        (
            {"size": 16, "min_count": 20, "max_count": 30, "min_radius": 3},
            "30 separate circles of radius 3 or more cannot fit in a 16x16 image even packed",
        ),
        (
            {"size": 16, "min_count": 1, "max_count": 6, "min_radius": 2, "max_radius": 2},
            "6 separate circles of radius 2-2 rarely fit in a 16x16 image",
        ),
        ({"target": "number"}, "Invalid value 'number' for option 'target'"),
    ],
)
def test_circles_bad_options(options: dict, match: str) -> None:
    with pytest.raises(InvalidOptionError, match=match):
        kerazoo.get_dataset("circles", **options)


def test_circles_placement_that_stalls_is_an_error_not_a_hang(monkeypatch) -> None:
    monkeypatch.setattr(circles_module, "placement_successes", lambda *a: 32)
    monkeypatch.setattr(circles_module, "RESTARTS", 2)
    ds = kerazoo.get_dataset("circles", size=16, min_count=7, max_count=8, max_radius=2)
    with pytest.raises(DataError, match="Could not place 8 separate circles .* after 3 attempts"):
        ds.generate(4, seed=0)


# -- polkadots ---------------------------------------------------------------------------


def test_polkadots_one_white_one_grey_for_reconstruction() -> None:
    ds = kerazoo.get_dataset("polkadots")
    assert ds.task.kind == "reconstruction" and ds.image_shape == (100, 150, 1)
    assert "rot90" not in ds.augmentations
    assert "rot90" in kerazoo.get_dataset("polkadots", size=40, max_radius=9).augmentations
    data = ds.generate(6, seed=0)
    assert data.labels is None
    for img, mask in zip(data.images[..., 0], data.masks, strict=True):
        assert label(img > 0).max() == 2
        assert set(np.unique(img)) == {0, 128, 255}
        assert (mask == (img > 0)).all()


def test_polkadots_overlap_draws_white_on_top() -> None:
    ds = kerazoo.get_dataset("polkadots", size=20, min_radius=5, max_radius=6, overlap=True)
    data = ds.generate(20, seed=0)
    assert any(label(img[..., 0] > 0).max() == 1 for img in data.images)
    assert (data.images == 255).any(axis=(1, 2, 3)).all()


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"min_radius": 9, "max_radius": 3}, "min_radius=9 is above max_radius=3"),
        ({"size": 20, "max_radius": 10}, "radius 10 is 21 px across and does not fit"),
        ({"size": 20, "min_radius": 5, "max_radius": 5}, "two separate circles of radius 5"),
        ({"white": 128}, "white and gray are both 128"),
    ],
)
def test_polkadots_bad_options(options: dict, match: str) -> None:
    with pytest.raises(InvalidOptionError, match=match):
        kerazoo.get_dataset("polkadots", **options)


# -- traffic lights ----------------------------------------------------------------------


def _lamp_levels(images: np.ndarray) -> np.ndarray:
    """Mean brightness inside each lamp of a 27x11 light (rows and columns that every
    housing position, jitter included, puts inside the lamp), per lamp colour's peak."""
    top = images.max(axis=3).astype(float)
    levels = [top[:, r : r + 2, 4:7].mean(axis=(1, 2)) for r in (4, 12, 20)]
    return np.stack(levels, axis=1) / np.array([255.0, 255.0, 230.0])


def test_traffic_lights_lit_lamp_matches_the_class() -> None:
    ds = kerazoo.get_dataset("traffic_lights")
    assert ds.image_shape == (27, 11, 3) and ds.task.class_names == ("red", "yellow", "green")
    assert ds.augmentations == ("hflip", "shift")  # a vertical flip swaps red and green
    data = ds.generate(200, seed=0)
    rows = np.array([np.argwhere(m)[:, 0].mean() for m in data.masks])
    assert (np.floor(rows / 9) == data.labels).all()  # the mask is the lit lamp
    assert (_lamp_levels(data.images).argmax(axis=1) == data.labels).all()
    lit = data.images[data.masks]
    assert lit.max(axis=1).mean() > 100


def test_traffic_lights_red_green_and_not_separable_by_one_pixel() -> None:
    ds = kerazoo.get_dataset("traffic_lights", classes="red,green")
    data = ds.generate(400, seed=1)
    rows = np.array([np.argwhere(m)[:, 0].mean() for m in data.masks])
    assert set(np.floor(rows / 9).astype(int)) == {0, 2}  # yellow is never lit
    x = data.images.reshape(len(data), -1).astype(int)
    red, green = x[data.labels == 0], x[data.labels == 1]
    # for every pixel and channel the two classes' value ranges overlap
    assert (np.minimum(red.max(0), green.max(0)) >= np.maximum(red.min(0), green.min(0))).all()


def test_traffic_lights_options() -> None:
    black = kerazoo.get_dataset("traffic_lights", background="black", noise=0, blur=0, jitter=0)
    img = black.generate(3, seed=0).images
    assert (img[:, :, 0] == 0).all()  # the first column is background
    big = kerazoo.get_dataset("traffic_lights", size="54x22").generate(2, seed=0)
    assert big.images.shape == (2, 54, 22, 3)
    with pytest.raises(InvalidOptionError, match="too small for a traffic light.*9x5"):
        kerazoo.get_dataset("traffic_lights", size="8x4")
    with pytest.raises(InvalidOptionError, match="'classes'.*one of 'red,yellow,green'"):
        kerazoo.get_dataset("traffic_lights", classes="red,blue")
