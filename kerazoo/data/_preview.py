"""Preview grids: samples drawn side by side, each tile titled with its label.

matplotlib is imported only when a grid is drawn.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from kerazoo._errors import DataError, InvalidOptionError, option
from kerazoo._files import atomic_file, check_output_file
from kerazoo._task import Task
from kerazoo.data._dataset import Samples
from kerazoo.data._figure_text import figure_text
from kerazoo.data._memory import check_fits

__all__ = [
    "DPI",
    "MASK_COLOUR",
    "TILE_INCHES",
    "is_picture_name",
    "label_text",
    "picture_format",
    "preview_grid",
    "save_figure",
]

#: Largest tile side in inches, and the resolution of the preview.
TILE_INCHES, DPI = 1.4, 100
#: Bytes one tile of a preview takes while drawn: its share of the canvas (RGBA) and the
#: matplotlib axes, image and title objects (measured: about 560 KB).
TILE_BYTES = 600 * 2**10

#: Mask outlines: cyan, a colour no lamp, shape or label colour in the built-in data uses.
MASK_COLOUR = "#00e5ff"


def picture_format(path: str | Path) -> str:
    """The picture format a file name asks for (``"png"``, ``"jpg"``, ``"svg"``, ...).

    Pictures are written in the format their suffix names, as matplotlib does; a suffix it
    cannot write, or none, is refused rather than written as PNG bytes under another name.

    Args:
        path: the picture file to write.

    Returns:
        The lower-case suffix without its dot, a format matplotlib writes.

    Raises:
        InvalidOptionError: no suffix, or one matplotlib cannot write.

    Example:
        >>> picture_format("grid.JPG")
        'jpg'
    """
    from matplotlib.backend_bases import FigureCanvasBase

    formats = FigureCanvasBase.get_supported_filetypes()
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix in formats:
        return suffix
    valid = ", ".join(f".{k}" for k in sorted(formats))
    stem = Path(path).with_suffix(".png") if suffix else f"{path}.png"
    reason = f"matplotlib cannot write '.{suffix}' files" if suffix else "it has no suffix"
    raise InvalidOptionError(
        f"Cannot choose the picture format of '{path}': {reason}. Name the file with one "
        f"of {valid}, e.g. '{stem}'."
    )


def save_figure(fig: Any, path: str | Path, dpi: float = DPI) -> Path:
    """Save a matplotlib ``Figure`` atomically, in the format the suffix names; return the path.

    The one writer of every picture kerazoo draws: ``.png``, ``.jpg``, ``.svg``, ``.pdf``...
    (whatever matplotlib writes); a suffix it cannot write, or none, is an
    ``InvalidOptionError`` naming the valid ones (see :func:`picture_format`).

    Example:
        >>> save_figure(fig, "maps/conv1.jpg")                          # doctest: +SKIP
    """
    fmt = picture_format(path)
    return atomic_file(path, lambda tmp: fig.savefig(tmp, format=fmt, dpi=dpi))


def is_picture_name(path: str | Path) -> bool:
    """Whether ``path`` names a picture file (a suffix matplotlib writes) rather than a folder.

    Example:
        >>> is_picture_name("maps/x.jpg"), is_picture_name("maps")
        (True, False)
    """
    try:
        picture_format(path)
    except InvalidOptionError:
        return False
    return True


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
    """Draw samples in a grid, each tile titled with its label, and save it as a picture.

    Args:
        samples: what ``dataset.generate`` returned.
        task: the dataset's task (for the titles; reconstruction tiles have none).
        path: the picture to write, in the format its suffix names (``.png``, ``.jpg``,
            ``.svg``, ...; parent folders are created). It is written atomically: a
            temporary file beside it is renamed over it once complete.
        cols: tiles per row; default about the square root of the count.
        show_masks: outline the object masks (in :data:`MASK_COLOUR`), when the samples
            have masks. Outlines, not a tint: a tint changes the colours a label may be about.

    Returns:
        The path written.

    Example:
        >>> import kerazoo
        >>> ds = kerazoo.get_dataset("shapes", size=32)                  # doctest: +SKIP
        >>> preview_grid(ds.generate(9), ds.task, "grid.png")            # doctest: +SKIP
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    picture_format(path)  # a name it cannot write is refused before anything is drawn,
    check_output_file(path)  # and so is a device, FIFO or folder there
    k = len(samples)
    if k == 0:
        raise DataError(f"There are no samples to preview: ask for {option('n', 1)} or more.")
    if cols is not None and cols < 1:
        raise InvalidOptionError(f"{option('cols')} must be >= 1, got {cols}.")
    check_fits(
        k, TILE_BYTES, what=f"A preview of {k} tiles", fix=f"Ask for fewer with {option('n')}"
    )
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
            _outline(ax, samples.masks[i])
        if samples.labels is not None:
            ax.set_title(figure_text(label_text(task, samples.labels[i])), fontsize=8)
        ax.set_axis_off()
    fig.tight_layout(pad=0.3)
    return save_figure(fig, path)


def _outline(ax: Any, mask: np.ndarray) -> None:
    """Draw a mask's outline along the pixel edges (skimage's marching squares)."""
    from skimage.measure import find_contours

    # Padded, so an object touching the border gets a closed outline; the 0.5 level runs
    # between a mask pixel's centre and its neighbour's, i.e. on the pixel edge.
    padded = np.pad(np.asarray(mask, dtype=np.float32), 1)
    for contour in find_contours(padded, 0.5):
        ax.plot(contour[:, 1] - 1, contour[:, 0] - 1, color=MASK_COLOUR, linewidth=1.2)
