"""The learning-rate finder: an exponential ramp of the rate over a few batches.

The rate grows from ``start`` to ``end`` over at most ``steps`` training batches, one
optimizer step per batch; the loss of each batch is recorded, smoothed, and the ramp stops
when the smoothed loss runs away. The model's weights and its optimizer's state (slots,
iteration count, learning rate or schedule) are then put back exactly as they were, so the
run that follows starts from the same point as without the finder. This is fastai's
``Learner.lr_find`` (Smith, "Cyclical Learning Rates for Training Neural Networks", 2017) for
a compiled Keras model; ``docs/lr_find.md`` says what is the same and what differs.

The loss recorded is each batch's own loss: ``model.train_on_batch`` resets the metrics
before its step, so its ``loss`` is that batch's. The ``logs["loss"]`` a Keras batch
callback sees during ``fit`` is the running mean over the epoch so far; it lags behind the
true loss and would drag every suggestion towards larger rates.

Example:
    >>> import kerazoo
    >>> finding = kerazoo.lr_find("shapes", "lenet", data={"size": 32})  # doctest: +SKIP
    >>> print(finding.summary())                                           # doctest: +SKIP
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kerazoo._errors import DataError, InvalidOptionError, option, unknown_choice
from kerazoo.data._memory import check_fits
from kerazoo.training._lr_find_state import RampedRate, Restored
from kerazoo.training._lr_find_suggest import METHODS, centred, suggest

__all__ = ["METHODS", "LRFinding", "find_learning_rate"]


@dataclass
class LRFinding:
    """What the finder measured and suggests.

    Attributes:
        lrs: the rate of each batch of the ramp (those run).
        losses: each batch's own training loss (``nan`` where it became NaN).
        smoothed: fastai's running smoothed loss (bias-corrected moving average, beta
            0.98), which decides when the ramp stops.
        centred: ``losses`` smoothed without lag (a Gaussian window of ``steps / 25``
            batches each side): the curve the suggestions are read from.
        valley: the rate about 2/3 along the longest descent of the centred loss.
        steepest: the rate where the centred loss falls fastest against log(rate).
        minimum: a tenth of the rate at the lowest centred loss.
        suggestion: the rate of ``method``: the one to train with.
        method: ``"valley"``, ``"steepest"`` or ``"minimum"``.
        path: the picture, once drawn (:func:`kerazoo.training._lr_find_draw.draw_lr_find`).
        stopped: why the ramp ended: ``"ran away"`` (the smoothed loss passed ``diverge``
            times its minimum or became NaN) or ``"end of ramp"``.
        points: batch index of each suggestion's point on the curve (``"minimum"``: the
            lowest centred loss itself).
        title: what was measured, e.g. ``"lenet on shapes, adam, batch 64"``.
        seconds: the wall time of the ramp, the restoring of the model included.
        step_seconds: the median time of one step of the ramp, its first (which traces
            and compiles the train step) left out.
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    centred: np.ndarray
    valley: float
    steepest: float
    minimum: float
    suggestion: float
    method: str = "valley"
    path: Path | None = None
    stopped: str = "end of ramp"
    points: dict[str, int] = field(default_factory=dict)
    title: str = ""
    seconds: float = math.nan
    step_seconds: float = math.nan

    def summary(self) -> str:
        """Several lines: the ramp, each suggestion (the chosen one marked), the picture.

        Example:
            >>> print(finding.summary())  # doctest: +SKIP
            Learning-rate finder: lenet on shapes, adam, batch 64
            ...
        """
        head = "Learning-rate finder" + (f": {self.title}" if self.title else "")
        lines = [
            head,
            f"  {len(self.lrs)} batches, rate {self.lrs[0]:.2g} to {self.lrs[-1]:.3g} "
            f"({self.stopped}); lowest smoothed loss {np.nanmin(self.centred):.4g} "
            f"at rate {self.lrs[self.points['minimum']]:.3g}",
        ]
        for name in METHODS:
            label = "minimum/10" if name == "minimum" else name
            mark = "  <- suggested" if name == self.method else ""
            lines.append(f"  {label:<11} {getattr(self, name):.2g}{mark}")
        if self.path is not None:
            lines.append(f"  picture: {self.path}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the suggestions and the curves (NaN written as ``None``)."""

        def floats(a: np.ndarray) -> list[float | None]:
            return [float(v) if np.isfinite(v) else None for v in a]

        return {
            "suggestion": self.suggestion,
            "method": self.method,
            **{name: getattr(self, name) for name in METHODS},
            "stopped": self.stopped,
            "title": self.title,
            **{k: floats(np.array([getattr(self, k)]))[0] for k in ("seconds", "step_seconds")},
            "path": None if self.path is None else str(self.path),
            "lrs": floats(self.lrs),
            "losses": floats(self.losses),
            "smoothed": floats(self.smoothed),
            "centred": floats(self.centred),
        }


def find_learning_rate(
    model: Any,
    batches: Any,
    *,
    start: float = 1e-7,
    end: float = 10.0,
    steps: int = 100,
    smooth: float = 0.98,
    diverge: float = 4.0,
    method: str = "valley",
    verbose: int = 0,
) -> LRFinding:
    """Ramp the learning rate over a compiled model's batches, then restore the model.

    Batch ``i`` (from 0) trains at ``start * (end / start) ** (i / (steps - 1))``. The
    smoothed loss is fastai's: ``avg = smooth * avg + (1 - smooth) * loss``, divided by
    ``1 - smooth ** (i + 1)`` (bias correction). The ramp stops early when the smoothed
    loss becomes NaN or more than ``diverge`` times its lowest value so far. The
    suggestions (:func:`kerazoo.training._lr_find_suggest.suggest`) are read from the
    losses smoothed without lag (:func:`~kerazoo.training._lr_find_suggest.centred`). Afterwards
    every variable of the model, of its optimizer (iteration count and slots) and of its
    metrics holds its value from before, the optimizer has its own learning rate or
    schedule object again, and the compiled train step is rebuilt for it.

    Args:
        model: a compiled ``keras.Model`` (e.g. from :func:`kerazoo.build`).
        batches: training ``(x, y)`` batches, e.g. from
            :func:`kerazoo.make_batches`; cycled when shorter than ``steps``.
            Iterating a ``make_batches`` dataset advances its epoch counter: give the
            finder its own, not the one a later ``fit`` will use.
        start: the first rate.
        end: the last rate.
        steps: the most batches (optimizer steps) in the ramp.
        smooth: the smoothing factor (fastai's ``beta``).
        diverge: stop when the smoothed loss exceeds this multiple of its minimum.
        method: the suggestion to return as ``suggestion``: one of :data:`METHODS`.
        verbose: 1 prints a line about every 10% of the ramp.

    Returns:
        An :class:`LRFinding`.

    Raises:
        InvalidOptionError: a bad ramp (``start >= end``, ``steps < 3``, ...) or method.
        DataError: ``batches`` gave no batch.

    Example:
        >>> model = kerazoo.build("lenet", "shapes")                      # doctest: +SKIP
        >>> batches = make_batches(train, model, 64)                      # doctest: +SKIP
        >>> find_learning_rate(model, batches).suggestion                 # doctest: +SKIP
        0.0021
    """
    _check_ramp(start, end, steps, smooth, diverge, method)
    lrs = start * (end / start) ** (np.arange(steps) / (steps - 1))
    t0 = time.perf_counter()
    with Restored(model), RampedRate(model, start, end, steps) as ramp:
        ran = _run(model, batches, lrs, ramp, smooth, diverge, verbose)
    losses, smoothed, stopped, step_seconds = ran
    lrs = lrs[: len(losses)]
    n = len(losses) if np.isfinite(losses).all() else int(np.argmin(np.isfinite(losses)))
    curve = np.full(len(losses), np.nan)
    curve[:n] = centred(losses[:n], steps / 25) if n else []
    found = suggest(lrs, curve, skip=steps // 10)
    return LRFinding(
        lrs=lrs,
        losses=losses,
        smoothed=smoothed,
        centred=curve,
        **{name: found[name][0] for name in METHODS},
        suggestion=found[method][0],
        method=method,
        stopped=stopped,
        points={name: found[name][1] for name in METHODS},
        seconds=time.perf_counter() - t0,
        step_seconds=step_seconds,
    )


#: Bytes one step of the ramp keeps: its rate, raw and smoothed losses (as Python floats in
#: lists, then arrays) and the smoothing's work arrays.
STEP_BYTES = 128


def _check_ramp(
    start: float, end: float, steps: int, smooth: float, diverge: float, method: str
) -> None:
    numbers = all(isinstance(v, (int, float)) for v in (start, end))
    if not numbers or not 0 < start < end < math.inf:
        raise InvalidOptionError(
            f"The ramp needs 0 < start < end, got {option('start', start)} and "
            f"{option('end', end)}. Example: {option('start', 1e-7)}, {option('end', 10.0)}."
        )
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 3:
        raise InvalidOptionError(
            f"{option('steps')} must be an integer of at least 3, got {steps!r}; the ramp "
            f"needs a few batches to draw a curve. Example: {option('steps', 100)}."
        )
    check_fits(
        int(steps),
        STEP_BYTES,
        what=f"{option('steps', steps)} (the rate, loss and smoothed loss of every step)",
        fix=f"Ask for fewer with {option('steps')} (100 is plenty)",
    )
    if not 0 <= smooth < 1:
        raise InvalidOptionError(f"smooth must be in [0, 1), got {smooth!r}; fastai uses 0.98.")
    if not diverge > 1:
        raise InvalidOptionError(f"diverge must be more than 1, got {diverge!r}; fastai uses 4.")
    if method not in METHODS:
        raise unknown_choice("method", method, METHODS, what="suggestion method")


def _run(
    model: Any,
    batches: Any,
    lrs: np.ndarray,
    ramp: RampedRate,
    beta: float,
    diverge: float,
    verbose: int,
) -> tuple[np.ndarray, np.ndarray, str, float]:
    """Train one batch per rate; return raw and smoothed losses, why it stopped, and the
    median seconds of a step (the first, which compiles, left out)."""
    losses: list[float]
    smoothed: list[float]
    losses, smoothed, times = [], [], []
    avg, best, stopped = 0.0, math.inf, "end of ramp"
    every = max(1, len(lrs) // 10)
    for i, batch in enumerate(_cycle(batches, len(lrs))):
        ramp.set(i, lrs[i])
        t0 = time.perf_counter()
        logs = model.train_on_batch(*batch[:3], return_dict=True)  # metrics reset first
        loss = float(logs["loss"])
        times.append(time.perf_counter() - t0)
        avg = beta * avg + (1 - beta) * loss
        value = avg / (1 - beta ** (i + 1))
        losses.append(loss)
        smoothed.append(value)
        if verbose and ((i + 1) % every == 0 or i == 0):
            print(
                f"lr-find: batch {i + 1}/{len(lrs)}, rate {lrs[i]:.3g}, loss {loss:.4g} "
                f"(smoothed {value:.4g})",
                flush=True,
            )
        if not math.isfinite(value) or value > diverge * best:
            stopped = "ran away"
            break
        best = min(best, value)
    if verbose and stopped == "ran away":
        print(f"lr-find: stopped, the loss ran away ({diverge:g} x {best:.4g})", flush=True)
    step = float(np.median(times[1:] or times))
    return np.array(losses), np.array(smoothed), stopped, step


def _cycle(batches: Any, n: int) -> Iterator[tuple[Any, ...]]:
    """``n`` batches as numpy tuples, going over ``batches`` again as often as needed."""
    count = 0
    while count < n:
        passed = 0
        source = batches.as_numpy_iterator() if hasattr(batches, "as_numpy_iterator") else batches
        for batch in source:
            parts = tuple(batch) if isinstance(batch, (tuple, list)) else (batch,)
            yield tuple(None if p is None else np.asarray(p) for p in parts)
            passed += 1
            count += 1
            if count >= n:
                return
        if passed == 0:  # empty, or a one-shot iterator already used up
            if count == 0:
                raise DataError("The learning-rate finder got no batches; give (x, y) batches.")
            return
