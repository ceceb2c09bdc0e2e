"""TensorBoard's HParams tab for a comparison: every (variant, seed) a trial, its
hyperparameters against its final metrics.

Each run's ``RUN/tensorboard`` folder (the run's own event files are in its ``train`` and
``validation`` folders) gets the trial's hyperparameters (the HParams plugin's session
summary: ``variant``, ``seed``, the architecture's hyperparameters, and the dataset options
and training settings a variant changes, as ``data.NAME`` and ``train.NAME``) and, in
``RUN/tensorboard/test``, the test metrics as ``epoch_NAME`` at the last epoch's step (beside
the validation curve in the Scalars tab). ``OUT`` itself gets the experiment: the
hyperparameters shown (``variant``, ``seed`` and those that differ between the runs) and
the metrics (the last validation values and the test metrics). Written by
:func:`kerazoo.experiments._hparams.write_sessions` when the comparison ends; writing again
replaces what an earlier pass wrote, so a continued comparison shows each trial once.

Example:
    >>> write_hparams(plan.out, trials)                                 # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kerazoo.experiments._hparams import Metric, Session, plain, write_sessions
from kerazoo.training._rundir import read_history

__all__ = ["Trial", "trial_values", "write_hparams"]

_TENSORBOARD = "tensorboard"  # kerazoo.training._tensorboard.TENSORBOARD_DIR (no Keras here)


@dataclass(frozen=True)
class Trial:
    """One run of a comparison: its folder, variant name, seed, and the names its variant
    changes as ``(data options, training settings)``."""

    dir: Path
    variant: str
    seed: int
    changed: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())


def trial_values(run: Mapping[str, Any], trial: Trial) -> dict[str, bool | int | float | str]:
    """The trial's hyperparameters from its ``run.json``, as the HParams plugin takes them.

    Example:
        >>> doc = {"architecture": {"hyperparameters": {"width": 0.5}},
        ...        "dataset": {"options": {"size": 16}}, "settings": {"epochs": 2}}
        >>> trial_values(doc, Trial(Path("r"), "half", 1, (("size",), ("epochs",))))
        {'variant': 'half', 'seed': 1, 'width': 0.5, 'data.size': 16, 'train.epochs': 2}
    """
    data, settings = trial.changed
    values: dict[str, Any] = {"variant": trial.variant, "seed": trial.seed}
    values.update(run["architecture"]["hyperparameters"])
    values.update({f"data.{k}": run["dataset"]["options"].get(k) for k in data})
    values.update({f"train.{k}": run["settings"].get(k) for k in settings})
    return {k: plain(v) for k, v in values.items()}


def write_hparams(out: Path, trials: Iterable[Trial]) -> list[Path]:
    """Write the HParams data of every trial that has a ``run.json``; return the folders
    written (none without ``tf.summary``)."""
    sessions, metrics = [], {}
    for trial in trials:
        path = trial.dir / "run.json"
        if not path.is_file():
            continue
        run = json.loads(path.read_text())
        history = read_history(trial.dir)
        test = run.get("test") or {}
        metrics.update(_metrics(history, test))
        step = max(len(history.get("epoch", [])) - 1, 0)  # the validation curve's last point
        sessions.append(
            Session(
                trial.dir / _TENSORBOARD,
                f"{trial.variant}/seed-{trial.seed}",
                trial_values(run, trial),
                {"test": {f"epoch_{k}": [(step, float(v))] for k, v in test.items()}},
            )
        )
    return write_sessions(out, sessions, metrics, key=("variant", "seed"))


def _metrics(columns: Iterable[str], test: Mapping[str, Any]) -> dict[Metric, None]:
    """The metrics shown: the validation ones, then the test ones."""
    shown = [Metric(f"epoch_{k[4:]}", "validation") for k in columns if k.startswith("val_")]
    shown += [Metric(f"epoch_{k}", "test") for k in test]
    return dict.fromkeys(shown)
