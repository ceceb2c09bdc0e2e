"""The picture of a dataset's mean image: the mean, the spread, then each group's mean.

Every mean is drawn on one scale, black 0 and white the largest mean value (255 for most
data; a faint dataset's value is in the first title), so the means compare with each
other; the spread is drawn from 0 to its largest value, which its title gives. matplotlib is
imported only when the picture is drawn.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from kerazoo._files import check_output_file
from kerazoo.data._figure_text import figure_text
from kerazoo.data._preview import DPI, TILE_INCHES, picture_format, save_figure

__all__ = ["draw_mean"]

#: The most tiles in one row before the grid wraps.
ROW = 6
#: The narrowest tile (room for its title), and the width of a heading's character.
MIN_TILE_INCHES, CHAR_INCHES = 1.2, 0.075


def draw_mean(result: Any, path: str | Path) -> Path:
    """Draw ``result`` (a :class:`~kerazoo.data._mean.DatasetMean`, which imports this
    module, not the other way round) and save it at ``path``.

    Example:
        >>> draw_mean(kerazoo.dataset_mean("shapes"), "mean.png")  # doctest: +SKIP
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    picture_format(path)
    check_output_file(path)
    tiles = _tiles(result)
    k = len(tiles)
    cols = k if k <= ROW else math.ceil(math.sqrt(k))
    rows = math.ceil(k / cols)
    h, w = result.mean.shape[:2]
    scale = TILE_INCHES / max(h, w)
    tile_w, tile_h = max(w * scale, MIN_TILE_INCHES), h * scale + 0.3
    heading = _heading(result)
    width = max(cols * (tile_w + 0.1), max(map(len, heading.splitlines())) * CHAR_INCHES)
    fig = Figure(figsize=(width, rows * tile_h + 0.55), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    for i, (title, image, top) in enumerate(tiles):
        ax = fig.add_subplot(rows, cols, i + 1)
        _show(ax, image, top)
        ax.set_title(figure_text(title), fontsize=8)
        ax.set_axis_off()
    fig.suptitle(figure_text(heading), fontsize=9)
    return save_figure(fig, path)


def _tiles(result: Any) -> list[tuple[str, np.ndarray, float]]:
    """``(title, image, white)`` for each tile: ``white`` is the value drawn white, one for
    every mean (their largest value, so a faint dataset shows its structure) and one for
    the spread; a title says it when it is not 255."""
    means = [
        result.mean,
        *(m for m, k in zip(result.group_means, result.group_counts, strict=True) if k),
    ]
    bright = max(float(np.max(m)) for m in means) or 1.0
    spread = float(np.max(result.std)) or 1.0
    scale = "" if bright >= 254.5 else f" (white = {bright:.0f})"
    tiles = [
        (f"mean{scale}", result.mean, bright),
        (f"std (white = {spread:.0f})", result.std, spread),
    ]
    for name, image, count in zip(
        result.group_names, result.group_means, result.group_counts, strict=True
    ):
        tiles.append((f"{name} ({count})" if count else f"{name} (none)", image, bright))
    return tiles


def _show(ax: Any, image: np.ndarray, white: float) -> None:
    """A mean or spread image, ``0`` black and ``white`` white; an empty group black. Colour
    for 3 or 4 channels (RGB, alpha left out), grey (the channels' mean) for any other."""
    picture = np.clip(np.nan_to_num(image, nan=0.0) / white, 0.0, 1.0)
    if picture.shape[-1] in (3, 4):
        ax.imshow(picture[..., :3], interpolation="nearest")
    else:
        grey = picture.mean(axis=-1)
        ax.imshow(grey, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")


def _heading(result: Any) -> str:
    grouped = {"classification": " per class", "regression": " per band of values"}
    return (
        f"'{result.dataset}': mean of {result.count} images (seed {result.seed})"
        f"{grouped.get(result.task.kind, '')}\n{result.summary()}"
    )
