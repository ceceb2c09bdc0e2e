"""The picture of activation statistics: one row per layer.

Each row has (a) the histogram of the layer's values before its activation function
(where it has one: :mod:`kerazoo.interpret._stats_pre`) and (b) after it, that is the
layer's output, side by side on one value axis (unless the output is squeezed into a
small part of it: :func:`_one_axis`); (c) its mean and standard deviation and
(d) its share of zero activations and of units that never fire. Over training, (a) and
(b) are the "colourful dimension" view (x: the training step, y: the value, colour: the
share of the values in each bin on a log scale, white where there are none) and (c), (d)
are curves; for one record the histograms are bars and (c), (d) numbers. The layer that
:func:`~kerazoo.interpret._stats_rule.activation_problem` flags has a red title.
Statistics without values before the activations (files of an older kerazoo, or no layer
with an activation function) are drawn without (a).

Example:
    >>> draw_activation_stats(read_stats("runs/x"), "stats.png")         # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from kerazoo.data._figure_text import figure_text
from kerazoo.interpret._pictures import save_figure
from kerazoo.interpret._stats_rule import DEAD_SHARE, ZERO_TOL, activation_problem

__all__ = ["draw_activation_stats"]

_CMAP = "viridis"
_ROW_INCHES = 1.45
_FLAG = "#c0392b"
_BAR = {"hist": "#5b3f8c", "pre_hist": "#2a7ab0"}
#: The histograms before and after an activation share the value axis when the output's
#: range is at least this share of the range before it.
_SHARED = 0.25


def _step_edges(steps: np.ndarray) -> np.ndarray:
    """Cell boundaries halfway between records, so each record fills its own column."""
    s = steps.astype(np.float64)
    if len(s) == 1:
        return np.array([s[0] - 0.5, s[0] + 0.5])
    mid = (s[1:] + s[:-1]) / 2
    return np.concatenate([[s[0] - (mid[0] - s[0])], mid, [s[-1] + (s[-1] - mid[-1])]])


def _shares(hist: np.ndarray) -> np.ndarray:
    hist = hist.astype(np.float64)
    total = hist.sum(axis=-1, keepdims=True)
    return hist / np.where(total > 0, total, 1)


def _has_pre(stats: dict[str, np.ndarray]) -> bool:
    return "pre_hist" in stats and any(str(a) for a in stats["activation"])


def _strip(
    ax: Any, steps: np.ndarray, edges: np.ndarray, share: np.ndarray, norm: Any, key: str
) -> Any:
    """One layer's histogram ``share`` [T, B] over ``edges``: bars for one record, else a
    strip over the steps; the strip's mesh."""
    if len(steps) == 1:  # one point in time: the histogram itself
        centres = (edges[1:] + edges[:-1]) / 2
        ax.barh(centres, share[0], height=np.diff(edges), color=_BAR[key])
        ax.set_xscale("log")
        ax.set_xlim(norm.vmin, 1)
        return None
    return ax.pcolormesh(_step_edges(steps), edges, share.T, norm=norm, cmap=_CMAP)


def _moments(stats: dict[str, np.ndarray], i: int) -> str:
    """One record's mean and std as text; with those before the activation beside them."""
    after = (stats["mean"][0, i], stats["std"][0, i])
    if not _has_pre(stats) or not str(stats["activation"][i]):
        return f"mean {after[0]:.3g}\nstd {after[1]:.3g}"
    before = (stats["pre_mean"][0, i], stats["pre_std"][0, i])
    return (
        f"{'':5}{'before':>9}{'after':>9}\n"
        f"{'mean':5}{before[0]:>9.3g}{after[0]:>9.3g}\n{'std':5}{before[1]:>9.3g}{after[1]:>9.3g}"
    )


