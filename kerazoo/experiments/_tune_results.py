"""The results of a search: one row per trial, sorted by the objective, as CSV, JSON and text.

``trials.csv`` and ``trials.json`` hold, best first: the trial id, every hyperparameter and
searched setting, the objective, the epochs trained, the seconds taken, the status
(``finished``, ``diverged``: the loss became NaN, ``invalid``: the builder refused the draw,
``failed``: another error, ``running``: killed mid-trial) and, in the JSON, each trial's
per-epoch history. ``histories.csv`` holds every trial's history, one row per epoch.

Example:
    >>> r = TrialResult("0", {"filters": 8}, 0.9, 2, 1.5, "finished", {"loss": [1.0, 0.5]})
    >>> format_table([r], "val_accuracy", ["filters"]).splitlines()[0].split()
    ['rank', 'trial', 'val_accuracy', 'epochs', 'seconds', 'status', 'filters']
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kerazoo._errors import InvalidOptionError, option
from kerazoo._files import write_text_atomic

__all__ = ["TrialResult", "TuneResult", "check_top", "format_table", "sort_trials", "write_results"]


@dataclass
class TrialResult:
    """One trial of a search.

    Attributes:
        trial: keras-tuner's trial id.
        hyperparameters: every architecture hyperparameter and searched setting it used.
        objective: the best value of the objective over its epochs (``None`` if it failed).
        epochs: epochs trained (Hyperband: counted from the start of the model's training).
        seconds: wall time of the trial, building included.
        status: ``finished``, ``diverged``, ``invalid``, ``failed`` or ``running``.
        history: per-epoch values of this trial, ``{"loss": [...], "val_accuracy": [...]}``.
        message: why a trial did not finish.
    """

    trial: str
    hyperparameters: dict[str, Any]
    objective: float | None
    epochs: int
    seconds: float | None
    status: str
    history: dict[str, list[float]] = field(default_factory=dict)
    message: str = ""


@dataclass
class TuneResult:
    """What :func:`kerazoo.tune` found.

    Attributes:
        trials: every trial, best first.
        objective: the metric searched on, e.g. ``"val_accuracy"``.
        direction: ``"max"`` or ``"min"``.
        searched: the names that varied between trials.
        fixed: the values the user fixed.
        dir: the output folder.
        best_dir: the best model's run folder (``dir / "best"``), or ``None`` when no trial
            finished.
        test: the best model's metrics on the held-out test split.
        tensorboard: the folder of TensorBoard's HParams data (``dir / "tensorboard"``:
            every trial's hyperparameters, curves and objective), or ``None`` when none was
            written (``tensorboard=False``, or no TensorFlow).
    """

    trials: list[TrialResult]
    objective: str
    direction: str
    searched: list[str]
    fixed: dict[str, Any]
    dir: Path
    best_dir: Path | None = None
    test: dict[str, float] = field(default_factory=dict)
    tensorboard: Path | None = None

    @property
    def best(self) -> TrialResult | None:
        """The best finished trial."""
        return self.trials[0] if self.trials and self.trials[0].objective is not None else None

    @property
    def model_path(self) -> Path | None:
        """``best/model.keras``: an ordinary kerazoo model."""
        return self.best_dir / "model.keras" if self.best_dir is not None else None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``trials.json``)."""
        return {
            "objective": self.objective,
            "direction": self.direction,
            "searched": self.searched,
            "fixed": self.fixed,
            "best": {
                "trial": self.best.trial if self.best else None,
                "model": str(self.model_path) if self.model_path else None,
                "test": self.test,
            },
            "trials": [asdict(t) for t in self.trials],
        }

    def summary(self) -> dict[str, Any]:
        """The search in one JSON-ready dict (what ``kerazoo tune --json`` prints): folder,
        objective, direction, the best trial (value, hyperparameters, model, test metrics)
        and every trial without its history.

        Example:
            >>> result.summary()["best"]["value"]                      # doctest: +SKIP
            0.97
        """
        best = self.best
        return {
            "dir": str(self.dir),
            "objective": self.objective,
            "direction": self.direction,
            "best": None
            if best is None
            else {
                "trial": best.trial,
                "value": best.objective,
                "hyperparameters": best.hyperparameters,
                "model": str(self.model_path),
                "test": self.test,
            },
            "trials": [
                {
                    "trial": t.trial,
                    "value": t.objective,
                    "status": t.status,
                    "epochs": t.epochs,
                    "seconds": t.seconds,
                    "hyperparameters": t.hyperparameters,
                }
                for t in self.trials
            ],
        }


def sort_trials(trials: list[TrialResult], direction: str) -> list[TrialResult]:
    """Best first (ties: the earlier trial first); trials without an objective last."""
    sign = -1.0 if direction == "max" else 1.0
    scored = sorted(
        (t for t in trials if t.objective is not None),
        key=lambda t: (sign * t.objective, _order(t.trial)),
    )  # type: ignore[operator]
    rest = sorted((t for t in trials if t.objective is None), key=lambda t: _order(t.trial))
    return scored + rest


def _order(trial: str) -> tuple[int, str]:
    """Trials in the order they started (ids are numbers, padded to various widths)."""
    return (int(trial), trial) if trial.isdigit() else (1 << 62, trial)


def _columns(result: TuneResult) -> list[str]:
    names: list[str] = []
    for t in result.trials:
        names += [n for n in t.hyperparameters if n not in names]
    return names


def write_results(result: TuneResult) -> list[Path]:
    """Write ``trials.csv``, ``trials.json`` and ``histories.csv`` into ``result.dir``."""
    names = _columns(result)
    head = ["trial", *names, result.objective, "epochs", "seconds", "status", "message"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(head)
    for t in result.trials:
        row = [t.hyperparameters.get(n, "") for n in names]
        writer.writerow(
            [t.trial, *row, _blank(t.objective), t.epochs, _blank(t.seconds), t.status, t.message]
        )
    paths = [write_text_atomic(result.dir / "trials.csv", out.getvalue())]
    text = json.dumps(result.to_dict(), indent=2, default=str) + "\n"
    paths.append(write_text_atomic(result.dir / "trials.json", text))
    paths.append(write_text_atomic(result.dir / "histories.csv", _histories(result.trials)))
    return paths


def _histories(trials: list[TrialResult]) -> str:
    metrics: list[str] = []
    for t in trials:
        metrics += [m for m in t.history if m not in metrics]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["trial", "epoch", *metrics])
    for t in trials:
        n = max((len(v) for v in t.history.values()), default=0)
        first = t.epochs - n + 1  # Hyperband continues a model: its epochs do not start at 1
        for i in range(n):
            values = [_at(t.history.get(m, []), i) for m in metrics]
            writer.writerow([t.trial, first + i, *values])
    return out.getvalue()


def check_top(top: Any) -> int:
    """``top`` (the rows of the table shown) as a positive integer, or an error.

    Example:
        >>> check_top(5)
        5
    """
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise InvalidOptionError(
            f"{option('top')} is the number of trials the table shows, a positive integer; got "
            f"{top!r}. Use {option('top', 10)}, or read every trial in trials.csv."
        )
    return top


def format_table(
    trials: list[TrialResult], objective: str, searched: list[str], top: int = 10
) -> str:
    """The ``top`` trials as aligned text, best first: the searched values as columns.

    Example:
        >>> print(format_table([], "val_loss", []))
        rank  trial  val_loss  epochs  seconds  status
    """
    check_top(top)
    head = ["rank", "trial", objective, "epochs", "seconds", "status", *searched]
    rows = [head]
    for rank, t in enumerate(trials[:top], start=1):
        shown = [_short(t.hyperparameters.get(n)) for n in searched]
        seconds = "" if t.seconds is None else f"{t.seconds:.1f}"
        rows.append(
            [
                str(rank),
                t.trial,
                _short(t.objective) if t.objective is not None else "-",
                str(t.epochs),
                seconds,
                t.status,
                *shown,
            ]
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    if len(trials) > top:
        lines.append(f"... {len(trials) - top} more in trials.csv")
    return "\n".join(lines)


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


def _blank(value: Any) -> Any:
    return "" if value is None else value


def _at(values: list[float], i: int) -> Any:
    return values[i] if i < len(values) else ""
