"""What every picture of a network needs: scaling to ``[0, 1]``, tiling in numpy, one titled
grid figure of tiles; figures are saved by :func:`kerazoo.data._preview.save_figure`.

numpy tiles frames for GIFs, where a figure per frame would cost more than the training
step it shows; the grids of maps, kernels and maximised images are :func:`grid_figure`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kerazoo.data._figure_text import figure_text
from kerazoo.data._preview import save_figure  # the one writer; kept importable from here

__all__ = ["DPI", "grid_figure", "heading_lines", "normalize", "save_figure", "tile"]

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


def heading_lines(title: str, inches: float) -> list[str]:
    """A heading wrapped to a figure ``inches`` wide (about 13 characters of 8-point text
    per inch), keeping its own line breaks."""
    import textwrap

    return [line for part in title.split("\n") for line in textwrap.wrap(part, int(inches * 13))]


def grid_figure(
    path: str | Path,
    tiles: Any,
    titles: Sequence[str],
    title: str,
    cols: int,
    *,
    image: np.ndarray | None = None,
    row_labels: Sequence[str] = (),
    cmap: str = "gray",
    vrange: tuple[float, float] = (0.0, 1.0),
    colorbar: str = "",
    ticks: Mapping[float, str] | None = None,
    frame: bool = False,
) -> Path:
    """A titled grid of tiles, saved as a PNG: every view's picture of many maps or images.

    Placed by hand in inches rather than with ``plt.subplots``: the input image has another
    size than the tiles, rows need labels, long headings wrap, and the colour bar keeps room
    for its ticks and label whatever the width of the figure.

    Args:
        path: the PNG to write (returned).
        tiles: ``[n, h, w]`` values drawn with ``cmap`` over ``vrange``, or ``[n, h, w, 3]``
            RGB in ``[0, 1]``.
        titles: one short title per tile (``""`` for none).
        title: the heading; say what the tiles are and how to read the colours.
        cols: tiles per row.
        image: a raw ``uint8 [H, W, C]`` input drawn on the left, titled "input".
        row_labels: a label left of each row.
        cmap, vrange: the colour map and range of one-channel tiles.
        colorbar: the colour bar's label (``""``: none).
        ticks: colour-bar values and their labels (default: matplotlib's ticks).
        frame: a thin grey frame around each tile (white tiles show on the white page).

    Example:
        >>> grid_figure("maps.png", maps, ["#0", "#1"], "conv1: 2 maps", cols=2)  # doctest: +SKIP
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    tiles = np.asarray(tiles)
    n, h, w = tiles.shape[:3]
    rows = math.ceil(n / cols)
    side = min(1.1, max(0.45, 9.0 / cols))  # many tiles: smaller ones, same figure width
    tw, th = side * w / max(h, w), side * h / max(h, w)
    label = 0.2 if any(titles) and cols <= 16 else 0.0
    left = (1.9 if image is not None else 0.1) + (0.5 if row_labels else 0.0)
    right = 1.1 if colorbar else 0.15
    grid_h = rows * (th + label + 0.06)
    fw = max(left + cols * (tw + 0.06) + right, 5.5)
    lines = heading_lines(title, fw)
    head = 0.2 + 0.17 * len(lines)
    fig = Figure(figsize=(fw, head + max(grid_h, 2.0) + 0.15))
    FigureCanvasAgg(fig)
    fh = fig.get_figheight()
    if image is not None:
        _draw_input(fig, image, head + 0.25)
    shown = None
    for i in range(n):
        r, c = divmod(i, cols)
        top = head + r * (th + label + 0.06) + label
        ax = _axes(fig, left + c * (tw + 0.06), top, tw, th, frame)
        if tiles.ndim == 4:
            ax.imshow(np.clip(tiles[i], 0, 1), interpolation="nearest")
        else:
            shown = ax.imshow(
                tiles[i], cmap=cmap, vmin=vrange[0], vmax=vrange[1], interpolation="nearest"
            )
        if label and titles[i]:
            ax.set_title(figure_text(titles[i]), fontsize=7, pad=2)
        if c == 0 and r < len(row_labels):
            _row_label(fig, row_labels[r], right=left - 0.08, middle=top + th / 2)
    fig.text(0.5, 1 - 0.1 / fh, figure_text("\n".join(lines)), ha="center", va="top", fontsize=9)
    if colorbar and shown is not None:
        place = (fw - right + 0.15, head + label, 0.15, max(min(grid_h, 3.0) - label, 1))
        _colorbar(fig, shown, place, colorbar, ticks)
    return save_figure(fig, path)


def _row_label(fig: Any, text: str, *, right: float, middle: float) -> None:
    """A row's label, its right end at ``right`` inches, centred ``middle`` inches down."""
    fw, fh = fig.get_figwidth(), fig.get_figheight()
    fig.text(right / fw, 1 - middle / fh, figure_text(text), ha="right", va="center", fontsize=8)


def _colorbar(
    fig: Any, shown: Any, place: tuple[float, ...], label: str, ticks: Mapping[float, str] | None
) -> None:
    """A colour bar at ``place`` (x, top, width, height in inches), labelled."""
    cax = _axes(fig, *place)
    cax.set_axis_on()
    bar = fig.colorbar(shown, cax=cax, ticks=list(ticks) if ticks else None)
    if ticks:
        bar.ax.set_yticklabels([figure_text(t) for t in ticks.values()])
    bar.set_label(figure_text(label), fontsize=8)
    cax.tick_params(labelsize=7)


def _axes(fig: Any, x: float, top: float, width: float, height: float, frame: bool = False) -> Any:
    """Axes without ticks at ``x`` inches from the left, ``top`` inches from the top."""
    fw, fh = fig.get_figwidth(), fig.get_figheight()
    ax = fig.add_axes((x / fw, (fh - top - height) / fh, width / fw, height / fh))
    if frame:
        ax.set_xticks([]), ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_color("0.6")
    else:
        ax.set_axis_off()
    return ax


def _draw_input(fig: Any, image: np.ndarray, top: float) -> None:
    """The raw input image, 1.6 inches on its long side, at the figure's left."""
    h, w = image.shape[:2]
    ax = _axes(fig, 0.15, top, 1.6 * w / max(h, w), 1.6 * h / max(h, w))
    if image.shape[-1] == 3:
        ax.imshow(image, interpolation="nearest")
    else:  # one channel (or the first of several)
        ax.imshow(image[..., 0], cmap="gray", vmin=0, vmax=255, interpolation="nearest")
    ax.set_title("input", fontsize=8, pad=3)
