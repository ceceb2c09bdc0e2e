"""Pictures of what a network sees: titled image grids saved as PNG, and tiling in numpy.

matplotlib draws the grids (titles, colour bars); numpy tiles frames for GIFs, where a figure
per frame would cost more than the training step it shows. Files are written atomically.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kerazoo.files import atomic_file

__all__ = ["DPI", "image_grid", "normalize", "save_figure", "tile"]

DPI = 100
_TILE_INCHES = 1.1


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


def image_grid(
    path: str | Path,
    images: Any,
    titles: Sequence[str] | None = None,
    title: str = "",
    cmap: str = "viridis",
    cols: int | None = None,
    colorbar: str | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
) -> Path:
    """A grid of titled tiles, saved as a PNG.

    Args:
        path: the PNG to write.
        images: ``[N, H, W]`` (drawn with ``cmap``) or ``[N, H, W, 3]`` (RGB in ``[0, 1]``).
        titles: one short title per tile.
        title: the figure's title (say what the tiles are and how to read the colours).
        cmap: the colour map of one-channel tiles.
        cols: tiles per row (default about the square root of N).
        colorbar: a label for one shared colour bar (needs ``vmin``/``vmax`` or shared
            scaling to mean anything); ``None`` for none.
        vmin, vmax: the colour range of one-channel tiles (default: each tile's own).

    Example:
        >>> image_grid("maps.png", maps, [f"#{i}" for i in range(len(maps))],
        ...            title="conv1: 6 maps, 32x32")                   # doctest: +SKIP
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    x = np.asarray(images)
    n, h, w = x.shape[:3]
    cols = max(1, min(n, cols or math.ceil(math.sqrt(n))))
    rows = math.ceil(n / cols)
    tile_w, tile_h = _TILE_INCHES * w / max(h, w), _TILE_INCHES * h / max(h, w)
    label = 0.22 if titles else 0.0
    head = 0.5 + 0.18 * title.count("\n") if title else 0.1
    extra_w = 0.9 if colorbar else 0.0
    fig = Figure(
        figsize=(max(3.2, cols * (tile_w + 0.08)) + extra_w, rows * (tile_h + 0.08 + label) + head)
    )
    FigureCanvasAgg(fig)
    shown = None
    for i in range(n):
        ax = fig.add_subplot(rows, cols, i + 1)
        if x.ndim == 4:
            shown = ax.imshow(np.clip(x[i], 0, 1), interpolation="nearest")
        else:
            shown = ax.imshow(x[i], cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
        if titles:
            ax.set_title(titles[i], fontsize=7, pad=2)
        ax.set_axis_off()
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout(pad=0.4, rect=(0, 0, 1 - extra_w / fig.get_figwidth(), 1))
    if colorbar and shown is not None:
        cax = fig.add_axes((1 - 0.75 * extra_w / fig.get_figwidth(), 0.15, 0.02, 0.7))
        fig.colorbar(shown, cax=cax).set_label(colorbar, fontsize=7)
    return save_figure(fig, path)
