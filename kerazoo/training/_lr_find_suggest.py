"""The learning-rate finder's suggestions, read from the smoothed loss of its ramp.

Three rules, as fastai's ``lr_find`` has them: ``valley`` (about 2/3 along the longest
descent of the loss), ``steepest`` (where the loss falls fastest against log(rate)) and
``minimum`` (a tenth of the rate at the lowest loss). ``valley`` is the default: see
``docs/lr_find.md`` for why.
"""

from __future__ import annotations

import numpy as np

from kerazoo._errors import DataError

__all__ = ["METHODS", "centred", "suggest"]

#: The suggestions, in the order they are shown; the first is the default.
METHODS = ("valley", "steepest", "minimum")


def centred(losses: np.ndarray, sigma: float) -> np.ndarray:
    """The losses smoothed without lag: a Gaussian-weighted mean of neighbours on both sides.

    fastai's running average (beta 0.98) weighs about the last 50 batches, so on a ramp of
    100 it trails the true loss by several decades of rate and pulls every suggestion to
    the right; a centred window does not. numpy's ``convolve`` with a Gaussian kernel (the
    ends padded with their own values) does it; scipy, which has ``gaussian_filter1d``, is
    not a kerazoo dependency.

    Example:
        >>> centred(np.array([0.0, 0.0, 3.0, 0.0, 0.0]), 1.0).round(2)
        array([0.16, 0.73, 1.2 , 0.73, 0.16])
    """
    x = np.asarray(losses, float)
    half = int(3 * max(sigma, 0.5))
    kernel = np.exp(-0.5 * (np.arange(-half, half + 1) / max(sigma, 0.5)) ** 2)
    return np.convolve(np.pad(x, half, mode="edge"), kernel / kernel.sum(), mode="valid")


def suggest(lrs: np.ndarray, smoothed: np.ndarray, skip: int = 0) -> dict[str, tuple[float, int]]:
    """The three suggestions from a ramp's rates and smoothed losses.

    Points from the first NaN on are left out, and so are the first ``skip`` (fastai
    leaves out the first tenth of the ramp, where the average holds few batches) when at
    least 3 points remain. ``valley`` and ``steepest`` are looked for on the way down to
    the lowest loss only: past it the loss is running away, and a drop after a spike
    there is no rate to train with (fastai looks at every point but the last five).

    Args:
        lrs: the rates of the ramp, increasing.
        smoothed: the smoothed loss at each rate.
        skip: points to leave out at the start.

    Returns:
        ``{"valley": (rate, index), "steepest": (rate, index), "minimum": (rate / 10 of
        the lowest loss, its index)}``, indices into ``lrs``.

    Example:
        >>> lrs = np.logspace(-4, 0, 9)
        >>> loss = np.array([2.0, 1.9, 1.6, 1.0, 0.5, 0.3, 0.25, 0.4, 3.0])
        >>> {k: round(v[0], 4) for k, v in suggest(lrs, loss).items()}
        {'valley': 0.01, 'steepest': 0.001, 'minimum': 0.01}
    """
    lrs, smoothed = np.asarray(lrs, float), np.asarray(smoothed, float)
    bad = np.flatnonzero(~np.isfinite(smoothed))
    n = int(bad[0]) if len(bad) else len(smoothed)
    if n == 0:
        raise DataError("The loss was NaN from the first batch; start the ramp lower.")
    lo = skip if n - skip >= 3 else 0
    s, x = smoothed[lo:n], np.log(lrs[lo:n])
    low = int(np.argmin(s))
    down, x = s[: low + 1], x[: low + 1]
    steep = int(np.argmin(np.diff(down) / np.diff(x))) if low > 0 else 0
    first, last = _longest_descent(down)
    valley = first + round(2 / 3 * (last - first))
    return {
        "valley": (float(lrs[lo + valley]), lo + valley),
        "steepest": (float(lrs[lo + steep]), lo + steep),
        "minimum": (float(lrs[lo + low]) / 10, lo + low),
    }


def _longest_descent(values: np.ndarray) -> tuple[int, int]:
    """First and last index of the longest strictly decreasing subsequence (the valley).

    After fastai's ``valley`` (the longest valley of the loss curve, an idea from ESRI):
    the usual O(n^2) dynamic programme for the longest decreasing subsequence, written by
    hand because numpy and scipy have none. ``length[i]`` is the longest descent ending at
    ``i``; unlike fastai, which estimates the start as ``end - length``, the real first
    point is followed back through ``before``.
    """
    n = len(values)
    length, before = np.ones(n, int), np.full(n, -1)
    for i in range(1, n):
        higher = np.flatnonzero(values[:i] > values[i])
        if len(higher):
            j = higher[np.argmax(length[higher])]
            length[i], before[i] = length[j] + 1, j
    last = int(np.argmax(length))
    first = last
    while before[first] >= 0:
        first = int(before[first])
    return first, last
