"""Label-preserving augmentation of canonical ``uint8`` NHWC images, vectorised over a batch.

Each dataset declares which of :data:`TRANSFORMS` keep its labels true (a vertical flip
swaps the red and green lamps of a traffic light, so that dataset allows ``hflip`` only);
the batching code calls :func:`augment` with that list.

Example:
    >>> import numpy as np
    >>> from kerazoo.data.augment import augment
    >>> images = np.zeros((8, 16, 16, 1), np.uint8)
    >>> augment(images, np.random.default_rng(0), ("hflip", "shift")).shape
    (8, 16, 16, 1)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import overload

import numpy as np

from kerazoo._errors import InvalidOptionError

__all__ = ["TRANSFORMS", "applicable", "augment", "check_transforms", "default_max_shift"]

#: Every transform :func:`augment` knows, in the order it applies them.
TRANSFORMS: tuple[str, ...] = ("hflip", "vflip", "rot90", "shift")

#: Transforms that need square images (a quarter turn swaps height and width).
SQUARE_ONLY: tuple[str, ...] = ("rot90",)


def check_transforms(transforms: Iterable[str]) -> tuple[str, ...]:
    """Validate transform names and return them in canonical order, without duplicates.

    Raises:
        InvalidOptionError: a name that is not in :data:`TRANSFORMS`.

    Example:
        >>> check_transforms(["shift", "hflip"])
        ('hflip', 'shift')
    """
    given = [transforms] if isinstance(transforms, str) else list(transforms)
    bad = [t for t in given if t not in TRANSFORMS]
    if bad:
        raise InvalidOptionError(
            f"Unknown augmentation {bad[0]!r}. Valid augmentations: {', '.join(TRANSFORMS)}."
        )
    return tuple(t for t in TRANSFORMS if t in given)


def applicable(transforms: Iterable[str], shape: tuple[int, ...]) -> tuple[str, ...]:
    """The transforms that can be applied to images of ``shape`` (``(H, W, ...)``).

    ``rot90`` is dropped for non-square images, everything else is kept.

    Example:
        >>> applicable(("hflip", "rot90"), (27, 11, 3))
        ('hflip',)
    """
    square = shape[0] == shape[1]
    return tuple(t for t in check_transforms(transforms) if square or t not in SQUARE_ONLY)


def default_max_shift(height: int, width: int) -> int:
    """The default largest shift for ``shift``: a few pixels, 1/16 of the shorter side, >= 1."""
    return max(1, round(min(height, width) / 16))


@overload
def augment(
    images: np.ndarray,
    rng: np.random.Generator,
    transforms: Iterable[str],
    masks: None = None,
    max_shift: int | None = None,
) -> np.ndarray: ...


@overload
def augment(
    images: np.ndarray,
    rng: np.random.Generator,
    transforms: Iterable[str],
    masks: np.ndarray,
    max_shift: int | None = None,
) -> tuple[np.ndarray, np.ndarray]: ...


def augment(
    images: np.ndarray,
    rng: np.random.Generator,
    transforms: Iterable[str],
    masks: np.ndarray | None = None,
    max_shift: int | None = None,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Randomly transform each image of a batch (and its mask the same way).

    Every image gets its own coin flips: ``hflip`` and ``vflip`` each with probability 1/2,
    ``rot90`` a random number (0-3) of quarter turns, ``shift`` a random translation of up
    to ``max_shift`` pixels in each direction with the edge pixels repeated into the gap.
    The order of ``transforms`` does not matter; the draws use only ``rng``, so the same
    generator state gives the same result.

    Args:
        images: ``uint8`` array ``[N, H, W, C]`` (not modified).
        rng: the random generator to draw from.
        transforms: names from :data:`TRANSFORMS`; usually ``dataset.augmentations``.
        masks: optional ``[N, H, W]`` array transformed exactly like the images.
        max_shift: largest shift in pixels for ``shift``; default
            :func:`default_max_shift` (1/16 of the shorter side, at least 1).

    Returns:
        The augmented images (same shape and dtype), or ``(images, masks)`` when masks
        were given.

    Raises:
        InvalidOptionError: an unknown transform, ``rot90`` on non-square images, or
            arrays of the wrong shape.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> imgs = np.arange(2 * 4 * 4, dtype=np.uint8).reshape(2, 4, 4, 1)
        >>> out, m = augment(imgs, rng, ("hflip", "rot90"), masks=imgs[..., 0] > 9)
        >>> out.shape, m.shape
        ((2, 4, 4, 1), (2, 4, 4))
    """
    names = check_transforms(transforms)
    images = np.asarray(images)
    if images.ndim != 4:
        raise InvalidOptionError(
            f"augment() takes images [N, H, W, C], got an array of shape {images.shape}."
        )
    n, h, w = images.shape[:3]
    if masks is not None:
        masks = np.asarray(masks)
        if masks.shape != (n, h, w):
            raise InvalidOptionError(
                f"masks have shape {masks.shape}; expected {(n, h, w)} to match the images."
            )
    if "rot90" in names and h != w:
        raise InvalidOptionError(
            f"The augmentation 'rot90' needs square images, got {h}x{w}. "
            "Leave 'rot90' out for non-square images (see kerazoo.data.augment.applicable)."
        )
    out = images.copy()
    mout = None if masks is None else masks.copy()
    for name in names:
        if name == "hflip":
            sel = rng.random(n) < 0.5
            out[sel] = out[sel, :, ::-1]
            if mout is not None:
                mout[sel] = mout[sel, :, ::-1]
        elif name == "vflip":
            sel = rng.random(n) < 0.5
            out[sel] = out[sel, ::-1]
            if mout is not None:
                mout[sel] = mout[sel, ::-1]
        elif name == "rot90":
            turns = rng.integers(0, 4, size=n)
            for k in (1, 2, 3):
                sel = turns == k
                if sel.any():
                    out[sel] = np.rot90(out[sel], k, axes=(1, 2))
                    if mout is not None:
                        mout[sel] = np.rot90(mout[sel], k, axes=(1, 2))
        else:  # shift
            out, mout = _shift(out, mout, rng, max_shift)
    return out if mout is None else (out, mout)


def _shift(
    images: np.ndarray, masks: np.ndarray | None, rng: np.random.Generator, max_shift: int | None
) -> tuple[np.ndarray, np.ndarray | None]:
    n, h, w = images.shape[:3]
    m = default_max_shift(h, w) if max_shift is None else int(max_shift)
    if m < 0:
        raise InvalidOptionError(f"max_shift must be >= 0, got {max_shift!r}.")
    dy = rng.integers(-m, m + 1, size=n)
    dx = rng.integers(-m, m + 1, size=n)
    # gather with clipped indices: out[i, y, x] = in[i, clip(y - dy), clip(x - dx)]
    rows = np.clip(np.arange(h)[None, :] - dy[:, None], 0, h - 1)
    cols = np.clip(np.arange(w)[None, :] - dx[:, None], 0, w - 1)
    idx = np.arange(n)[:, None, None]
    r, c = rows[:, :, None], cols[:, None, :]
    return images[idx, r, c], None if masks is None else masks[idx, r, c]
