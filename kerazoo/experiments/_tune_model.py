"""The keras-tuner side of ``kerazoo tune``: the HyperModel and the tuners that run it.

:class:`TrialModel` is a ``keras_tuner.HyperModel``: ``build(hp)`` draws one trial's
hyperparameters and settings (:class:`~kerazoo.experiments._tune_space.Plan`) into the
trial's run value, a :class:`~kerazoo.training._spec.RunSpec` like ``kerazoo train``'s, and
builds the model with :func:`kerazoo.build` through it (so the model carries kerazoo
metadata and every training setting means what it means in ``kerazoo train``); ``fit``
trains it on the search's one data split, with the trial's batch size and augmentation.

:func:`make_tuner` gives keras-tuner's ``RandomSearch``, ``BayesianOptimization`` or
``Hyperband`` with three hooks: one progress line per trial, a record of each trial's
per-epoch history and time (``trial_ID/history.json`` in the tuner's folder: keras-tuner
keeps only each trial's best epoch), and no TensorBoard import when no TensorBoard callback
is used (keras-tuner 1.4 imports it on every trial under TensorFlow; see
:class:`kerazoo._compat.TunerWithoutTensorBoard`).

Private; use :func:`kerazoo.tune`.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keras
import keras_tuner

from kerazoo._compat import TunerWithoutTensorBoard, atomic_keras_tuner_files
from kerazoo._errors import KerazooError
from kerazoo._files import write_text_atomic
from kerazoo.experiments._tune_space import Plan
from kerazoo.saving._info import ModelInfo
from kerazoo.training._callbacks import EpochSeeds, StopOnNaN, StopWhenAsked, finite
from kerazoo.training._settings import check_settings
from kerazoo.training._spec import RunSpec

__all__ = ["TUNERS", "TrialModel", "make_tuner", "read_record"]

#: ``--tuner`` name -> keras-tuner class.
TUNERS = {"random": "RandomSearch", "bayesian": "BayesianOptimization", "hyperband": "Hyperband"}
#: Each trial's own record, beside keras-tuner's ``trial.json``.
RECORD = "history.json"


class TrialModel(keras_tuner.HyperModel):
    """Builds and fits one trial's kerazoo model.

    Each trial is its own run value (:meth:`trial_run`), made from the trial's
    hyperparameters alone: ``build`` and ``fit`` of one trial, and the best model saved after
    the search, read the same trial's settings whatever was built last.

    Args:
        plan: the search space and what is fixed.
        dataset: the Dataset searched on.
        splits: the one ``dataset.split(...)`` every trial trains and validates on.
        folder: the search's output folder.
    """

    def __init__(self, plan: Plan, dataset: Any, splits: Any, folder: Path) -> None:
        super().__init__(name="kerazoo")
        self.plan, self.dataset, self.splits, self.folder = plan, dataset, splits, folder
        self.sizes = {
            "train_size": len(splits.train),
            "val_size": len(splits.val),
            "test_size": len(splits.test),
        }
        self.record: dict[str, Any] = {}
        #: keras-tuner calls ``build`` once when it starts, only to learn the search
        #: space: then the values are drawn (declaring them) and no model is made.
        self._declaring = False

    def trial_run(self, hp: Any) -> RunSpec:
        """The run of the trial with ``hp``'s values: its architecture and settings, on the
        search's splits, in the search's folder.

        Raises:
            KerazooError: the architecture or the settings refuse these values.
        """
        return self._run_of(*self.plan.draw(hp))

    def _run_of(self, values: dict[str, Any], settings: dict[str, Any]) -> RunSpec:
        arch = self.plan.architecture(values)  # named as the one looked up
        cfg = {**check_settings(settings), **self.sizes}
        return RunSpec(self.dataset, arch, cfg, self.splits, self.folder)

    @contextlib.contextmanager
    def declaring_space(self) -> Iterator[None]:
        """While a tuner starts: ``build`` only declares the search space."""
        self._declaring = True
        try:
            yield
        finally:
            self._declaring = False

    def begin_trial(self) -> None:
        """Start the record of a trial (its time, then its history and status)."""
        self.record = {"started": time.perf_counter()}

    def end_trial(self) -> dict[str, Any]:
        """The record of the trial that ends, with its seconds."""
        record = dict(self.record)
        record["seconds"] = round(time.perf_counter() - record.pop("started", 0.0), 3)
        return record

    def build(self, hp: Any) -> Any:
        """The compiled model of the trial's values (weights seeded by ``--seed``)."""
        values, settings = self.plan.draw(hp)
        if self._declaring:
            return None
        try:
            run = self._run_of(values, settings)
            keras.utils.set_random_seed(int(run.settings["seed"]))
            return run.build_model(run.settings["learning_rate"])
        except KerazooError as exc:  # the builder refused this draw: the trial is invalid
            self.record.update(status="invalid", message=str(exc))
            raise keras_tuner.errors.FailedTrialError(str(exc)) from None

    def fit(self, hp: Any, model: Any, *args: Any, **kwargs: Any) -> Any:
        """Train ``model`` (from ``initial_epoch`` for Hyperband); a NaN loss fails the trial."""
        run = self.trial_run(hp)
        cfg, info = run.settings, ModelInfo.of(model)
        start = int(kwargs.get("initial_epoch", 0))
        epochs = int(kwargs.get("epochs", cfg["epochs"]))
        callbacks = [
            StopOnNaN(),
            EpochSeeds(int(cfg["seed"])),
            StopWhenAsked(),
            *kwargs.get("callbacks", []),
        ]
        history = model.fit(
            run.train_batches(info, start),
            validation_data=run.val_batches(info),
            epochs=epochs,
            initial_epoch=start,
            shuffle=False,
            verbose=0,
            callbacks=callbacks,
        )
        logs = {k: [float(v) for v in vs] for k, vs in history.history.items()}
        self.record.update(history=logs, initial_epoch=start, epochs=epochs)
        last = {k: v[-1] for k, v in logs.items() if v}
        if not last or not finite(last):
            self.record.update(status="diverged", message=f"the loss became {last.get('loss')}")
            raise keras_tuner.errors.FailedTrialError(
                f"Training diverged: the loss became {last.get('loss')}. A smaller learning "
                "rate (--space learning_rate=LOW:HIGH) keeps such trials out."
            )
        return history


