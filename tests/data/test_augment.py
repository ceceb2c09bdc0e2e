"""kerazoo.data.augment: label-preserving transforms of uint8 NHWC batches (and their masks)."""

from __future__ import annotations

import numpy as np
import pytest

from kerazoo import InvalidOptionError
from kerazoo.data.augment import TRANSFORMS, applicable, augment, check_transforms


def _batch(n: int = 64, h: int = 6, w: int = 6) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(n, h, w, 2), dtype=np.uint8)


def _matches_one_of(out: np.ndarray, img: np.ndarray, candidates) -> bool:
    return any(np.array_equal(out, c(img)) for c in candidates)


def test_shape_dtype_kept_and_input_untouched() -> None:
    images = _batch()
    before = images.copy()
    out = augment(images, np.random.default_rng(1), TRANSFORMS)
    assert out.shape == images.shape and out.dtype == np.uint8
    assert (images == before).all()
    assert augment(images, np.random.default_rng(1), ()).tobytes() == images.tobytes()


def test_same_generator_state_same_result_and_order_does_not_matter() -> None:
    images = _batch()
    a = augment(images, np.random.default_rng(5), ("shift", "hflip"))
    b = augment(images, np.random.default_rng(5), ("hflip", "shift"))
    assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize(
    ("name", "candidates"),
    [
        ("hflip", [lambda x: x, lambda x: x[:, ::-1]]),
        ("vflip", [lambda x: x, lambda x: x[::-1]]),
        ("rot90", [lambda x, k=k: np.rot90(x, k) for k in range(4)]),
    ],
)
def test_each_image_gets_its_own_draw(name: str, candidates) -> None:
    images = _batch()
    out, masks = augment(images, np.random.default_rng(2), (name,), masks=images[..., 0] > 127)
    used = set()
    for o, m, img in zip(out, masks, images, strict=True):
        assert _matches_one_of(o, img, candidates)
        assert (m == (o[..., 0] > 127)).all()  # the mask moved with its image
        used.add(next(i for i, c in enumerate(candidates) if np.array_equal(o, c(img))))
    assert used == set(range(len(candidates)))


def test_shift_moves_a_few_pixels_with_edge_fill() -> None:
    images = _batch(n=40, h=8, w=8)
    out, masks = augment(images, np.random.default_rng(3), ("shift",), masks=images[..., 1] > 99)
    moved = 0
    for o, m, img in zip(out, masks, images, strict=True):
        hits = []
        for dy in range(-2, 3):
            for dx in range(-2, 3):
                rows = np.clip(np.arange(8) - dy, 0, 7)
                cols = np.clip(np.arange(8) - dx, 0, 7)
                if np.array_equal(o, img[rows][:, cols]):
                    hits.append((dy, dx))
        assert hits, "not a shift of at most 2 pixels with edge fill (8 px: max_shift 1)"
        moved += hits[0] != (0, 0)
        assert (m == (o[..., 1] > 99)).all()
    assert moved > 10
    wide = augment(images, np.random.default_rng(3), ("shift",), max_shift=0)
    assert wide.tobytes() == images.tobytes()


def test_errors() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(InvalidOptionError, match="Unknown augmentation 'zoom'.*hflip, vflip"):
        augment(_batch(), rng, ("zoom",))
    with pytest.raises(InvalidOptionError, match="'rot90' needs square images, got 6x8"):
        augment(_batch(h=6, w=8), rng, ("rot90",))
    with pytest.raises(InvalidOptionError, match=r"takes images \[N, H, W, C\]"):
        augment(_batch()[0], rng, ("hflip",))
    with pytest.raises(InvalidOptionError, match="masks have shape"):
        augment(_batch(), rng, ("hflip",), masks=np.zeros((2, 6, 6), bool))
    with pytest.raises(InvalidOptionError, match="max_shift must be >= 0"):
        augment(_batch(), rng, ("shift",), max_shift=-1)


def test_helpers() -> None:
    assert check_transforms(["shift", "hflip", "shift"]) == ("hflip", "shift")
    assert check_transforms("vflip") == ("vflip",)
    assert applicable(TRANSFORMS, (27, 11, 3)) == ("hflip", "vflip", "shift")
    assert applicable(TRANSFORMS, (8, 8)) == TRANSFORMS
