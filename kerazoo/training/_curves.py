"""Pictures people would rather look at than numbers.

matplotlib is imported inside the functions, and only its object API is used (a ``Figure``
saved straight to PNG): no pyplot, so no backend is switched and no global state changes,
which matters inside a notebook.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["curves_figure", "plot_curves", "wide_range"]

#: A loss-like curve whose largest value is this many times its smallest is drawn on a log
#: axis: on a linear one, a regression loss starting at 1000 flattens a validation loss of 5.
WIDE = 20.0

#: Curves that are errors or losses (positive, shrinking by orders of magnitude).
_LOSS_LIKE = ("loss", "error", "mse", "mae", "mape", "msle")


def wide_range(values: Sequence[float]) -> bool:
    """Whether values are all positive and span more than :data:`WIDE` times (log axis).

    Example:
        >>> wide_range([1000.0, 40.0, 5.0]), wide_range([1.0, 0.5]), wide_range([0.0, 50.0])
        (True, False, False)
    """
    finite = [float(v) for v in values if math.isfinite(float(v))]
    return bool(finite) and min(finite) > 0 and max(finite) / min(finite) > WIDE


def plot_curves(history: Mapping[str, Sequence[float]], path: str | os.PathLike[str]) -> Path:
    """Write loss and metric curves per epoch, training against validation, as a picture.

    Loss-like curves (losses, errors) whose values span more than :data:`WIDE` times are
    drawn on a log axis, so a validation line far below the first training loss shows.

    Args:
        history: ``{"loss": [...], "val_loss": [...], "accuracy": [...], ...}``.
        path: where to write it, in the format its suffix names (``.png`` usually); written
            to a temporary name, then renamed.

    Returns:
        The path written.

    Example:
        >>> plot_curves({"loss": [1.0, 0.5]}, "curves.png")  # doctest: +SKIP
    """
    from kerazoo.data._preview import save_figure

    return save_figure(curves_figure(history), path)


def curves_figure(history: Mapping[str, Sequence[float]]) -> Any:
    """The matplotlib ``Figure`` :func:`plot_curves` saves: one panel per metric.

    Example:
        >>> curves_figure({"loss": [900.0, 30.0, 4.0]}).axes[0].get_yscale()
        'log'
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    from kerazoo.data._figure_text import figure_text

    names = [k for k in history if not k.startswith("val_") and k not in ("epoch", "lr")]
    names = names or [k[4:] for k in history if k.startswith("val_")]
    fig = Figure(figsize=(4.5 * len(names), 3.6))
    axes = fig.subplots(1, len(names), squeeze=False)
    for ax, name in zip(axes[0], names, strict=True):
        shown: list[float] = []
        for key, label, style in ((name, "train", "-o"), (f"val_{name}", "validation", "-s")):
            values = list(history.get(key, ()))
            if values:
                ax.plot(range(1, len(values) + 1), values, style, label=label, markersize=3)
                shown += values
        if any(word in name.lower() for word in _LOSS_LIKE) and wide_range(shown):
            ax.set_yscale("log")
            ax.set_ylabel(figure_text(f"{name} (log scale)"))
        ax.set_title(figure_text(name))
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3, which="both")
        ax.legend()
    # fixed margins, in inches: tight_layout measured every tick label first, which cost
    # more than drawing the picture (a run draws its curves at least once, at its end)
    width, height = fig.get_size_inches()
    fig.subplots_adjust(
        left=0.8 / width,
        right=1 - 0.2 / width,
        bottom=0.55 / height,
        top=1 - 0.35 / height,
        wspace=1.0 / 4.5,
    )
    return fig
