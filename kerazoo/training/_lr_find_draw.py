"""The learning-rate finder's picture: loss against rate, with the suggestions marked.

matplotlib's object API only (a ``Figure``, no pyplot), imported inside the function, as in
:mod:`kerazoo.training._curves`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from kerazoo.data._figure_text import figure_text
from kerazoo.data._preview import save_figure

__all__ = ["draw_lr_find", "loss_range"]

_MARKS = {"valley": ("o", "tab:green"), "steepest": ("v", "tab:red")}


def loss_range(finding: Any) -> tuple[float, float]:
    """The y range worth showing: the descent and its valley, not the run-away tail.

    From a little below the lowest loss (raw or smoothed) to a little above the highest
    smoothed loss before its minimum; raw batches and the tail beyond go off the top.

    Example:
        >>> loss_range(finding)  # doctest: +SKIP
        (0.02, 1.2)
    """
    smoothed = np.asarray(finding.centred, float)
    raw = np.asarray(finding.losses, float)
    low_at = int(finding.points["minimum"])
    top = float(np.nanmax(smoothed[: low_at + 1]))
    bottom = float(np.nanmin(np.concatenate([smoothed, raw])))
    span = max(top - bottom, 1e-3 * max(abs(top), 1e-12))
    return bottom - 0.05 * span, top + 0.15 * span


def draw_lr_find(finding: Any, path: str | os.PathLike[str]) -> Path:
    """Write the finder's curve as a picture and set ``finding.path``.

    Loss (each batch's, faint; smoothed, bold) against the learning rate on a log axis;
    the valley and steepest points marked, their rates in the legend, the suggested one
    drawn larger and named; a dashed line at a tenth of the lowest loss's rate.

    Args:
        finding: an :class:`kerazoo.LRFinding`.
        path: the picture to write, in the format its suffix names (``.png``, ``.jpg``...;
            to a temporary name, then renamed).

    Returns:
        The path written.

    Example:
        >>> draw_lr_find(kerazoo.lr_find("shapes", "lenet"), "lr_find.png")  # doctest: +SKIP
    """
    from matplotlib.figure import Figure

    lrs = np.asarray(finding.lrs, float)
    fig = Figure(figsize=(10, 4.8))
    ax = fig.subplots()
    ax.plot(lrs, finding.losses, color="tab:blue", alpha=0.3, lw=1, label="loss of each batch")
    ax.plot(
        lrs,
        finding.smoothed,
        color="tab:gray",
        lw=1,
        ls=":",
        label="running average (fastai, stops the ramp)",
    )
    ax.plot(lrs, finding.centred, color="tab:blue", lw=2, label="smoothed loss (centred)")
    for name, (marker, color) in _MARKS.items():
        i = finding.points[name]
        chosen = name == finding.method
        ax.plot(
            lrs[i],
            finding.centred[i],
            marker=marker,
            color=color,
            ls="none",
            markersize=13 if chosen else 9,
            markeredgecolor="black" if chosen else color,
            markeredgewidth=2 if chosen else 1,
            zorder=5,
            label=f"{name}: {getattr(finding, name):.2g}" + ("  (suggested)" if chosen else ""),
        )
    chosen = finding.method == "minimum"
    ax.axvline(
        finding.minimum,
        color="gray",
        ls="--",
        lw=2 if chosen else 1,
        label=f"minimum/10: {finding.minimum:.2g}" + ("  (suggested)" if chosen else ""),
    )
    ax.set_xscale("log")
    ax.set_ylim(*loss_range(finding))
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("training loss")
    stop = "stopped: loss ran away" if finding.stopped == "ran away" else "end of ramp"
    title = "Learning-rate finder" + (f": {finding.title}" if finding.title else "")
    ax.set_title(figure_text(f"{title}\n{len(lrs)} batches, {stop}"), fontsize=11)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=9)
    fig.tight_layout()
    finding.path = save_figure(fig, path)
    return finding.path
