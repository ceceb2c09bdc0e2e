"""How long ``--lr find`` may ramp inside a run: a share of the run's own training.

The finder's ramp is training steps the run would not otherwise take. Inside a run it takes
at most :data:`SHARE` of the run's training steps (``epochs x steps per epoch``), never more
than the stand-alone finder's 100 and never fewer than :data:`LEAST` (a curve needs points
to read a valley from: on circles/counter a 37-step ramp put the valley 2.6 times higher
than 100 steps did, 50 steps within 10%; a run shorter than ``LEAST / SHARE`` steps pays
more than the share, and is told so). Afterwards the run says what the ramp cost: its
steps, its seconds (the picture included) and that time as a share of the run's training
time, estimated from the ramp's own median step time.

Example:
    >>> ramp_steps(6 * 63), ramp_steps(700), ramp_steps(10_000)
    (50, 70, 100)
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

__all__ = ["LEAST", "MOST", "SHARE", "RampCost", "find_for_run", "ramp_steps"]

SHARE = 0.10  # of the run's training steps
LEAST, MOST = 50, 100  # steps of a ramp inside a run


def ramp_steps(run_steps: int, share: float = SHARE) -> int:
    """The steps of the ramp for a run of ``run_steps`` training steps.

    Example:
        >>> ramp_steps(800), ramp_steps(800, share=0.5)
        (80, 100)
    """
    return int(min(MOST, max(LEAST, math.floor(share * run_steps))))


@dataclass(frozen=True)
class RampCost:
    """What the ramp cost a run.

    Attributes:
        steps: the ramp's steps (fewer than planned when the loss ran away).
        seconds: its wall time: the ramp, restoring the model, drawing ``lr_find.png``.
        run_steps: the run's training steps (``epochs x steps per epoch``).
        step_seconds: the ramp's median step time, the estimate of a training step.
    """

    steps: int
    seconds: float
    run_steps: int
    step_seconds: float

    @property
    def share(self) -> float:
        """``seconds`` over the run's estimated training time (``run_steps x step_seconds``)."""
        training = self.run_steps * self.step_seconds
        return self.seconds / training if training > 0 else math.inf

    def line(self) -> str:
        """One line for the user.

        Example:
            >>> RampCost(37, 0.61, 378, 0.016).line()
            'lr find: 37 steps, 0.6 s, 10% of this run (estimated: 378 training steps of 16.0 ms)'
        """
        ms = 1000 * self.step_seconds
        return (
            f"lr find: {self.steps} steps, {self.seconds:.1f} s, {self.share:.0%} of this run "
            f"(estimated: {self.run_steps} training steps of {ms:.1f} ms)"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with ``share``."""
        share = self.share if math.isfinite(self.share) else None
        return {**asdict(self), "share": share}


def find_for_run(
    model: Any, batches: Any, run_steps: int, picture: Path, title: str
) -> tuple[Any, RampCost]:
    """``--lr find`` for a run of ``run_steps`` training steps: a ramp of
    :func:`ramp_steps` steps on ``model`` (restored after), its picture drawn to ``picture``.

    Returns:
        The :class:`~kerazoo.training._lr_find.LRFinding` and the :class:`RampCost`.
    """
    from kerazoo.training._lr_find import find_learning_rate
    from kerazoo.training._lr_find_draw import draw_lr_find

    t0 = time.perf_counter()
    finding = find_learning_rate(model, batches, steps=ramp_steps(run_steps))
    finding.title = title
    draw_lr_find(finding, picture)
    seconds = time.perf_counter() - t0
    return finding, RampCost(len(finding.lrs), seconds, run_steps, finding.step_seconds)
