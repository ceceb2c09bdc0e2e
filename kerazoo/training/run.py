"""Training runs: one call or one command from a dataset and an architecture to a saved model.

A run directory holds ``model.keras`` (final), ``best.keras`` (best by the validation
metric), ``checkpoint.keras`` (last completed epoch, optimizer state and progress included),
``history.csv``, ``curves.png`` and ``run.json`` (everything needed to repeat the run).
Every file is written to a temporary name in the same folder and renamed over the target, so
a kill at any moment leaves the previous good file loadable; ``resume=True`` continues a
killed run from its last completed epoch.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import platform
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

import kerazoo
from kerazoo.data.dataset import Dataset
from kerazoo.errors import DivergedError, InvalidOptionError
from kerazoo.files import copy_atomic, write_text_atomic
from kerazoo.models.architecture import Architecture
from kerazoo.registry import get_architecture, get_dataset
from kerazoo.training.session import run_long, run_progress, seeded

__all__ = ["Run", "train"]

#: Settings saved in run.json and read back by ``resume``, with their defaults.
DEFAULTS: dict[str, Any] = {
    "epochs": 5,
    "batch_size": 64,
    "optimizer": "adam",
    "learning_rate": None,
    "schedule": None,
    "encoding": None,
    "data_format": "auto",
    "train_size": 4000,
    "val_size": 1000,
    "seed": 0,
    "augment": False,
    "deterministic": False,
    "lr_backoff": False,
    "precision": "float32",
    "jit_compile": "auto",
}
MAX_BACKOFFS = 6
PLOT_EVERY_S = 60.0  # curves.png is redrawn at most this often during a run, and at its end


@dataclass
class Run:
    """What a training run produced.

    Attributes:
        model: the trained ``keras.Model``.
        history: per-epoch values, ``{"loss": [...], "val_accuracy": [...], ...}``.
        dir: the run directory.
        metadata: the ``kerazoo.json`` written into the saved model.
    """

    model: Any
    history: dict[str, list[float]]
    dir: Path
    metadata: dict[str, Any] = field(repr=False)

    @property
    def model_path(self) -> Path:
        """The final model, ``model.keras``."""
        return self.dir / "model.keras"

    @property
    def best_path(self) -> Path:
        """The best model by validation metric, ``best.keras``."""
        return self.dir / "best.keras"

    @property
    def metrics(self) -> dict[str, float]:
        """The last epoch's metrics."""
        return {k: v[-1] for k, v in self.history.items() if v}


def _monitor(history: Mapping[str, list[float]]) -> tuple[str, str]:
    for key in ("val_accuracy", "val_mae", "val_loss"):
        if key in history:
            return key, "max" if key.endswith("accuracy") else "min"
    return "loss", "min"


def _finite(logs: Mapping[str, float]) -> bool:
    return all(math.isfinite(float(v)) for v in logs.values())


def _history_csv(history: Mapping[str, list[float]]) -> str:
    buf = io.StringIO()
    keys = list(history)
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["epoch", *keys])
    for i in range(len(next(iter(history.values()), []))):
        writer.writerow([i + 1, *(f"{history[k][i]:.6g}" for k in keys)])
    return buf.getvalue()


def _resolve(
    dataset: str | Dataset,
    architecture: str | Architecture,
    data: Mapping[str, Any],
    hp: Mapping[str, Any],
) -> tuple[Dataset, Architecture]:
    if isinstance(dataset, str):
        dataset = get_dataset(dataset, **data)
    elif data:
        raise InvalidOptionError("data= options go with a dataset name, not a Dataset object.")
    if isinstance(architecture, str):
        architecture = get_architecture(architecture, **hp)
    elif hp:
        raise InvalidOptionError("hp= values go with an architecture name, not an object.")
    return dataset, architecture


def _settings_for_resume(run_dir: Path, given: dict[str, Any]) -> dict[str, Any]:
    path = run_dir / "run.json"
    if not path.is_file():
        raise InvalidOptionError(
            f"Cannot resume {run_dir}: it has no run.json, so it is not a kerazoo run "
            "directory (or the run was killed before its first epoch; start it again)."
        )
    saved = json.loads(path.read_text())
    settings = dict(saved["settings"])
    changed = sorted(
        k for k, v in given.items() if k != "epochs" and v is not None and v != settings.get(k)
    )
    if changed:
        was = ", ".join(f"{k}={settings.get(k)!r}" for k in changed)
        raise InvalidOptionError(
            f"A resumed run keeps its settings; only epochs may change. {run_dir} was "
            f"started with {was}. Leave those out, or start a new run with another --out."
        )
    if given.get("epochs") is not None:
        settings["epochs"] = given["epochs"]  # resuming may extend a run
    return {**settings, "dataset": saved["dataset"], "architecture": saved["architecture"]}