class _Hooks(TunerWithoutTensorBoard):
    """What kerazoo adds to a keras-tuner Tuner (mixed in before the Tuner class)."""

    hypermodel: Any
    oracle: Any
    progress: Callable[[dict[str, Any]], None] | None = None

    def on_trial_begin(self, trial: Any) -> None:
        self.hypermodel.begin_trial()
        super().on_trial_begin(trial)  # type: ignore[misc]

    def on_trial_end(self, trial: Any) -> None:
        record = self.hypermodel.end_trial()
        if trial.status == "COMPLETED":
            record["status"] = "finished"
        else:
            record.setdefault("status", "failed")
            message = (trial.message or "").strip().splitlines()
            record.setdefault("message", message[-1] if message else "")
        path = Path(self.get_trial_dir(trial.trial_id)) / RECORD  # type: ignore[attr-defined]
        write_text_atomic(path, json.dumps(record, indent=1) + "\n")
        super().on_trial_end(trial)  # type: ignore[misc]
        if self.progress is not None:
            self.progress({"trial": trial, "record": record, "oracle": self.oracle})


def make_tuner(
    kind: str,
    hypermodel: TrialModel,
    objective: tuple[str, str],
    *,
    trials: int,
    epochs: int,
    seed: int,
    folder: Path,
    progress: Callable[[dict[str, Any]], None] | None = None,
) -> Any:
    """A keras-tuner Tuner of ``kind`` writing into ``folder / "tuner"``; an existing search
    there is reloaded and continued (keras-tuner's ``overwrite=False``).

    Args:
        kind: a key of :data:`TUNERS`.
        hypermodel: the :class:`TrialModel`.
        objective: ``(metric, "max" | "min")``.
        trials: trials in the whole search (Hyperband too: it stops after ``trials``;
            Bayesian optimisation draws the first third of them, at least 2, at random).
        epochs: epochs per trial (Hyperband: the most epochs a trial reaches).
        seed: seeds the tuner's draws.
        folder: the search's output folder.
        progress: called after each trial with its keras-tuner Trial and record.
    """
    base = getattr(keras_tuner, TUNERS[kind])
    cls = type(f"Kerazoo{base.__name__}", (_Hooks, base), {"progress": staticmethod(progress)})
    hp = hypermodel.plan.initial(keras_tuner.HyperParameters())
    common = {
        "hypermodel": hypermodel,
        "objective": keras_tuner.Objective(*objective),
        "seed": seed,
        "hyperparameters": hp,
        "max_consecutive_failed_trials": trials + 1,  # a diverged trial is a result
        "directory": str(folder),
        "project_name": "tuner",
        "overwrite": False,
    }
    if kind == "bayesian":  # keras-tuner's default, 3 per dimension, is often all trials
        common["num_initial_points"] = max(2, trials // 3)
    atomic_keras_tuner_files()  # a killed search leaves whole state files to continue from
    _repair_a_killed_search(folder / "tuner")
    with hypermodel.declaring_space():
        if kind == "hyperband":
            tuner = cls(max_epochs=epochs, factor=3, hyperband_iterations=trials, **common)
            tuner.oracle.max_trials = trials  # Hyperband has no max_trials of its own
        else:
            tuner = cls(max_trials=trials, **common)
    return tuner


def _repair_a_killed_search(project: Path) -> None:
    """Make keras-tuner continue a killed search from what it saved, running every trial
    that was cut short once more and no ended trial again.

    keras-tuner's files say less than it knows at three moments of a search:

    * at the end of a trial it saves ``oracle.json`` with the trial ended (in ``end_order``)
      but still in ``ongoing_trials``, and reload queues every ongoing trial to run again;
    * then it writes the tuner's state file (``tuner0.json``, or the worker's id), without
      which it does not reload at all (the search would start over);
    * a new trial's ``trial.json`` (``RUNNING``) is written before ``oracle.json`` lists it
      as ongoing, and a trial that is neither ongoing nor ended is never run.

    So the ended trials are taken out of ``ongoing_trials``, a started one that is missing
    is put in, and the tuner's file, whose state is empty (``{}``), is written; keras-tuner's
    own reload does the rest.
    """
    from kerazoo._files import write_text_atomic

    tuner_id = os.environ.get("KERASTUNER_TUNER_ID", "tuner0")
    oracle = project / "oracle.json"
    if "chief" not in tuner_id and os.environ.get("KERASTUNER_ORACLE_IP"):
        return  # a worker: the chief owns the oracle's file and may be writing it now
    if not oracle.is_file():
        return
    try:
        saved = json.loads(oracle.read_text())
        ended = set(saved["end_order"])
        ongoing = {k: v for k, v in saved["ongoing_trials"].items() if v not in ended}
        for trial_id in _started_trials(project) - ended - set(ongoing.values()):
            ongoing[f"cut-short-{trial_id}"] = trial_id  # reload queues it to run again
        fixed = {**saved, "ongoing_trials": ongoing}
        fixed["start_order"] = saved["start_order"] + sorted(
            set(ongoing.values()) - set(saved["start_order"])
        )
    except (OSError, ValueError, KeyError, TypeError):
        return  # keras-tuner's reload says what is wrong with the file
    if fixed != saved:
        write_text_atomic(oracle, json.dumps(fixed))
    state = project / f"{tuner_id}.json"
    if not state.exists():
        write_text_atomic(state, "{}")


def _started_trials(project: Path) -> set[str]:
    """The ids of the trials whose ``trial.json`` says they were running."""
    started = set()
    for path in project.glob("trial_*/trial.json"):
        saved = json.loads(path.read_text())
        if saved.get("status") == "RUNNING":
            started.add(str(saved["trial_id"]))
    return started


def read_record(tuner: Any, trial_id: str) -> dict[str, Any]:
    """A trial's ``history.json`` (empty if the trial never ended)."""
    path = Path(tuner.get_trial_dir(trial_id)) / RECORD
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def objective_value(value: Any) -> float | None:
    """A finite objective, or ``None``."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None
