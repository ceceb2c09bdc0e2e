"""Recorded activation statistics: their file, and their picture (drawn by
:mod:`kerazoo.interpret._stats_draw`).

The rule that names a dead, vanished or exploded layer lives in
:mod:`kerazoo.interpret._stats_rule` (its names and the picture's are also importable
from here).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kerazoo._files import atomic_file
from kerazoo.interpret._stats_draw import draw_activation_stats
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
