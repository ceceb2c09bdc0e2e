"""Pictures people would rather look at than numbers.

matplotlib is imported inside the functions, and only its object API is used (a ``Figure``
saved straight to PNG): no pyplot, so no backend is switched and no global state changes,
which matters inside a notebook.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from kerazoo.files import atomic_file

__all__ = ["plot_curves"]


def plot_curves(history: Mapping[str, Sequence[float]], path: str | os.PathLike[str]) -> Path:
    """Write loss and metric curves per epoch, training against validation, as a PNG.

    Args:
        history: ``{"loss": [...], "val_loss": [...], "accuracy": [...], ...}``.
        path: where to write the PNG (written to a temporary name, then renamed).

    Returns:
        The path written.

    Example:
        >>> plot_curves({"loss": [1.0, 0.5]}, "curves.png")  # doctest: +SKIP
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    names = [k for k in history if not k.startswith("val_") and k not in ("epoch", "lr")]
    names = names or [k[4:] for k in history if k.startswith("val_")]
    fig = Figure(figsize=(4.5 * len(names), 3.6))
    axes = fig.subplots(1, len(names), squeeze=False)
    for ax, name in zip(axes[0], names, strict=True):
        for key, label, style in ((name, "train", "-o"), (f"val_{name}", "validation", "-s")):
            values = list(history.get(key, ()))
            if values:
                ax.plot(range(1, len(values) + 1), values, style, label=label, markersize=3)
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    return atomic_file(path, lambda tmp: fig.savefig(tmp, format="png", dpi=100))
