"""Regression outputs as values: counts rounded, kept inside the task's own bounds (a count
is never negative), never clipped to the range the model was trained on; one
:class:`ExtrapolationWarning` per call when values fall outside that range.

Example:
    >>> from kerazoo._task import Task
    >>> task = Task.regression(1, 5, integer=True)
    >>> decode_values(task, np.array([-0.7, 2.4, 7.6, np.nan]))
    [0, 2, 8, nan]
    >>> outside_training(task, [0, 2, 8])
    [0, 8]
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from kerazoo._task import Task

__all__ = ["ExtrapolationWarning", "decode_values", "outside_training", "warn_outside_training"]

#: A real-valued prediction counts as outside the trained range when it is beyond it by more
#: than this fraction of the range (a regression head overshoots its edges a little).
MARGIN = 0.02


class ExtrapolationWarning(UserWarning):
    """Predicted values lie outside the range of values the model was trained on.

    The values are given as the model computed them (rounded for counts), not clipped: a
    model may extrapolate well (a counter of 1-20 circles counting 50) or badly. Check them
    against the truth with ``kerazoo evaluate``. Silence it with
    ``warnings.simplefilter("ignore", ExtrapolationWarning)``.
    """


def decode_values(task: Task, raw: np.ndarray) -> list[float]:
    """The values a regression model's raw outputs stand for.

    Args:
        task: the model's regression task.
        raw: ``[N]`` raw outputs.

    Returns:
        One value per output: for an integer task the rounded ``int``, else the ``float``;
        both kept inside :attr:`Task.bounds` (a count below 0 is 0). A NaN output stays NaN.

    Example:
        >>> decode_values(Task.regression(0.0, 1.0), np.array([1.25]))
        [1.25]
    """
    lo, hi = task.bounds
    values = np.clip(np.asarray(raw, np.float64), lo, hi)
    if task.integer:  # a NaN (a diverged model) stays a float NaN: there is no count
        return [int(v) if np.isfinite(v) else float(v) for v in np.round(values)]
    return [float(v) for v in values]


def outside_training(task: Task, values: Sequence[float]) -> list[float]:
    """The values beyond the range the model was trained on (empty without a range).

    Example:
        >>> outside_training(Task.regression(0.0, 1.0), [0.5, 1.01, 1.5])
        [1.5]
    """
    if task.value_range is None:
        return []
    lo, hi = task.value_range
    slack = 0.0 if task.integer else MARGIN * (hi - lo)
    return [v for v in values if v < lo - slack or v > hi + slack]


def warn_outside_training(task: Task, values: Sequence[float], stacklevel: int = 2) -> int:
    """Issue one :class:`ExtrapolationWarning` when values lie outside the trained range.

    Args:
        task: the model's regression task.
        values: the predicted values of one call.
        stacklevel: passed to :func:`warnings.warn` (2, the default: the line that calls
            ``warn_outside_training``; 3: the line that calls that function).

    Returns:
        How many values were outside (0: no warning).

    Example:
        >>> warn_outside_training(Task.regression(1, 5, integer=True), [3, 4])
        0
    """
    outside = outside_training(task, values)
    if outside and task.value_range is not None:
        lo, hi = task.value_range
        what = "counts" if task.integer else "values"
        message = (
            f"{len(outside)} of {len(values)} predicted {what} lie outside the range the "
            f"model was trained on ({lo:g} to {hi:g}): from {min(outside):g} to "
            f"{max(outside):g}. They are extrapolated, not clipped to that range; check "
            "them against true values (kerazoo evaluate MODEL DATA) before relying on them."
        )
        warnings.warn(ExtrapolationWarning(message), stacklevel=stacklevel)
    return len(outside)
