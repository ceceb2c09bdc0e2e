"""Recorded activation statistics: their file and their picture.

The rule that names a dead, vanished or exploded layer lives in
:mod:`kerazoo.interpret._stats_rule` (its names are also importable from here).

The picture has one row per layer: (a) the layer's histogram over time, the "colourful
dimension" view (x: the training step, y: the activation value, colour: the share of the
layer's activations in each bin on a log scale, white where there are none), (b) its mean
and standard deviation over time and (c) its share of zero activations and of units that
never fire. The layer
that :func:`activation_problem` flags has a red title.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from kerazoo._files import atomic_file
from kerazoo.data._figure_text import figure_text
from kerazoo.interpret._pictures import save_figure
from kerazoo.interpret._stats_rule import (
    DEAD_SHARE,
    EXPLODED_STD,
    VANISHED_STD,
    ZERO_TOL,
    ActivationWarning,
    activation_problem,
    activation_warning,
)

__all__ = [
    "DEAD_SHARE",
    "EXPLODED_STD",
    "VANISHED_STD",
    "ZERO_TOL",
    "FILE",
    "PICTURE",
    "ActivationWarning",
    "activation_problem",
    "activation_warning",
    "draw_activation_stats",
    "read_stats",
    "save_stats",
]

#: The files a run's statistics are written to.
FILE = "activation_stats.npz"
PICTURE = "activation_stats.png"


def save_stats(stats: dict[str, np.ndarray], path: str | Path) -> Path:
    """Write statistics to an ``.npz`` file, atomically; return the path."""

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            np.savez(f, **stats)

    return atomic_file(path, write)


def read_stats(path: str | Path) -> dict[str, np.ndarray]:
    """Statistics written by :class:`~kerazoo.interpret.ActivationStats` (a file or a
    run folder).

    Returns:
        ``layers`` [L] (names, model order), ``step`` [T] (batches trained at each record),
        ``mean``, ``std``, ``near_zero`` (share of ``|a| <= ZERO_TOL``), ``dead_units``
        (share of units zero on the whole probe) [T, L], ``hist`` [T, L, B] (counts of the
        activations, or of a fixed random sample of 65,536 of them in larger layers),
        ``input_std`` [T, L] (the std of what each layer is given; absent from files of
        kerazoo before it was recorded), ``edges`` [L, B + 1], ``units`` and ``size`` [L]
        (units, values per image), ``head`` (``"logits"`` or ``"value"`` when the last
        layer is the model's output layer, else ``""``), ``probe_count`` and
        ``steps_per_epoch`` (0 when unknown). The values before each layer's activation
        function (its affine part when it has its own activation, its input when it is an
        activation layer): ``activation`` [L] (the function's name, ``""`` for a layer
        without one), ``pre_mean``, ``pre_std`` [T, L] (NaN without one), ``pre_hist``
        [T, L, B] (counts of the same values or sample positions as ``hist``; zeros
        without one) and ``pre_edges`` [L, B + 1] (NaN without one); absent from files of
        kerazoo before they were recorded.

    Example:
        >>> read_stats("runs/shapes-lenet")["std"].shape                # doctest: +SKIP
        (41, 5)
    """
    path = Path(path)
    if path.is_dir():
        path = path / FILE
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


_CMAP = "viridis"
_ROW_INCHES = 1.45
_FLAG = "#c0392b"


def _step_edges(steps: np.ndarray) -> np.ndarray:
    """Cell boundaries halfway between records, so each record fills its own column."""
    s = steps.astype(np.float64)
    if len(s) == 1:
        return np.array([s[0] - 0.5, s[0] + 0.5])
    mid = (s[1:] + s[:-1]) / 2
    return np.concatenate([[s[0] - (mid[0] - s[0])], mid, [s[-1] + (s[-1] - mid[-1])]])


def _shares(stats: dict[str, np.ndarray]) -> np.ndarray:
    hist = stats["hist"].astype(np.float64)
    total = hist.sum(axis=-1, keepdims=True)
    return hist / np.where(total > 0, total, 1)


def _strip(ax: Any, stats: dict[str, np.ndarray], i: int, norm: Any, share: np.ndarray) -> Any:
    edges, steps = stats["edges"][i], stats["step"]
    if len(steps) == 1:  # one point in time: the histogram itself
        centres = (edges[1:] + edges[:-1]) / 2
        ax.barh(centres, share[0, i], height=np.diff(edges), color="#5b3f8c")
        ax.set_xscale("log")
        ax.set_xlim(norm.vmin, 1)
        ax.set_ylim(edges[0], edges[-1])
        return None
    mesh = ax.pcolormesh(_step_edges(steps), edges, share[:, i, :].T, norm=norm, cmap=_CMAP)
    _epoch_lines(ax, stats, "#777777")
    return mesh


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
            f"mean {stats['mean'][0, i]:.3g}\nstd {stats['std'][0, i]:.3g}",
            transform=axm.transAxes,
            va="center",
            fontsize=9,
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


def _row(
    fig: Any,
    grid: Any,
    stats: dict[str, np.ndarray],
    i: int,
    norm: Any,
    share: np.ndarray,
    problem: tuple[int, str] | None,
) -> Any:
    """Layer ``i``'s histogram strip, mean and std, and zero shares; the strip's mesh."""
    from matplotlib.ticker import LogLocator, MaxNLocator, NullLocator

    name, last, over_time = (
        str(stats["layers"][i]),
        i == len(stats["layers"]) - 1,
        len(stats["step"]) > 1,
    )
    ax = fig.add_subplot(grid[i, 0])
    mesh = _strip(ax, stats, i, norm, share)
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
    ax.set_ylabel("value", fontsize=8)
    axm, axz = fig.add_subplot(grid[i, 1], sharex=ax), fig.add_subplot(grid[i, 2], sharex=ax)
    _curves(axm, axz, stats, i, first=i == 0)
    # few ticks, and x ticks on the bottom row only: making ticks is most of the drawing
    # time; a row's three panels share one x locator
    ax.xaxis.set_major_locator(MaxNLocator(6, integer=True) if last else NullLocator())
    if not over_time and last:
        ax.xaxis.set_major_locator(LogLocator())
        ax.set_xlabel("share of the layer's activations in the bin (log scale)", fontsize=8)
    for a in (ax, axm, axz):
        a.yaxis.set_major_locator(MaxNLocator(4))
        a.tick_params(labelsize=7)
        if last and over_time:
            a.set_xlabel("training step (batches)", fontsize=8)
    return mesh


def draw_activation_stats(
    stats: dict[str, np.ndarray], path: str | Path, title: str = "Activation statistics"
) -> Path:
    """Draw recorded activation statistics (one row per layer) as a PNG.

    Args:
        stats: statistics from :class:`~kerazoo.interpret.ActivationStats` or
            :func:`read_stats` (one record: histograms as bars).
        path: the PNG to write.
        title: the first line of the figure's title.

    Returns:
        ``path``.

    Example:
        >>> draw_activation_stats(read_stats("runs/x"), "stats.png")     # doctest: +SKIP
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import LogNorm
    from matplotlib.figure import Figure

    layers = [str(n) for n in stats["layers"]]
    share = _shares(stats)
    floor = share[share > 0].min() if (share > 0).any() else 1e-6
    norm = LogNorm(vmin=max(float(floor), 1e-6), vmax=1.0)
    problem = activation_problem(stats)
    rows, head = len(layers), 1.0
    fig = Figure(figsize=(11, head + 0.5 + _ROW_INCHES * rows))
    FigureCanvasAgg(fig)
    height = fig.get_figheight()
    grid = fig.add_gridspec(
        rows,
        3,
        width_ratios=(3.2, 1.6, 1.5),
        left=0.07,
        right=0.9,
        top=1 - head / height,
        bottom=0.45 / height,
        hspace=0.55,
        wspace=0.28,
    )
    mesh = None
    for i in range(rows):
        mesh = _row(fig, grid, stats, i, norm, share, problem) or mesh
    if mesh is not None:
        cax = fig.add_axes((0.925, 0.45 / height, 0.012, 1 - (head + 0.45) / height))
        bar = fig.colorbar(mesh, cax=cax)
        bar.set_label(
            "share of the layer's activations in the bin (log scale; white: none)", fontsize=8
        )
        bar.ax.tick_params(labelsize=7)
    n = int(stats["probe_count"])
    how = (
        f"histograms over training: colour = share of the activations on {n} probe images in "
        "each value bin (log scale); dotted lines: epochs"
        if len(stats["step"]) > 1
        else f"histograms on {n} images: bar length = share of the activations in each value "
        "bin (log scale)"
    )
    fig.suptitle(figure_text(f"{title}\n{how}"), fontsize=10, y=1 - 0.12 / height, va="top")
    return save_figure(fig, path)
