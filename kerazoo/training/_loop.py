"""One run's ``fit``: the model, its data, the run-file callbacks, and the learning-rate
back-off, the only part Keras has no callback for (``TerminateOnNaN`` stops ``fit``; the
run rebuilds the model at half the rate from the last checkpoint and fits again).

What the run is (settings, splits, folder, callbacks) is its :class:`RunSpec`, fixed before
it starts; the :class:`Trainer` holds only what changes as it trains (the model, its
history, the learning rate after back-offs) and hands back a :class:`Trained`.

Private; use :func:`kerazoo.train`.
"""

from __future__ import annotations

import dataclasses
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from kerazoo._errors import DivergedError, option
from kerazoo.saving._info import ModelInfo
from kerazoo.saving._records import TrainingInfo
from kerazoo.training import _rundir as rundir
from kerazoo.training._baseline import Baseline, warn_not_learned
from kerazoo.training._callbacks import (
    Checkpoint,
    Curves,
    EpochSeeds,
    HistoryCSV,
    StopOnNaN,
    StopWhenAsked,
    best_value,
    finite,
)
from kerazoo.training._settings import model_variants  # noqa: F401  (imported from here too)
from kerazoo.training._spec import RunSpec
from kerazoo.training._tensorboard import tensorboard_callbacks, tensorboard_record

__all__ = ["Trained", "Trainer", "diverged_error"]

MAX_BACKOFFS = 6


def diverged_error(run_dir: Path, epoch: int, loss: float, lr: float) -> DivergedError:
    """The error for a NaN/infinite loss in epoch ``epoch + 1``, with the usual advice."""
    kept = run_dir / "checkpoint.keras"
    where = (
        f"The last good checkpoint (epoch {epoch}) is kept in {kept}."
        if kept.exists()
        else "No epoch had finished, so there is no checkpoint."
    )
    return DivergedError(
        f"Training diverged in epoch {epoch + 1}: the loss became {loss} with learning "
        f"rate {lr:g}. {where} Use a smaller learning rate (halving it until the loss "
        f"stays finite is the usual rule: try {option('learning_rate', _short(lr / 2))}), "
        f"or pass {option('lr_backoff', True)} to retry automatically from the last good "
        "checkpoint with half the rate."
    )


def _short(rate: float) -> float | int:
    """A rate as a short number (``5``, ``0.005``) for a message to show."""
    rate = float(f"{rate:g}")
    return int(rate) if rate.is_integer() else rate


@dataclasses.dataclass(frozen=True)
class Trained:
    """What a finished run made: the model and its history, the metadata saved with it,
    the test metrics (empty without a test split) and the trivial baseline they beat or not."""

    model: Any
    history: dict[str, list[float]]
    metadata: dict[str, Any]
    test: dict[str, float]
    baseline: Baseline | None


