"""The keras-tuner side of ``kerazoo tune``: the HyperModel and the tuners that run it.

:class:`TrialModel` is a ``keras_tuner.HyperModel``: ``build(hp)`` draws one trial's
hyperparameters and settings (:class:`~kerazoo.experiments.tune_space.Plan`) and builds the
model with :func:`kerazoo.build` through the training loop's own ``Trainer`` (so the model
carries kerazoo metadata and every training setting means what it means in
``kerazoo train``); ``fit`` trains it on the search's one data split, with the trial's
batch size and augmentation.

:func:`make_tuner` gives keras-tuner's ``RandomSearch``, ``BayesianOptimization`` or
``Hyperband`` with three hooks: one progress line per trial, a record of each trial's
per-epoch history and time (``trial_ID/history.json`` in the tuner's folder: keras-tuner
keeps only each trial's best epoch), and no TensorBoard import when no TensorBoard callback
is used (keras-tuner 1.4 imports it on every trial under TensorFlow; see
:class:`kerazoo._compat.TunerWithoutTensorBoard`).

Private; use :func:`kerazoo.experiments.tune.tune`.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keras
import keras_tuner

from kerazoo._compat import TunerWithoutTensorBoard, atomic_keras_tuner_files
from kerazoo.errors import KerazooError
from kerazoo.experiments.tune_space import Plan
from kerazoo.files import write_text_atomic
from kerazoo.training.callbacks import EpochSeeds, StopWhenAsked, finite
from kerazoo.training.settings import check_settings

__all__ = ["TUNERS", "TrialModel", "make_tuner", "read_record"]

#: ``--tuner`` name -> keras-tuner class.
TUNERS = {"random": "RandomSearch", "bayesian": "BayesianOptimization", "hyperband": "Hyperband"}
#: Each trial's own record, beside keras-tuner's ``trial.json``.
RECORD = "history.json"


class TrialModel(keras_tuner.HyperModel):
    """Builds and fits one trial's kerazoo model.

    Args:
        plan: the search space and what is fixed.
        dataset: the Dataset searched on.
        splits: the one ``dataset.split(...)`` every trial trains and validates on.
        folder: the search's output folder.
    """

    def __init__(self, plan: Plan, dataset: Any, splits: Any, folder: Path) -> None:
        super().__init__(name="kerazoo")
        self.plan, self.dataset, self.splits, self.folder = plan, dataset, splits, folder
        self.trainer: Any = None
        self.record: dict[str, Any] = {}
        #: keras-tuner calls ``build`` once when it starts, only to learn the search
        #: space: then the values are drawn (declaring them) and no model is made.
        self.declaring = False

    def build(self, hp: Any) -> Any:
        """The compiled model of the trial's values (weights seeded by ``--seed``)."""
        from kerazoo.training.loop import Trainer

        values, settings = self.plan.draw(hp)
        if self.declaring:
            return None
        try:
            arch = self.plan.architecture(values)
            cfg = check_settings(settings)
            cfg.update({k: settings[k] for k in ("train_size", "val_size", "test_size")})
            keras.utils.set_random_seed(int(cfg["seed"]))
            trainer = Trainer(self.dataset, arch, cfg, self.folder, 0, None)
            trainer.splits = self.splits
            trainer.fresh(cfg["learning_rate"])
        except KerazooError as exc:  # the builder refused this draw: the trial is invalid
            self.record.update(status="invalid", message=str(exc))
            raise keras_tuner.errors.FailedTrialError(str(exc)) from None
        self.trainer = trainer
        return trainer.model

    def fit(self, hp: Any, model: Any, *args: Any, **kwargs: Any) -> Any:
        """Train ``model`` (from ``initial_epoch`` for Hyperband); a NaN loss fails the trial."""
        from kerazoo.data.batches import make_batches

        trainer, cfg = self.trainer, self.trainer.cfg
        start = int(kwargs.get("initial_epoch", 0))
        epochs = int(kwargs.get("epochs", cfg["epochs"]))
        val = make_batches(self.splits.val, trainer.info, cfg["batch_size"], shuffle=False)
        callbacks = [
            keras.callbacks.TerminateOnNaN(),
            EpochSeeds(int(cfg["seed"])),
            StopWhenAsked(),
            *kwargs.get("callbacks", []),
        ]
        history = model.fit(
            trainer.train_batches(start),
            validation_data=val,
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
        self.hypermodel.record = {"started": time.perf_counter()}
        super().on_trial_begin(trial)  # type: ignore[misc]

    def on_trial_end(self, trial: Any) -> None:
        record = dict(self.hypermodel.record)
        record["seconds"] = round(time.perf_counter() - record.pop("started", 0.0), 3)
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
    hypermodel.declaring = True
    try:
        if kind == "hyperband":
            tuner = cls(max_epochs=epochs, factor=3, hyperband_iterations=trials, **common)
            tuner.oracle.max_trials = trials  # Hyperband has no max_trials of its own
        else:
            tuner = cls(max_trials=trials, **common)
    finally:
        hypermodel.declaring = False
    return tuner


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
