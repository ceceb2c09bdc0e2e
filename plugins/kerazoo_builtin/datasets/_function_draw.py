"""The ``function`` dataset's picture of a model: the fitted curve over the true one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

#: Levels per axis of the 2-D maps (every 4th of 256: 4,096 predictions).
MAP_STEP = 4


def draw_fit(ds: Any, predict: Any, path: Path) -> Path:
    """Draw what ``predict`` (uint8 images -> values) makes of every level into ``path``."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    if ds.config["dims"] == 1:
        fig = Figure(figsize=(7.5, 4.2), dpi=100)
        _curve(fig.add_subplot(), ds, predict)
    else:
        fig = Figure(figsize=(12, 4.2), dpi=100)
        _maps(fig, ds, predict)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    return path


def _curve(ax: Any, ds: Any, predict: Any) -> None:
    levels = np.arange(256, dtype=np.uint8)
    images = levels.reshape(-1, 1, 1, 1)
    x = ds.values(images)[:, 0]
    true = ds.function(ds.values(images))
    fitted = np.asarray(predict(images), np.float64).reshape(-1)
    inside = np.zeros(256, bool)
    inside[ds.trained_levels()] = True
    lo, hi = ds.config["low"], ds.config["high"]
    ax.axvspan(lo, hi, color="0.92", label="trained interval")
    ax.plot(x, true, color="black", linewidth=1.5, label=f"true: {_name(ds)}")
    ax.plot(x, fitted, color="tab:red", linewidth=1.5, linestyle="--", label="model")
    err_in = float(np.abs(fitted - true)[inside].mean())
    err_out = float(np.abs(fitted - true)[~inside].mean())
    ax.set_title(
        f"The model's {_name(ds)} over 256 inputs: mean |error| {err_in:.3f} inside the "
        f"trained interval, {err_out:.3f} outside",
        fontsize=9,
    )
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend(fontsize=8, loc="best")


def _maps(fig: Any, ds: Any, predict: Any) -> None:
    levels = np.arange(0, 256, MAP_STEP, dtype=np.uint8)
    gx, gy = np.meshgrid(levels, levels, indexing="xy")
    images = np.stack([gx.ravel(), gy.ravel()], axis=1).reshape(-1, 1, 2, 1).astype(np.uint8)
    side = len(levels)
    true = ds.function(ds.values(images)).reshape(side, side)
    fitted = np.asarray(predict(images), np.float64).reshape(side, side)
    a, b = ds.shown
    extent = (a, b, a, b)
    lo, hi = ds.config["low"], ds.config["high"]
    vmin, vmax = float(true.min()), float(true.max())
    xs = ds.values(images)
    inside = ((xs >= lo) & (xs <= hi)).all(axis=1).reshape(side, side)
    err = np.abs(fitted - true)
    fig.suptitle(
        f"The model's {_name(ds)} over {side}x{side} inputs (white: the trained square): "
        f"mean |error| {err[inside].mean():.3f} inside, {err[~inside].mean():.3f} outside",
        fontsize=10,
    )
    for i, (title, data, kw) in enumerate(
        (
            (f"true: {_name(ds)}", true, {"vmin": vmin, "vmax": vmax}),
            ("model", fitted, {"vmin": vmin, "vmax": vmax}),
            ("|model - true|", err, {"cmap": "magma"}),
        )
    ):
        ax = fig.add_subplot(1, 3, i + 1)
        shown = ax.imshow(data, origin="lower", extent=extent, **kw)
        ax.plot([lo, hi, hi, lo, lo], [lo, lo, hi, hi, lo], color="white", linewidth=1)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        fig.colorbar(shown, ax=ax, fraction=0.046)


def _name(ds: Any) -> str:
    c = ds.config
    r = "x" if c["dims"] == 1 else "r"
    a = "" if c["amplitude"] == 1 else f"{c['amplitude']:g} "
    if c["f"] in ("sin", "cos"):
        k = "" if c["frequency"] == 1 else f"{c['frequency']:g} "
        return f"{a}{c['f']}({k}{r})"
    if c["f"] == "gauss":
        return f"{a}exp(-{r}^2 / {2 * c['width'] ** 2:g})"
    return "polynomial " + ", ".join(f"{v:g}" for v in ds.coefficients) + f" of {r}"
