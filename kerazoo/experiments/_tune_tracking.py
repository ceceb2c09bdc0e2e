"""``kerazoo tune --track URI``: the search as one MLflow parent run, each trial a child run
(its hyperparameters as parameters, its epochs as metrics at step = epoch number, from 1).

They are logged from the search's results when it ends, in the process that ran
:func:`kerazoo.tune`: trials that ran in worker processes are logged too, and the search
itself never waits on the tracking server. See :mod:`kerazoo.training._tracking`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kerazoo.training._tracking import Tracker, shown_files

__all__ = ["log_search"]

#: A trial's status -> MLflow's.
STATUS = {"finished": "FINISHED", "running": "RUNNING"}


def log_search(
    tracker: Tracker | None, result: Any, dataset: str, architecture: str, tuner: str
) -> None:
    """Log the finished (or interrupted and collected) search ``result`` to ``tracker``."""
    if tracker is None:
        return
    folder = Path(result.dir)
    params = {"dataset": dataset, "architecture": architecture, "tuner": tuner}
    params |= {"objective": result.objective, "direction": result.direction}
    params |= {"searched": ",".join(result.searched), "trials": len(result.trials)}
    params |= {f"fixed.{k}": v for k, v in result.fixed.items()}
    tags = {"dataset": dataset, "architecture": architecture}
    tags |= {"kerazoo.kind": "tune", "kerazoo.run_dir": str(folder.resolve())}
    parent = tracker.start(f"tune {dataset} {architecture} ({folder.name})", params, tags)
    if parent is None:
        return
    for trial in result.trials:
        child = {**tags, "mlflow.parentRunId": parent, "trial": trial.trial}
        child["status"] = trial.status
        run_id = tracker.start(f"trial {trial.trial}", trial.hyperparameters, child)
        tracker.log_history(run_id, trial.history)
        if trial.objective is not None:
            tracker.log_metrics(run_id, {result.objective: trial.objective}, trial.epochs)
        tracker.finish(run_id, folder, iter(()), STATUS.get(trial.status, "FAILED"))
    best = {f"best_{result.objective}": result.trials[0].objective} if result.trials else {}
    test = {f"test_{k}": v for k, v in result.test.items()}
    tracker.log_metrics(parent, {**best, **test}, 0)
    files = [*shown_files(folder)]
    if result.best_dir is not None and (Path(result.best_dir) / "model.keras").is_file():
        files.append(Path(result.best_dir) / "model.keras")
    tracker.finish(parent, folder, iter(files), "FINISHED")
