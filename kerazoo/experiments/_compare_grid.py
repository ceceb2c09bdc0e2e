"""The comparison's tile pictures (``inside.png``, ``classes.png``): one row of image tiles
per variant, its name on the left, a heading above, column titles over the first row.

Placed in inches, so a tile keeps its size whatever the number of rows or columns: ``top``
of each row is its distance from the figure's top edge.

Example:
    >>> draw_rows("grid.png", [[image, None]], [["#0", ""]], ["baseline"],
    ...           "heading")                                             # doctest: +SKIP
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from kerazoo.data._figure_text import figure_text
from kerazoo.interpret._pictures import save_figure

__all__ = ["draw_rows"]

_TILE, _STEP, _GAP = 0.95, 1.05, 0.25  # inches: a tile, from tile to tile, between rows


def draw_rows(
    path: Path,
    rows: Sequence[Sequence[np.ndarray | None]],
    titles: Sequence[Sequence[str]],
    labels: Sequence[str],
    heading: str,
    columns: Sequence[str] = (),
) -> Path:
    """One row of framed tiles per variant, in true pixel values (grey 0 black to 255
    white, or RGB; other channel counts averaged to grey).

    Args:
        path: the picture to write.
        rows: per variant, its ``uint8 [H, W, C]`` tiles; ``None`` leaves a tile blank, and
            a short row leaves the rest of it blank.
        titles: per variant, a small title over each tile.
        labels: per variant, the name on the left.
        heading: the text above (wrapped to the picture's width).
        columns: titles over the columns, above the first row (none: no such line).

    Returns:
        ``path``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    cols = max([len(columns), *(len(row) for row in rows)])
    left = 0.25 + 0.075 * max(len(label) for label in labels)
    fw = left + cols * _STEP + 0.2
    lines = textwrap.wrap(heading, int(fw * 12))
    head = 0.3 + 0.17 * len(lines) + (0.2 if columns else 0.0)
    fh = head + len(rows) * (_TILE + _GAP) + 0.1
    fig = Figure(figsize=(fw, fh))
    FigureCanvasAgg(fig)
    for c, name in enumerate(columns):
        x = (left + c * _STEP + _TILE / 2) / fw
        fig.text(x, 1 - (head - 0.05) / fh, figure_text(name), ha="center", va="bottom", fontsize=8)
    for r, (tiles, label) in enumerate(zip(rows, labels, strict=True)):
        top = head + r * (_TILE + _GAP) + 0.2
        for c, tile in enumerate(tiles):
            if tile is None:
                continue
            box = ((left + c * _STEP) / fw, 1 - (top + _TILE) / fh, _TILE / fw, _TILE / fh)
            _tile(fig.add_axes(box), tile, titles[r][c])
        fig.text(
            (left - 0.1) / fw,
            1 - (top + _TILE / 2) / fh,
            figure_text(label),
            ha="right",
            va="center",
            fontsize=9,
        )
    fig.text(0.5, 1 - 0.1 / fh, figure_text("\n".join(lines)), ha="center", va="top", fontsize=9)
    return save_figure(fig, path)


def _tile(ax, image: np.ndarray, title: str) -> None:
    """One framed tile, in pixel values from 0 to 255."""
    x = np.asarray(image, np.float32) / 255.0
    shown = x if x.shape[-1] == 3 else x.mean(axis=-1)
    ax.imshow(shown, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(figure_text(title), fontsize=7, pad=2)
    for spine in ax.spines.values():
        spine.set_color("0.6")