class Trainer:
    """The model and the one ``fit`` of the run ``spec``; only its own methods change it."""

    def __init__(self, spec: RunSpec) -> None:
        self.spec = spec
        self.learning_rate: Any = spec.settings["learning_rate"]  # a number, None or "find"
        self.model: Any = None
        self.info: ModelInfo | None = None  # the model's metadata, without training
        self.history: dict[str, list[float]] = {}
        self.found: dict[str, Any] | None = None  # what the learning-rate finder saw
        self.backoffs: list[dict[str, Any]] = []  # each --lr-backoff step, for run.json
        self.saver: Any = None  # the checkpoint's Resaver: model.keras is saved by it too

    def metadata(self, epochs_done: int) -> ModelInfo:
        """The model's metadata after ``epochs_done`` epochs of this run."""
        return self.spec.metadata(self.info, self.history, epochs_done, self.learning_rate)

    def restore(self) -> int:
        """Load checkpoint.keras if there is one; return the number of completed epochs."""
        from kerazoo.saving._load import load_model

        path = self.spec.dir / "checkpoint.keras"
        if not path.is_file():
            return 0
        with self.spec.placement.scope():
            self.model, _ = load_model(path)
        progress = self.take_progress(ModelInfo.of(self.model))
        self.spec.placement.prepare(self.model, self.sample_batch())
        return progress

    def take_progress(self, saved: ModelInfo) -> int:
        """Continue from a checkpoint's metadata: its history and rate; return its epochs."""
        record = saved.training or TrainingInfo()
        self.info = dataclasses.replace(saved, training=None)
        self.history = {k: list(v) for k, v in record.history.items()}
        if record.learning_rate is not None:
            self.learning_rate = record.learning_rate
        return int(record.epochs or 0)

    def fresh(self, learning_rate: float | None) -> None:
        with self.spec.placement.scope():
            self.model = self.spec.build_model(learning_rate)
        self.info = ModelInfo.of(self.model)
        self.spec.placement.prepare(self.model, self.sample_batch())

    def sample_batch(self) -> Any:
        """One validation batch, to build a distributed model before ``fit`` (validation:
        pulling from the training batches would move their per-epoch order)."""
        if self.spec.placement.strategy is None:
            return None
        return next(iter(self.spec.val_batches(self.info)))

    def run(self, resume: bool) -> Trained:
        """Train to ``epochs`` (from the checkpoint when resuming); save ``model.keras``."""
        spec, t0 = self.spec, time.perf_counter()
        cfg, folder = spec.settings, spec.dir
        done = self.restore() if resume else 0
        if done == 0:
            if self.learning_rate == "find":
                self.learning_rate = self.find_rate()
            self.fresh(self.learning_rate)
        if done == 0 or not (folder / "run.json").exists():
            resolved = self.info.to_dict()
            rundir.write_run_json(folder, spec.dataset, spec.architecture, cfg, resolved)
            rundir.update_run_json(folder, lr_find=self.found)
        else:  # resumed: the back-offs of the run so far
            self.backoffs = list(rundir.read_learning_rate(folder).get("backoffs", []))
            if done < cfg["epochs"]:
                rundir.record_resume(folder, done, cfg["epochs"])
        self.record_rate()
        rundir.update_run_json(folder, tensorboard=tensorboard_record(cfg.get("tensorboard", True)))
        if done >= cfg["epochs"]:
            spec.say(f"The run in {folder} already completed {done} epochs; nothing to do.")
        backoffs = 0
        while done < cfg["epochs"]:
            done, nan_logs = self.fit(done)
            if nan_logs is None:
                break
            if not cfg["lr_backoff"] or backoffs >= MAX_BACKOFFS:
                raise diverged_error(folder, done, nan_logs.get("loss", math.nan), self.lr())
            backoffs += 1
            done = self.back_off(done, nan_logs)
        return self.finish(done, time.perf_counter() - t0)

    def find_rate(self) -> float:
        """``--lr find``: the finder's suggestion for this run's model, batches and optimizer
        (``lr_find.png`` and ``run.json``'s ``lr_find`` say what it saw); its ramp is
        bounded by a share of the run's training steps, and says what it cost."""
        from kerazoo.training._lr_find_budget import find_for_run

        spec = self.spec
        self.fresh(None)
        spec.say("Finding the learning rate (kerazoo lr-find) ...")
        finding, cost = find_for_run(
            self.model,
            spec.train_batches(self.info, 0),
            spec.settings["epochs"] * spec.steps_per_epoch,
            spec.dir / "lr_find.png",
            f"{spec.architecture.name} on {spec.dataset.name}, --lr find",
        )
        self.found = {**finding.to_dict(), "cost": cost.to_dict()}  # into run.json, later
        spec.say(
            f"{finding.summary()}\n{cost.line()}\n"
            f"Training with learning rate {finding.suggestion:.3g}."
        )
        return float(finding.suggestion)

    def fit(self, done: int) -> tuple[int, dict[str, float] | None]:
        """One ``fit`` from epoch ``done``; return epochs done and the logs of a NaN epoch."""

        spec = self.spec
        cfg, placement = spec.settings, spec.placement
        batches = placement.batches(spec.train_batches(self.info, done))
        val = placement.batches(spec.val_batches(self.info))
        csv = HistoryCSV(spec.dir / "history.csv", self.history)
        curves = Curves(spec.dir / "curves.png", self.history)
        _, best = best_value(self.history)
        keep = bool(cfg.get("keep_checkpoints"))
        checkpoint = Checkpoint(spec.dir, metadata=self.metadata, best=best, keep=keep)
        self.saver = checkpoint.saver
        callbacks = [
            StopOnNaN(),
            EpochSeeds(cfg["seed"]),
            *spec.callbacks,
            csv,
            checkpoint,
            *(tensorboard_callbacks(spec.dir) if cfg.get("tensorboard", True) else []),
            curves,
            StopWhenAsked(),
        ]
        self.history = csv.history  # the metadata reads the history as it grows
        self.tell_callbacks(done)
        with placement.scope():
            fit = self.model.fit(
                batches,
                validation_data=val,
                initial_epoch=done,
                epochs=cfg["epochs"],
                shuffle=False,
                verbose=spec.verbose,
                callbacks=callbacks,
            )
        logs = {k: float(v[-1]) for k, v in fit.history.items() if v}
        epochs_run = len(next(iter(fit.history.values()), []))
        if logs and not finite(logs):
            return done + epochs_run - 1, logs
        if self.model.stop_training and done + epochs_run < cfg["epochs"]:
            spec.say(f"Stopped early after epoch {done + epochs_run} at a callback's request.")
        return done + epochs_run, None

    def tell_callbacks(self, done: int) -> None:
        """Give callbacks that ask (``set_run``) the run folder, metadata and data."""
        context = self.spec.context(self.info, done)
        for callback in self.spec.callbacks:
            if callable(getattr(callback, "set_run", None)):
                callback.set_run(context)

    def lr(self) -> float:
        if self.learning_rate is not None:
            return float(self.learning_rate)
        try:
            return float(np.asarray(self.model.optimizer.learning_rate))
        except (TypeError, ValueError):
            return 0.0

    def record_rate(self) -> None:
        """Write the learning rate the model trains at, and the back-offs that led there,
        into ``run.json`` (``settings`` keeps the rate asked for, which resume checks)."""
        rundir.update_run_json(
            self.spec.dir, learning_rate={"used": self.lr(), "backoffs": self.backoffs}
        )

    def back_off(self, epoch: int, logs: dict[str, float]) -> int:
        """Rebuild with half the learning rate, from the last good checkpoint; return epoch."""
        lr = self.lr()
        self.learning_rate = lr / 2
        path = self.spec.dir / "checkpoint.keras"
        start = "the last good checkpoint" if path.is_file() else "new weights (no epoch ended)"
        loss = logs.get("loss", math.nan)
        self.spec.say(
            f"Loss became {loss} in epoch {epoch + 1} at learning rate {lr:g}: retrying "
            f"from {start} with {lr / 2:g}."
        )
        self.fresh(self.learning_rate)
        restart = self.restart_from(path)
        step = {"epoch": epoch + 1, "loss": loss if math.isfinite(loss) else str(loss)}
        step.update({"from": lr, "to": lr / 2, "restarted_from_epoch": restart})
        self.backoffs.append(step)
        self.record_rate()
        return restart

    def restart_from(self, path: Path) -> int:
        """Take the weights and history of the checkpoint at ``path`` (none: start over);
        return its epochs."""
        from kerazoo.saving._load import load_model

        if not path.is_file():
            self.history = {}
            return 0
        good, _ = load_model(path)
        self.model.set_weights(good.get_weights())
        record = ModelInfo.of(good).training or TrainingInfo()
        self.history = {k: list(v) for k, v in record.history.items()}
        return int(record.epochs or 0)

    def finish(self, done: int, seconds: float) -> Trained:
        from kerazoo.saving._resave import Resaver

        spec = self.spec
        metadata = self.metadata(done)
        # the file Keras' save_model writes; after a checkpoint, without Keras' walk again
        saver = self.saver or Resaver()
        path = saver.save(self.model, spec.dir / "model.keras", metadata)
        test, baseline = spec.evaluate_test(self.model, metadata)
        shown = ", ".join(f"{k} {v[-1]:.4g}" for k, v in self.history.items())
        spec.say(
            f"Trained {spec.architecture.name} on {spec.dataset.name} for {done} "
            f"epochs in {seconds:.1f}s: {shown}. Model saved to {path}"
        )
        if baseline is not None and not baseline.learned:
            warn_not_learned(baseline, spec.dir, spec.dataset, spec.architecture, done)
        return Trained(self.model, self.history, metadata.to_dict(), test, baseline)