def train(
    dataset: str | Dataset,
    architecture: str | Architecture,
    *,
    data: Mapping[str, Any] | None = None,
    hp: Mapping[str, Any] | None = None,
    out: str | os.PathLike[str] | None = None,
    resume: bool = False,
    verbose: int | str = "auto",
    callbacks: list[Any] | None = None,
    **settings: Any,
) -> Run:
    """Train ``architecture`` on ``dataset`` and save everything in a run directory.

    Args:
        dataset: a dataset name (configured by ``data``) or a :class:`kerazoo.Dataset`.
        architecture: an architecture name (configured by ``hp``) or an Architecture.
        data: dataset options, e.g. ``{"size": 32}``.
        hp: architecture hyperparameters, e.g. ``{"blocks": 2}``.
        out: the run directory (default ``runs/DATASET-ARCH-TIME``); must be new or empty
            unless ``resume``.
        resume: continue the killed or finished run in ``out`` from its last completed
            epoch, with its saved settings (``epochs`` may be raised).
        verbose: 0 silent, 1 progress bar, 2 one line per epoch; "auto" picks 1 on a
            terminal, else 2.
        callbacks: extra Keras callbacks.
        **settings: ``epochs``, ``batch_size``, ``optimizer``, ``learning_rate``,
            ``schedule``, ``encoding``, ``data_format``, ``train_size``, ``val_size``,
            ``seed``, ``augment``, ``deterministic``, ``lr_backoff``, ``precision``,
            ``jit_compile`` (defaults in ``kerazoo.training.run.DEFAULTS``).

    Returns:
        A :class:`Run` with the model, history and paths.

    Raises:
        DivergedError: the loss became NaN or infinite (and ``lr_backoff`` is off or used
            up); the last good checkpoint is kept.

    Example:
        >>> import kerazoo
        >>> run = kerazoo.train("shapes", "lenet", epochs=2, data={"size": 32})  # doctest: +SKIP
        >>> run.metrics["val_accuracy"] > 0.9                                   # doctest: +SKIP
        True
    """
    unknown = set(settings) - set(DEFAULTS)
    if unknown:
        from kerazoo.errors import UnknownNameError, did_you_mean

        name = sorted(unknown)[0]
        raise UnknownNameError(
            f"Unknown training setting {name!r}.{did_you_mean(name, DEFAULTS)} "
            f"Valid settings: {', '.join(DEFAULTS)}."
        )
    run_dir = Path(out) if out is not None else None
    if resume:
        if run_dir is None:
            raise InvalidOptionError("resume needs the run directory: pass out=RUNDIR.")
        saved = _settings_for_resume(run_dir, settings)
        dataset = get_dataset(saved["dataset"]["name"], **saved["dataset"]["options"])
        architecture = get_architecture(
            saved["architecture"]["name"], **saved["architecture"]["hyperparameters"]
        )
        cfg = {k: saved.get(k, v) for k, v in DEFAULTS.items()}
    else:
        dataset, architecture = _resolve(dataset, architecture, data or {}, hp or {})
        cfg = {**DEFAULTS, **{k: v for k, v in settings.items() if v is not None}}
        if run_dir is None:
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            run_dir = Path("runs") / f"{type(dataset).name}-{type(architecture).name}-{stamp}"
        if run_dir.exists() and any(run_dir.iterdir()):
            raise InvalidOptionError(
                f"The run directory {run_dir} already exists and is not empty. Pass "
                "--resume to continue that run, or choose another --out."
            )
    for key in ("epochs", "batch_size", "train_size", "val_size"):
        if not isinstance(cfg[key], int) or cfg[key] < 1:
            raise InvalidOptionError(f"{key} must be a positive integer, got {cfg[key]!r}.")
    if verbose == "auto":
        verbose = 1 if sys.stdout.isatty() else 2
    run_dir.mkdir(parents=True, exist_ok=True)
    with seeded(int(cfg["seed"]), bool(cfg["deterministic"])):
        return _Trainer(dataset, architecture, cfg, run_dir, int(verbose), callbacks).run(resume)


