"""Preview grids: samples drawn side by side, each tile titled with its label.

matplotlib is imported only when a grid is drawn.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from kerazoo.data.dataset import Samples
from kerazoo.errors import DataError, InvalidOptionError, option
from kerazoo.files import atomic_file
from kerazoo.task import Task

__all__ = ["DPI", "TILE_INCHES", "label_text", "preview_grid"]

#: Largest tile side in inches, and the resolution of the preview.
TILE_INCHES, DPI = 1.4, 100


def label_text(task: Task, label: Any) -> str:
    """How a label reads: the class name, the value (an integer for counts), or ``""``.

    Example:
        >>> label_text(Task.classification(["cat", "dog"]), 1)
        'dog'
        >>> label_text(Task.regression(1, 5, integer=True), np.float32(3.0))
        '3'
    """
    if task.kind == "classification":
        return task.class_names[int(label)]
    if task.kind == "regression":
        value = float(label)
        return str(int(round(value))) if task.integer else f"{value:.4g}"
    return ""


def preview_grid(
    samples: Samples,
    task: Task,
    path: str | Path,
    cols: int | None = None,
    show_masks: bool = False,
) -> Path:
    """Draw samples in a grid, each tile titled with its label, and save it as a PNG.

    Args:
        samples: what ``dataset.generate`` returned.
        task: the dataset's task (for the titles; reconstruction tiles have none).
        path: the PNG file to write (parent folders are created). It is written atomically:
            a temporary file beside it is renamed over it once complete.
        cols: tiles per row; default about the square root of the count.
        show_masks: tint the object masks in red, when the samples have masks.

    Returns:
        The path written.

    Example:
        >>> import kerazoo
        >>> ds = kerazoo.get_dataset("shapes", size=32)                  # doctest: +SKIP
        >>> preview_grid(ds.generate(9), ds.task, "grid.png")            # doctest: +SKIP
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    k = len(samples)
    if k == 0:
        raise DataError(f"There are no samples to preview: ask for {option('n', 1)} or more.")
    if cols is not None and cols < 1:
        raise InvalidOptionError(f"{option('cols')} must be >= 1, got {cols}.")
    cols = min(k, cols or math.ceil(math.sqrt(k)))
    rows = math.ceil(k / cols)
    h, w, c = samples.images.shape[1:]
    scale = TILE_INCHES / max(h, w)
    title = 0.0 if task.kind == "reconstruction" else 0.25
    fig = Figure(figsize=(cols * (w * scale + 0.1), rows * (h * scale + 0.1 + title)), dpi=DPI)
    FigureCanvasAgg(fig)
    for i in range(k):
        ax = fig.add_subplot(rows, cols, i + 1)
        img = samples.images[i]
        if c == 1:
            ax.imshow(img[..., 0], cmap="gray", vmin=0, vmax=255, interpolation="nearest")
        else:
            ax.imshow(img[..., :3], interpolation="nearest")
        if show_masks and samples.masks is not None:
            tint = np.zeros((h, w, 4), dtype=np.float32)
            tint[samples.masks[i]] = (1.0, 0.0, 0.0, 0.4)
            ax.imshow(tint, interpolation="nearest")
        if samples.labels is not None:
            ax.set_title(label_text(task, samples.labels[i]), fontsize=8)
        ax.set_axis_off()
    fig.tight_layout(pad=0.3)
    return atomic_file(path, lambda tmp: fig.savefig(tmp, format="png"))
