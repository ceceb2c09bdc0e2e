"""The pictures of an evaluation: confusion matrix, image grids (top losses, samples), the
predicted-versus-true scatter, and reconstructions. The two drawn at the end of every
training run are Pillow pictures, a few milliseconds each: the image grids, one tiled
picture (:mod:`kerazoo.evaluation._tiled`), and the confusion matrix
(:mod:`kerazoo.evaluation._confusion_draw`). The others are matplotlib ``Figure`` objects
drawn with ``FigureCanvasAgg`` (never pyplot, so no display and no global state), imported
inside the functions. Every picture is written atomically.

Example:
    >>> draw_confusion("confusion.png", counts, ("circle", "square"), "confusion")  # doctest: +SKIP
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kerazoo.data._figure_text import figure_text
from kerazoo.data._preview import save_figure
from kerazoo.evaluation._confusion_draw import draw_confusion
from kerazoo.evaluation._tiled import draw_grid

__all__ = ["draw_confusion", "draw_grid", "draw_reconstructions", "draw_scatter"]

RIGHT, WRONG = "#1a7f37", "#cf222e"  # green and red that stay readable on white


def _figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _show(ax: Any, image: np.ndarray, cmap: str = "gray", vmax: float = 255) -> Any:
    """An image without ticks: one channel in grey (or ``cmap``), three as RGB."""
    ax.set_xticks([]), ax.set_yticks([])
    if image.ndim == 3 and image.shape[-1] == 3:
        return ax.imshow(image, interpolation="nearest")
    plane = image[..., 0] if image.ndim == 3 else image
    return ax.imshow(plane, cmap=cmap, vmin=0, vmax=vmax, interpolation="nearest")


def draw_scatter(
    path: str | Path,
    true: np.ndarray,
    predicted: np.ndarray,
    title: str,
    *,
    integer: bool = False,
    what: str = "value",
    seed: int = 0,
) -> Path:
    """Predicted against true values, with the line ``y = x`` where every point would lie
    if the model were exact. Integer true values (counts) are jittered sideways so that
    points on the same count do not hide each other.

    Args:
        path: the PNG to write.
        true, predicted: ``[N]`` values.
        title: the heading.
        integer: jitter the true values by up to +-0.2.
        what: what the values are, for the axis labels (``"count"``).
        seed: seeds the jitter.

    Returns:
        ``path``.
    """
    true = np.asarray(true, dtype=np.float64)
    predicted = np.asarray(predicted, dtype=np.float64)
    x = true + np.random.default_rng(seed).uniform(-0.2, 0.2, len(true)) if integer else true
    fig = _figure(5.5, 5.0)
    ax = fig.add_subplot()
    ax.scatter(
        x,
        predicted,
        s=10,
        alpha=0.45,
        color="#0969da",
        edgecolors="none",
        label=f"{len(true)} images",
    )
    lo = float(min(true.min(), predicted.min())) - 0.5
    hi = float(max(true.max(), predicted.max())) + 0.5
    ax.plot([lo, hi], [lo, hi], color="0.3", linewidth=1, linestyle="--", label="y = x (exact)")
    ax.set_xlim(lo, hi), ax.set_ylim(lo, hi)
    ax.set_aspect("equal")
    jitter = " (jittered +-0.2)" if integer else ""
    ax.set_xlabel(figure_text(f"true {what}{jitter}"))
    ax.set_ylabel(figure_text(f"predicted {what} (raw output)"))
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(figure_text("\n".join(textwrap.wrap(title, 66))), fontsize=10)
    return save_figure(fig, path)


def draw_reconstructions(
    path: str | Path,
    inputs: np.ndarray,
    outputs: np.ndarray,
    titles: Sequence[str],
    title: str,
) -> Path:
    """Rows: the input images, their reconstructions, and ``|output - input|`` (averaged
    over channels, on a colour scale from 0 to 1).

    Args:
        path: the PNG to write.
        inputs, outputs: ``uint8 [N, H, W, C]``.
        titles: one title per column.
        title: the heading.

    Returns:
        ``path``.
    """
    n = len(inputs)
    h, w = inputs.shape[1:3]
    tw, th = 1.4 * w / max(h, w), 1.4 * h / max(h, w)
    fig = _figure(max(n * (tw + 0.1) + 1.0, 4.5), 3 * (th + 0.25) + 0.7)
    axes = fig.subplots(3, n, squeeze=False)
    diff = np.abs(outputs.astype(np.float32) - inputs.astype(np.float32)).mean(axis=-1) / 255.0
    shown = None
    for j in range(n):
        _show(axes[0, j], inputs[j])
        _show(axes[1, j], outputs[j])
        shown = _show(axes[2, j], diff[j], cmap="magma", vmax=1.0)
        axes[0, j].set_title(figure_text(titles[j]), fontsize=7, pad=2)
    for row, name in enumerate(("input", "output", "|difference|")):
        axes[row, 0].set_ylabel(name, fontsize=8)
    bar = fig.colorbar(shown, ax=axes[2, :].tolist(), shrink=0.9, aspect=8)
    bar.set_label("|output - input|", fontsize=7)
    bar.ax.tick_params(labelsize=7)
    fig.suptitle(
        figure_text("\n".join(textwrap.wrap(title, int(fig.get_figwidth() * 12)))), fontsize=10
    )
    return save_figure(fig, path)
