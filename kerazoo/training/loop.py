"""One run's ``fit``: the model, its data, the run-file callbacks, and the learning-rate
back-off, the only part Keras has no callback for (``TerminateOnNaN`` stops ``fit``; the
run rebuilds the model at half the rate from the last checkpoint and fits again).

Private; use :func:`kerazoo.train`.
"""

from __future__ import annotations

import dataclasses
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from kerazoo.errors import DivergedError
from kerazoo.saving.info import ModelInfo
from kerazoo.saving.records import TrainingInfo
from kerazoo.training import rundir
from kerazoo.training.baseline import Baseline, compare_with_baseline, warn_not_learned
from kerazoo.training.callbacks import (
    Checkpoint,
    Curves,
    EpochSeeds,
    HistoryCSV,
    StopWhenAsked,
    best_value,
    finite,
)
from kerazoo.training.distribute import Placement
from kerazoo.training.settings import model_variants

__all__ = ["Trainer", "diverged_error"]

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
        f"stays finite is the usual rule: try --lr {lr / 2:g}), or pass --lr-backoff to "
        "retry automatically from the last good checkpoint with half the rate."
    )


class Trainer:
    """Data, model and the one ``fit`` of a run."""

    def __init__(
        self,
        dataset: Any,
        arch: Any,
        cfg: dict[str, Any],
        run_dir: Path,
        verbose: int,
        callbacks: list[Any] | None,
    ) -> None:
        self.dataset, self.arch, self.cfg, self.dir = dataset, arch, cfg, run_dir
        self.verbose, self.user_callbacks = verbose, list(callbacks or [])
        self.learning_rate = cfg["learning_rate"]
        self.history: dict[str, list[float]] = {}
        self.test: dict[str, float] = {}
        self.baseline: Baseline | None = None  # the test metric against the trivial one
        self.found: dict[str, Any] | None = None  # what the learning-rate finder saw
        self.backoffs: list[dict[str, Any]] = []  # each --lr-backoff step, for run.json
        self.placement = Placement()  # one device unless the run says otherwise

    def say(self, text: str) -> None:
        if self.verbose:
            print(text, flush=True)

    def build(self, learning_rate: float | None) -> Any:
        from kerazoo.models.build import build

        cfg = self.cfg
        return build(
            self.arch,
            self.dataset,
            encoding=cfg["encoding"],
            data_format=cfg["data_format"],
            optimizer=cfg["optimizer"],
            learning_rate=learning_rate,
            schedule=cfg["schedule"],
            steps_per_epoch=math.ceil(cfg["train_size"] / cfg["batch_size"]),
            epochs=cfg["epochs"],
            precision=cfg["precision"],
            jit_compile=cfg["jit_compile"],
            adapt=self.splits.train.images,
            seed=cfg["seed"],
            **model_variants(cfg),
        )

    def metadata(self, epochs_done: int) -> ModelInfo:
        """The model's metadata after ``epochs_done`` epochs of this run."""
        monitor, best = best_value(self.history)
        record = TrainingInfo(
            epochs=epochs_done,
            epochs_planned=self.cfg["epochs"],
            batch_size=self.cfg["batch_size"],
            learning_rate=self.learning_rate,
            metrics={k: v[-1] for k, v in self.history.items() if v},
            best={"monitor": monitor, "value": best},
            history={k: list(v) for k, v in self.history.items()},
        )
        dataset = self.info.dataset
        if dataset is not None:
            dataset = dataclasses.replace(dataset, seed=self.cfg["seed"])
        return dataclasses.replace(self.info, dataset=dataset, training=record)

    def restore(self) -> int:
        """Load checkpoint.keras if there is one; return the number of completed epochs."""
        from kerazoo.saving.load import load_model

        path = self.dir / "checkpoint.keras"
        if not path.is_file():
            return 0
        with self.placement.scope():
            self.model, _ = load_model(path)
        progress = self.take_progress(ModelInfo.of(self.model))
        self.placement.prepare(self.model, self.sample_batch())
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
        with self.placement.scope():
            self.model = self.build(learning_rate)
        self.info = ModelInfo.of(self.model)
        self.placement.prepare(self.model, self.sample_batch())

    def sample_batch(self) -> Any:
        """One validation batch, to build a distributed model before ``fit`` (validation:
        pulling from the training batches would move their per-epoch order)."""
        if self.placement.strategy is None:
            return None
        from kerazoo.data.batches import make_batches

        val = make_batches(self.splits.val, self.info, self.cfg["batch_size"], shuffle=False)
        return next(iter(val))

    def run(self, resume: bool) -> tuple[Any, dict[str, list[float]], dict[str, Any]]:
        """Train to ``epochs`` (from the checkpoint when resuming); save ``model.keras``."""
        cfg, t0 = self.cfg, time.perf_counter()
        self.make_splits()
        done = self.restore() if resume else 0
        if done == 0:
            if self.learning_rate == "find":
                self.learning_rate = self.find_rate()
            self.fresh(self.learning_rate)
        if done == 0 or not (self.dir / "run.json").exists():
            rundir.write_run_json(self.dir, self.dataset, self.arch, cfg, self.info.to_dict())
            rundir.update_run_json(self.dir, lr_find=self.found)
        else:  # resumed: the back-offs of the run so far
            self.backoffs = list(rundir.read_learning_rate(self.dir).get("backoffs", []))
            if done < cfg["epochs"]:
                rundir.record_resume(self.dir, done, cfg["epochs"])
        self.record_rate()
        if done >= cfg["epochs"]:
            self.say(f"The run in {self.dir} already completed {done} epochs; nothing to do.")
        backoffs = 0
        while done < cfg["epochs"]:
            done, nan_logs = self.fit(done)
            if nan_logs is None:
                break
            if not cfg["lr_backoff"] or backoffs >= MAX_BACKOFFS:
                raise diverged_error(self.dir, done, nan_logs.get("loss", math.nan), self.lr())
            backoffs += 1
            done = self.back_off(done, nan_logs)
        return self.finish(done, time.perf_counter() - t0)

    def make_splits(self) -> None:
        """The run's train / validation / test samples, from its sizes and seed."""
        cfg = self.cfg
        sizes = cfg["train_size"], cfg["val_size"], cfg["test_size"]
        self.splits = self.dataset.split(*sizes, seed=cfg["seed"])

    def train_batches(self, epoch: int) -> Any:
        """The training batches from epoch ``epoch`` on (order and augmentation seeded)."""
        from kerazoo.data.batches import make_batches

        cfg = self.cfg
        augment = tuple(self.dataset.augmentations) if cfg["augment"] else ()
        return make_batches(
            self.splits.train,
            self.info,
            cfg["batch_size"],
            augment=augment,
            seed=cfg["seed"],
            epoch=epoch,
        )

    def find_rate(self) -> float:
        """``--lr find``: the finder's suggestion for this run's model, batches and optimizer
        (``lr_find.png`` and ``run.json``'s ``lr_find`` say what it saw)."""
        from kerazoo.training.lr_find import find_learning_rate
        from kerazoo.training.lr_find_draw import draw_lr_find

        self.fresh(None)
        self.say("Finding the learning rate (kerazoo lr-find) ...")
        finding = find_learning_rate(self.model, self.train_batches(0))
        finding.title = f"{self.arch.name} on {self.dataset.name}, --lr find"
        draw_lr_find(finding, self.dir / "lr_find.png")
        self.found = finding.to_dict()  # into run.json, once it is written
        self.say(f"{finding.summary()}\nTraining with learning rate {finding.suggestion:.3g}.")
        return float(finding.suggestion)

    def fit(self, done: int) -> tuple[int, dict[str, float] | None]:
        """One ``fit`` from epoch ``done``; return epochs done and the logs of a NaN epoch."""
        import keras

        from kerazoo.data.batches import make_batches

        cfg = self.cfg
        batches = self.placement.batches(self.train_batches(done))
        val = make_batches(self.splits.val, self.info, cfg["batch_size"], shuffle=False)
        val = self.placement.batches(val)
        self.csv = HistoryCSV(self.dir / "history.csv", self.history)
        self.curves = Curves(self.dir / "curves.png", self.history)
        _, best = best_value(self.history)
        keep = bool(cfg.get("keep_checkpoints"))
        checkpoint = Checkpoint(self.dir, metadata=self.metadata, best=best, keep=keep)
        callbacks = [
            keras.callbacks.TerminateOnNaN(),
            EpochSeeds(cfg["seed"]),
            *self.user_callbacks,
            self.csv,
            checkpoint,
            self.curves,
            StopWhenAsked(),
        ]
        self.history = self.csv.history  # the metadata reads the history as it grows
        self.tell_callbacks(done)
        with self.placement.scope():
            fit = self.model.fit(
                batches,
                validation_data=val,
                initial_epoch=done,
                epochs=cfg["epochs"],
                shuffle=False,
                verbose=self.verbose,
                callbacks=callbacks,
            )
        logs = {k: float(v[-1]) for k, v in fit.history.items() if v}
        epochs_run = len(next(iter(fit.history.values()), []))
        if logs and not finite(logs):
            return done + epochs_run - 1, logs
        if self.model.stop_training and done + epochs_run < cfg["epochs"]:
            self.say(f"Stopped early after epoch {done + epochs_run} at a callback's request.")
        return done + epochs_run, None

    def tell_callbacks(self, done: int) -> None:
        """Give callbacks that ask (``set_run``) the run folder, metadata and data."""
        from kerazoo.training.context import RunContext

        cfg = self.cfg
        steps = math.ceil(cfg["train_size"] / cfg["batch_size"])
        run = RunContext(self.dir, self.info, self.splits.val, steps, cfg["epochs"], done)
        for callback in self.user_callbacks:
            if callable(getattr(callback, "set_run", None)):
                callback.set_run(run)

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
            self.dir, learning_rate={"used": self.lr(), "backoffs": self.backoffs}
        )

    def back_off(self, epoch: int, logs: dict[str, float]) -> int:
        """Rebuild with half the learning rate, from the last good checkpoint; return epoch."""
        lr = self.lr()
        self.learning_rate = lr / 2
        path = self.dir / "checkpoint.keras"
        start = "the last good checkpoint" if path.is_file() else "new weights (no epoch ended)"
        loss = logs.get("loss", math.nan)
        self.say(
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
        from kerazoo.saving.load import load_model

        if not path.is_file():
            self.history = {}
            return 0
        good, _ = load_model(path)
        self.model.set_weights(good.get_weights())
        record = ModelInfo.of(good).training or TrainingInfo()
        self.history = {k: list(v) for k, v in record.history.items()}
        return int(record.epochs or 0)

    def finish(
        self, done: int, seconds: float
    ) -> tuple[Any, dict[str, list[float]], dict[str, Any]]:
        from kerazoo.saving.keras_file import save_model

        metadata = self.metadata(done)
        path = save_model(self.model, self.dir / "model.keras", metadata)
        self.test = self.evaluate_test(metadata)
        shown = ", ".join(f"{k} {v[-1]:.4g}" for k, v in self.history.items())
        self.say(
            f"Trained {self.arch.name} on {self.dataset.name} for {done} "
            f"epochs in {seconds:.1f}s: {shown}. Model saved to {path}"
        )
        if self.baseline is not None and not self.baseline.learned:
            warn_not_learned(self.baseline, self.dir, self.dataset, self.arch, done)
        return self.model, self.history, metadata.to_dict()

    def evaluate_test(self, metadata: ModelInfo) -> dict[str, float]:
        """Evaluate the final model on the held-out test split into ``evaluation/``."""
        test = self.splits.test
        if len(test) == 0:
            return {}
        from kerazoo.evaluation.score import evaluate_samples

        result = evaluate_samples(
            self.model,
            metadata,
            test,
            out=self.dir / "evaluation",
            batch_size=self.cfg["batch_size"],
        )
        shown = ", ".join(f"{k} {v:.4g}" for k, v in result.metrics.items())
        self.say(f"Test on {result.n} held-out images: {shown} (pictures in evaluation/)")
        self.baseline = compare_with_baseline(
            metadata.task, self.splits.train, test, result.metrics
        )
        return dict(result.metrics)