def _epoch_lines(ax: Any, stats: dict[str, np.ndarray], colour: str) -> None:
    per, steps = int(stats.get("steps_per_epoch", 0)), stats["step"]
    if per <= 0 or len(steps) < 2:
        return
    for k in range(int(steps[0]) // per + 1, int(steps[-1]) // per + 1):
        ax.axvline(k * per, color=colour, lw=0.6, ls=":", alpha=0.7)


def _curves(axm: Any, axz: Any, stats: dict[str, np.ndarray], i: int, first: bool) -> None:
    steps = stats["step"]
    if len(steps) == 1:  # one point in time: the numbers in words
        axm.text(
            0.05,
            0.5,
            _moments(stats, i),
            transform=axm.transAxes,
            va="center",
            fontsize=8.5,
            family="monospace",
        )
        axz.text(
            0.05,
            0.5,
            f"zero {stats['near_zero'][0, i]:.0%}\ndead units {stats['dead_units'][0, i]:.0%}",
            transform=axz.transAxes,
            va="center",
            fontsize=9,
        )
        axm.set_axis_off()
        axz.set_axis_off()
        return
    axm.plot(steps, stats["mean"][:, i], color="#1f77b4", lw=1.2, label="mean")
    axm.plot(steps, stats["std"][:, i], color="#ff7f0e", lw=1.2, label="std")
    axz.plot(steps, 100 * stats["near_zero"][:, i], color="#2ca02c", lw=1.2, label="zero")
    axz.plot(
        steps, 100 * stats["dead_units"][:, i], color="#7f7f7f", lw=1.0, ls="--", label="dead units"
    )
    axz.axhline(100 * DEAD_SHARE, color=_FLAG, lw=0.6, ls=":")
    axz.set_ylim(-4, 104)
    for ax in (axm, axz):
        _epoch_lines(ax, stats, "#999999")
        ax.tick_params(labelsize=7)
        ax.grid(axis="y", alpha=0.3, lw=0.5)
    if first:
        axm.set_title("mean and std", fontsize=9)
        axz.set_title(f"% zero (|a| \u2264 {ZERO_TOL:g}), % dead units", fontsize=9)
        axm.legend(fontsize=7, loc="best")
        axz.legend(fontsize=7, loc="best")


def _title(ax: Any, stats: dict[str, np.ndarray], i: int, problem: Any) -> None:
    name = str(stats["layers"][i])
    label = f"{name}  ({int(stats['units'][i])} units)"
    flagged = problem is not None and problem[0] == i
    if flagged:
        label += "  \u2014 " + problem[1].split(":")[0].replace(f"{name}'s ", "")
    ax.set_title(
        figure_text(label),
        loc="left",
        fontsize=9,
        color=_FLAG if flagged else "black",
        fontweight="bold",
    )


def _label(ax: Any, text: str) -> None:
    """What a histogram panel shows, in its bottom right corner (where the values of a
    ReLU or a bell are rare; the title is the layer's)."""
    box = {"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1.5}
    ax.text(
        0.98,
        0.05,
        figure_text(text),
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=8,
        bbox=box,
    )


def _one_axis(stats: dict[str, np.ndarray], i: int) -> bool:
    """Whether layer ``i``'s histograms before and after its activation share the value
    axis: when the output spans at least a quarter of the range before (a ReLU's half),
    not when it is squeezed (a sigmoid's [0, 1] after values of +-20)."""
    after, before = np.ptp(stats["edges"][i]), np.ptp(stats["pre_edges"][i])
    return bool(str(stats["activation"][i])) and after >= _SHARED * before


def _histograms(fig: Any, grid: Any, stats: dict[str, np.ndarray], i: int, norm: Any) -> tuple:
    """Layer ``i``'s histogram panels: before its activation (when drawn) and after it,
    on one value axis where their ranges are alike; ``(panels, mesh)``."""
    steps, pre = stats["step"], _has_pre(stats)
    ax = fig.add_subplot(grid[i, 1 if pre else 0])
    mesh = _strip(ax, steps, stats["edges"][i], _shares(stats["hist"][:, i]), norm, "hist")
    ax.set_ylim(stats["edges"][i, 0], stats["edges"][i, -1])
    if not pre:
        return [ax], mesh
    one = _one_axis(stats, i)
    before = fig.add_subplot(grid[i, 0], sharex=ax, sharey=ax if one else None)
    function = str(stats["activation"][i])
    if function:
        edges = stats["pre_edges"][i]
        _strip(before, steps, edges, _shares(stats["pre_hist"][:, i]), norm, "pre_hist")
        both = np.concatenate([edges, stats["edges"][i]]) if one else edges
        before.set_ylim(both.min(), both.max())
        _label(before, f"before {function}")
        _label(ax, f"after {function}: the output" + ("" if one else " (its own scale)"))
    else:
        before.tick_params(left=False, labelleft=False)
        before.text(
            0.5,
            0.5,
            "no activation function",
            transform=before.transAxes,
            ha="center",
            va="center",
            fontsize=8,
            color="#777777",
        )
        _label(ax, "the output")
    return [before, ax], mesh


def _row(
    fig: Any,
    grid: Any,
    stats: dict[str, np.ndarray],
    i: int,
    norm: Any,
    problem: tuple[int, str] | None,
) -> Any:
    """Layer ``i``'s histograms, mean and std, and zero shares; a strip's mesh."""
    from matplotlib.ticker import LogLocator, MaxNLocator, NullLocator

    last, over_time = i == len(stats["layers"]) - 1, len(stats["step"]) > 1
    panels, mesh = _histograms(fig, grid, stats, i, norm)
    ax, columns = panels[-1], len(panels)
    _title(panels[0], stats, i, problem)
    panels[0].set_ylabel("value", fontsize=8)
    axm = fig.add_subplot(grid[i, columns], sharex=ax)
    axz = fig.add_subplot(grid[i, columns + 1], sharex=ax)
    _curves(axm, axz, stats, i, first=i == 0)
    if over_time:
        for a in panels:
            _epoch_lines(a, stats, "#777777")
    # few ticks, and x ticks on the bottom row only: making ticks is most of the drawing
    # time; a row's panels share one x locator
    ax.xaxis.set_major_locator(MaxNLocator(6, integer=True) if last else NullLocator())
    if not over_time and last:
        ax.xaxis.set_major_locator(LogLocator())
        for a in panels:
            a.set_xlabel("share of the values in the bin (log scale)", fontsize=8)
    for a in (*panels, axm, axz):
        a.yaxis.set_major_locator(MaxNLocator(4))
        a.tick_params(labelsize=7)
        if last and over_time:
            a.set_xlabel("training step (batches)", fontsize=8)
    return mesh


def _norm(stats: dict[str, np.ndarray]) -> Any:
    """One log colour scale for every histogram: from the smallest share seen to 1."""
    from matplotlib.colors import LogNorm

    share = np.concatenate([_shares(stats[k]).ravel() for k in ("hist", "pre_hist") if k in stats])
    floor = share[share > 0].min() if (share > 0).any() else 1e-6
    return LogNorm(vmin=max(float(floor), 1e-6), vmax=1.0)


def _caption(stats: dict[str, np.ndarray]) -> str:
    n = int(stats["probe_count"])
    how = (
        f"histograms over training: colour = share of the values on {n} probe images in "
        "each value bin (log scale); dotted lines: epochs"
        if len(stats["step"]) > 1
        else f"histograms on {n} images: bar length = share of the values in each value "
        "bin (log scale)"
    )
    if _has_pre(stats):
        how += "\nleft: a layer's values before its activation function; right: after it"
    return how


def draw_activation_stats(
    stats: dict[str, np.ndarray], path: str | Path, title: str = "Activation statistics"
) -> Path:
    """Draw recorded activation statistics (one row per layer) as a PNG.

    Args:
        stats: statistics from :class:`~kerazoo.interpret.ActivationStats` or
            :func:`~kerazoo.interpret.read_stats` (one record: histograms as bars).
        path: the PNG to write.
        title: the first line of the figure's title.

    Returns:
        ``path``.

    Example:
        >>> draw_activation_stats(read_stats("runs/x"), "stats.png")     # doctest: +SKIP
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    pre = _has_pre(stats)
    norm, problem = _norm(stats), activation_problem(stats)
    rows, head = len(stats["layers"]), 1.2 if pre else 1.0
    fig = Figure(figsize=(13 if pre else 11, head + 0.5 + _ROW_INCHES * rows))
    FigureCanvasAgg(fig)
    height = fig.get_figheight()
    grid = fig.add_gridspec(
        rows,
        4 if pre else 3,
        width_ratios=(2.3, 2.3, 1.5, 1.4) if pre else (3.2, 1.6, 1.5),
        left=0.06 if pre else 0.07,
        right=0.9 if len(stats["step"]) > 1 else 0.97,  # room for the colour bar
        top=1 - head / height,
        bottom=0.45 / height,
        hspace=0.55,
        wspace=0.28,
    )
    mesh = None
    for i in range(rows):
        mesh = _row(fig, grid, stats, i, norm, problem) or mesh
    if mesh is not None:
        cax = fig.add_axes((0.925, 0.45 / height, 0.012, 1 - (head + 0.45) / height))
        bar = fig.colorbar(mesh, cax=cax)
        bar.set_label("share of the values in the bin (log scale; white: none)", fontsize=8)
        bar.ax.tick_params(labelsize=7)
    text = figure_text(f"{title}\n{_caption(stats)}")
    fig.suptitle(text, fontsize=10, y=1 - 0.12 / height, va="top")
    return save_figure(fig, path)
