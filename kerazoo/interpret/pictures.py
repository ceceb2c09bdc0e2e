"""What every picture of a network needs: scaling to ``[0, 1]``, tiling in numpy, and saving
a matplotlib figure as a PNG atomically.

numpy tiles frames for GIFs, where a figure per frame would cost more than the training
step it shows; each view lays out its own figure (its tiles, labels and colour bars).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from kerazoo.files import atomic_file

__all__ = ["DPI", "normalize", "save_figure", "tile"]

DPI = 100


def normalize(images: Any, per_image: bool = True) -> np.ndarray:
    """Scale to ``[0, 1]`` (each image on its own, or all together); flat images give 0.

    Example:
        >>> normalize(np.array([[1.0, 3.0]]))
        array([[0., 1.]])
    """
    x = np.asarray(images, dtype=np.float64)
    axes = tuple(range(1, x.ndim)) if per_image and x.ndim > 1 else None
    lo = x.min(axis=axes, keepdims=True)
    span = x.max(axis=axes, keepdims=True) - lo
    return np.where(span > 0, (x - lo) / np.where(span > 0, span, 1), 0.0)


def tile(images: Any, cols: int | None = None, pad: int = 1, fill: float = 1.0) -> np.ndarray:
    """Tile ``[N, H, W]`` or ``[N, H, W, C]`` images into one image, ``pad`` pixels apart.

    Example:
        >>> tile(np.zeros((3, 2, 2)), cols=2).shape
        (5, 5)
    """
    x = np.asarray(images)
    n, h, w = x.shape[:3]
    cols = cols or math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    out = np.full((rows * (h + pad) - pad, cols * (w + pad) - pad, *x.shape[3:]), fill, x.dtype)
    for i in range(n):
        r, c = divmod(i, cols)
        out[r * (h + pad) : r * (h + pad) + h, c * (w + pad) : c * (w + pad) + w] = x[i]
    return out


def save_figure(fig: Any, path: str | Path) -> Path:
    """Save a matplotlib ``Figure`` as a PNG, atomically; return the path."""
    return atomic_file(path, lambda tmp: fig.savefig(tmp, format="png", dpi=DPI))