class _Trainer:
    """One run: data, model, the epoch loop, checkpoints. Private; use :func:`train`."""

    def __init__(
        self,
        dataset: Dataset,
        arch: Architecture,
        cfg: dict[str, Any],
        run_dir: Path,
        verbose: int,
        callbacks: list[Any] | None,
    ) -> None:
        self.dataset, self.arch, self.cfg, self.dir = dataset, arch, cfg, run_dir
        self.verbose = verbose
        self.callbacks = [run_long(c) for c in callbacks or []]
        self.history: dict[str, list[float]] = {}
        self.learning_rate = cfg["learning_rate"]
        self.plotted = -math.inf

    def say(self, text: str) -> None:
        if self.verbose:
            print(text, flush=True)

    # -- pieces ------------------------------------------------------------------------
    def build(self, learning_rate: float | None) -> Any:
        from kerazoo.models.build import build

        steps = math.ceil(self.cfg["train_size"] / self.cfg["batch_size"])
        return build(
            self.arch,
            self.dataset,
            encoding=self.cfg["encoding"],
            data_format=self.cfg["data_format"],
            optimizer=self.cfg["optimizer"],
            learning_rate=learning_rate,
            schedule=self.cfg["schedule"],
            steps_per_epoch=steps,
            epochs=self.cfg["epochs"],
            precision=self.cfg["precision"],
            jit_compile=self.cfg["jit_compile"],
            adapt=self.splits.train.images,
            seed=self.cfg["seed"],
        )

    def metadata(self, epochs_done: int) -> dict[str, Any]:
        meta = json.loads(json.dumps(self.info))
        meta["dataset"]["seed"] = self.cfg["seed"]
        monitor, mode = _monitor(self.history)
        values = self.history.get(monitor, [])
        best = (max if mode == "max" else min)(values) if values else None
        meta["training"] = {
            "epochs": epochs_done,
            "epochs_planned": self.cfg["epochs"],
            "batch_size": self.cfg["batch_size"],
            "learning_rate": self.learning_rate,
            "metrics": {k: v[-1] for k, v in self.history.items() if v},
            "best": {"monitor": monitor, "value": best},
            "history": self.history,
        }
        return meta

    def write_run_json(self) -> None:
        import keras

        doc = {
            "kerazoo": kerazoo.__version__,
            "keras": keras.__version__,
            "backend": keras.backend.backend(),
            "python": platform.python_version(),
            "command": sys.argv if Path(sys.argv[0]).name in ("kerazoo", "__main__.py") else None,
            "dataset": {
                "name": type(self.dataset).name,
                "options": self.dataset.options_json(),
                "seed": self.cfg["seed"],
                "plugin": type(self.dataset).plugin,
            },
            "architecture": {
                "name": type(self.arch).name,
                "hyperparameters": self.arch.hyperparameters_json(),
                "plugin": type(self.arch).plugin,
            },
            "resolved": {k: self.info.get(k) for k in ("task", "input", "compile")},
            "settings": self.cfg,
        }
        write_text_atomic(self.dir / "run.json", json.dumps(doc, indent=2) + "\n")

    def save(self, name: str, epochs_done: int) -> Path:
        from kerazoo.saving.model_file import save_model

        return Path(save_model(self.model, self.dir / name, self.metadata(epochs_done)))

    def restore(self) -> int:
        """Load checkpoint.keras; return the number of completed epochs."""
        from kerazoo.saving.model_file import load_model

        path = self.dir / "checkpoint.keras"
        if not path.is_file():
            return 0
        self.model, meta = load_model(path)
        self.info = {k: v for k, v in meta.items() if k != "training"}
        self.history = {k: list(v) for k, v in meta["training"]["history"].items()}
        self.learning_rate = meta["training"].get("learning_rate", self.learning_rate)
        return int(meta["training"]["epochs"])

    # -- the loop ----------------------------------------------------------------------
    def run(self, resume: bool) -> Run:
        import keras

        from kerazoo.data.batches import make_batches

        cfg = self.cfg
        t0 = time.perf_counter()
        self.splits = self.dataset.split(cfg["train_size"], cfg["val_size"], seed=cfg["seed"])
        done = self.restore() if resume else 0
        if done == 0:
            from kerazoo.models.build import info

            self.model = self.build(self.learning_rate)
            self.info = info(self.model)
        if done == 0 or not (self.dir / "run.json").exists():
            self.write_run_json()
        if done >= cfg["epochs"]:
            self.say(f"The run in {self.dir} already completed {done} epochs; nothing to do.")
        augment = tuple(self.dataset.augmentations) if cfg["augment"] else ()
        val = make_batches(self.splits.val, self.info, cfg["batch_size"], shuffle=False)
        backoffs = 0
        epoch = done
        while epoch < cfg["epochs"]:
            batches = make_batches(
                self.splits.train,
                self.info,
                cfg["batch_size"],
                shuffle=True,
                augment=augment,
                seed=cfg["seed"] * 100_003 + epoch,
            )
            fit = self.model.fit(
                batches,
                validation_data=val,
                initial_epoch=epoch,
                epochs=epoch + 1,
                shuffle=False,  # the batches are shuffled per epoch from the seed
                verbose=self.verbose,
                callbacks=[
                    keras.callbacks.TerminateOnNaN(),
                    run_progress(cfg["epochs"]),
                    *self.callbacks,
                ],
            )
            logs = {k: float(v[-1]) for k, v in fit.history.items()}
            if not logs or not _finite(logs):
                if cfg["lr_backoff"] and backoffs < MAX_BACKOFFS:
                    backoffs += 1
                    epoch = self.back_off(epoch, logs)
                    continue
                self.plot()
                raise self.diverged(epoch, logs)
            for k, v in logs.items():
                self.history.setdefault(k, []).append(v)
            epoch += 1
            self.checkpoint(epoch)
            if self.model.stop_training:  # a callback such as EarlyStopping asked to stop
                self.say(f"Stopped early after epoch {epoch} at a callback's request.")
                break
        self.finish(epoch, time.perf_counter() - t0)
        return Run(self.model, self.history, self.dir, self.metadata(epoch))

    def plot(self, every: float = 0.0) -> None:
        """Redraw curves.png, unless it was drawn less than ``every`` seconds ago."""
        if not self.history or time.monotonic() - self.plotted < every:
            return
        from kerazoo.training.curves import plot_curves

        plot_curves(self.history, self.dir / "curves.png")
        self.plotted = time.monotonic()

    def checkpoint(self, epochs_done: int) -> None:
        """After a good epoch: history, the resume checkpoint, best model, curves."""
        write_text_atomic(self.dir / "history.csv", _history_csv(self.history))
        ckpt = self.save("checkpoint.keras", epochs_done)
        monitor, mode = _monitor(self.history)
        values = self.history[monitor]
        if values[-1] == (max if mode == "max" else min)(values):
            copy_atomic(ckpt, self.dir / "best.keras")  # the same bytes: no second save
        self.plot(every=PLOT_EVERY_S)

    def lr_now(self) -> float:
        lr = self.model.optimizer.learning_rate
        try:
            return float(np.asarray(lr))
        except (TypeError, ValueError):
            return float(self.learning_rate or 0.0)

    def diverged(self, epoch: int, logs: Mapping[str, float]) -> DivergedError:
        lr = self.learning_rate if self.learning_rate is not None else self.lr_now()
        kept = self.dir / "checkpoint.keras"
        where = (
            f"The last good checkpoint (epoch {epoch}) is kept in {kept}."
            if kept.exists()
            else "No epoch had finished, so there is no checkpoint."
        )
        loss = logs.get("loss", float("nan"))
        return DivergedError(
            f"Training diverged in epoch {epoch + 1}: the loss became {loss} with learning "
            f"rate {lr:g}. {where} Use a smaller learning rate (halving it until the loss "
            f"stays finite is the usual rule: try --lr {lr / 2:g}), or pass --lr-backoff to "
            "retry automatically from the last good checkpoint with half the rate."
        )

    def back_off(self, epoch: int, logs: Mapping[str, float]) -> int:
        """Rebuild with half the learning rate, from the last good checkpoint; return epoch."""
        lr = self.learning_rate if self.learning_rate is not None else self.lr_now()
        self.learning_rate = lr / 2
        self.say(
            f"Loss became {logs.get('loss', float('nan'))} in epoch {epoch + 1} at learning "
            f"rate {lr:g}: retrying from the last good checkpoint with {lr / 2:g}."
        )
        from kerazoo.saving.model_file import load_model

        fresh = self.build(self.learning_rate)
        path = self.dir / "checkpoint.keras"
        if path.is_file():
            good, meta = load_model(path)
            fresh.set_weights(good.get_weights())
            self.history = {k: list(v) for k, v in meta["training"]["history"].items()}
            epoch = int(meta["training"]["epochs"])
        else:
            self.history, epoch = {}, 0
        self.model = fresh
        return epoch

    def finish(self, epochs_done: int, seconds: float) -> None:
        last = {k: v[-1] for k, v in self.history.items() if v}
        for callback in self.callbacks:
            callback.inner.on_train_end(last)
        path = self.save("model.keras", epochs_done)  # after on_train_end: it may set weights
        self.plot()
        shown = ", ".join(f"{k} {v[-1]:.4g}" for k, v in self.history.items())
        self.say(
            f"Trained {type(self.arch).name} on {type(self.dataset).name} for {epochs_done} "
            f"epochs in {seconds:.1f}s: {shown}. Model saved to {path}"
        )
