"""TensorBoard's HParams tab for a search: every trial a session, its hyperparameters against
its last validation values and its objective.

keras-tuner's trials train without TensorBoard callbacks (see
:class:`kerazoo._compat.TunerWithoutTensorBoard`); when the search ends, each trial's
recorded epochs (``tuner/trial_ID/history.json``) are written as
``OUT/tensorboard/trial-ID/train`` and ``.../validation``, under the names and steps a run's
own event files use (``epoch_loss``, ``epoch_accuracy``, ... at step = the epoch's index from
0; Hyperband's continued trials start at their first epoch), with the trial's
hyperparameters (every architecture hyperparameter and searched setting) as the session
summary in ``OUT/tensorboard/trial-ID`` beside the objective (its best value over the
epochs, as ``trials.csv`` gives it, under the objective's name, at the last step). ``OUT``
gets the experiment. Trials that ran in worker processes are written too: this runs in the
process that collected the search. A continued search writes every trial again, once.

Example:
    >>> write_search_hparams(result)                                    # doctest: +SKIP
    PosixPath('runs/tune-lenet/tensorboard')
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kerazoo.experiments._hparams import Metric, Session, plain, write_sessions

__all__ = ["TENSORBOARD_DIR", "write_search_hparams"]

#: The search's TensorBoard folder: one ``trial-ID`` folder per trial.
TENSORBOARD_DIR = "tensorboard"


def write_search_hparams(result: Any) -> Path | None:
    """Write the HParams data of every trial of ``result`` (a TuneResult) into
    ``result.dir``; return the search's TensorBoard folder (``None``: no trial, or no
    ``tf.summary``)."""
    folder = Path(result.dir) / TENSORBOARD_DIR
    sessions, metrics = [], {}
    for trial in result.trials:
        scalars = _curves(trial.history, trial.epochs)
        metrics.update(dict.fromkeys(Metric(t, "validation") for t in scalars["validation"]))
        last = max(int(trial.epochs) - 1, 0)
        if trial.objective is not None:
            scalars[""] = {result.objective: [(last, trial.objective)]}
        values = {k: plain(v) for k, v in trial.hyperparameters.items()}
        sessions.append(Session(folder / f"trial-{trial.trial}", trial.trial, values, scalars))
    objective = Metric(result.objective, "", f"objective: best {result.objective}")
    written = write_sessions(Path(result.dir), sessions, [*metrics, objective])
    return folder if written else None


def _curves(history: dict[str, list[float]], epochs: int) -> dict[str, dict[str, Any]]:
    """``train`` and ``validation`` scalars of a trial's history, step = the epoch's index."""
    curves: dict[str, dict[str, Any]] = {"train": {}, "validation": {}}
    for name, values in history.items():
        first = int(epochs) - len(values)  # Hyperband continues a model from its epoch
        points = [(first + i, v) for i, v in enumerate(values)]
        if name.startswith("val_"):
            curves["validation"][f"epoch_{name[4:]}"] = points
        else:
            curves["train"][f"epoch_{name}"] = points
    return curves
