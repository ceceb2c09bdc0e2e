"""The files of a run directory, written by ordinary Keras callbacks.

* :class:`Checkpoint` saves ``checkpoint.keras`` after every epoch (optimizer state and
  progress included) and gives the same file the name ``best.keras`` when the monitored
  value improves (and, with ``keep=True``, ``checkpoints/epoch-NNN.keras``);
* :class:`HistoryCSV` writes ``history.csv``;
* :class:`Curves` draws ``curves.png`` (every minute of training, and at the end);
* :class:`EpochSeeds` reseeds the model's random layers (dropout and the like) at the start
  of every epoch from the run's seed and the epoch number, so a resumed run draws the same
  random numbers as one never interrupted (Keras does not save a ``SeedGenerator``'s state
  in a ``.keras`` file, and draws a new seed for it when the file is loaded).

Each one is added to ``fit`` like any Keras callback, and each writes atomically (a
temporary file renamed over the target), so a kill at any moment leaves the previous good
file. An epoch whose logs hold a NaN or infinite value is not written. They share one
monitor rule, :func:`pick_monitor`. This module imports Keras: import it where training
happens, not from ``kerazoo``'s light modules.

Example:
    >>> from kerazoo.training._callbacks import Checkpoint, Curves, HistoryCSV
    >>> model.fit(batches, epochs=5, callbacks=[HistoryCSV("run/history.csv"),
    ...           Checkpoint("run"), Curves("run/curves.png")])          # doctest: +SKIP
"""

from __future__ import annotations

import csv
import io
import math
import os
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import keras
import numpy as np

from kerazoo._files import link_atomic, write_text_atomic
from kerazoo.training._interrupt import stop_asked

__all__ = [
    "Checkpoint",
    "Curves",
    "EpochSeeds",
    "HistoryCSV",
    "StopOnNaN",
    "StopWhenAsked",
    "best_value",
    "pick_monitor",
]

_MONITORS = ("val_accuracy", "val_mae", "val_loss")


def pick_monitor(keys: Iterable[str]) -> tuple[str, str]:
    """The value that says which epoch is best, and whether higher (``max``) is better.

    ``val_accuracy`` (max), else ``val_mae`` (min), else ``val_loss`` (min), else ``loss``.

    Example:
        >>> pick_monitor(["loss", "val_loss", "val_accuracy"])
        ('val_accuracy', 'max')
    """
    keys = set(keys)
    for key in _MONITORS:
        if key in keys:
            return key, "max" if key.endswith("accuracy") else "min"
    return "loss", "min"


def best_value(history: Mapping[str, list[float]]) -> tuple[str, float | None]:
    """The monitor of ``history`` and its best value so far (``None`` before any epoch).

    Example:
        >>> best_value({"loss": [0.9, 0.4], "val_loss": [1.0, 1.2]})
        ('val_loss', 1.0)
    """
    monitor, mode = pick_monitor(history)
    values = history.get(monitor) or []
    return monitor, ((max if mode == "max" else min)(values) if values else None)


def finite(logs: Mapping[str, Any]) -> bool:
    """Whether every value in ``logs`` is a finite number."""
    return all(math.isfinite(float(v)) for v in logs.values())


class _RunLog(keras.callbacks.Callback):
    """Keeps the run's per-epoch history, epochs before a resume included."""

    def __init__(self, history: Mapping[str, list[float]] | None = None) -> None:
        super().__init__()
        self.history = {k: list(v) for k, v in (history or {}).items()}

    def record(self, epoch: int, logs: Mapping[str, Any] | None) -> bool:
        """Add epoch ``epoch``'s logs (replacing any later epochs); False if not finite."""
        logs = dict(logs or {})
        if not logs or not finite(logs):
            return False
        for values in self.history.values():
            del values[epoch:]
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))
        return True


class HistoryCSV(_RunLog):
    """Write ``history.csv`` (one row per epoch, from 1) after every finite epoch.

    Args:
        path: the CSV file.
        history: the epochs already done, when a run is resumed.

    Example:
        >>> model.fit(batches, epochs=3, callbacks=[HistoryCSV("history.csv")])  # doctest: +SKIP
    """

    def __init__(
        self, path: str | os.PathLike[str], history: Mapping[str, list[float]] | None = None
    ) -> None:
        super().__init__(history)
        self.path = Path(path)

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        if self.record(epoch, logs):
            write_text_atomic(self.path, history_csv(self.history))


def history_csv(history: Mapping[str, list[float]]) -> str:
    """The text of ``history.csv``: ``epoch`` then one column per metric."""
    buf = io.StringIO()
    keys = list(history)
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["epoch", *keys])
    for i in range(len(next(iter(history.values()), []))):
        writer.writerow([i + 1, *(f"{history[k][i]:.6g}" for k in keys)])
    return buf.getvalue()


class Curves(_RunLog):
    """Draw loss and metric curves to a PNG, every ``every`` seconds of training and at the end.

    A run shorter than ``every`` seconds is drawn once, at its end: drawing costs about as
    much as a few hundred training steps of a small network.

    Args:
        path: the PNG file.
        history: the epochs already done, when a run is resumed.
        every: the least number of seconds between two drawings during training.

    Example:
        >>> model.fit(batches, epochs=3, callbacks=[Curves("curves.png")])  # doctest: +SKIP
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        history: Mapping[str, list[float]] | None = None,
        every: float = 60.0,
    ) -> None:
        super().__init__(history)
        self.path, self.every, self.drawn = Path(path), every, -math.inf

    def on_train_begin(self, logs: Mapping[str, Any] | None = None) -> None:
        self.drawn = time.monotonic()

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        if self.record(epoch, logs) and time.monotonic() - self.drawn >= self.every:
            self.draw()

    def on_train_end(self, logs: Mapping[str, Any] | None = None) -> None:
        self.draw()

    def draw(self) -> None:
        """Redraw the PNG now (nothing before the first epoch)."""
        if not self.history:
            return
        from kerazoo.training._curves import plot_curves

        plot_curves(self.history, self.path)
        self.drawn = time.monotonic()


class Checkpoint(keras.callbacks.Callback):
    """Save ``checkpoint.keras`` after every finite epoch, and ``best.keras`` when it improves.

    The checkpoint keeps the optimizer state, so training continues from it exactly;
    ``best.keras`` is the same bytes, made when the monitored value (see
    :func:`pick_monitor`) is the best so far. With ``keep``, every epoch's checkpoint is
    also kept as ``checkpoints/epoch-NNN.keras`` (epochs from 1; the same bytes; an epoch
    run again after a learning-rate back-off replaces its file), each one a model that
    loads, predicts and could be resumed from. Both are a second name of the checkpoint
    file (a hard link; a copy where the file system has none): the checkpoint is never
    changed in place but replaced by a new file, so they keep their bytes.

    Every save is atomic (a kill leaves the previous complete file) and complete (the
    optimizer state included). The first is Keras' own ``save_model``; the later ones
    write the same file with the new numbers (:class:`kerazoo.saving._resave.Resaver`:
    about 8 ms of CPU instead of 40 ms for a LeNet, a tenth of a second of each JAX epoch
    on 2 cores before), and fall back to Keras' own save whenever the model's layout or
    config changed.

    Args:
        directory: where the two files go.
        metadata: ``epochs_done -> ModelInfo`` (or its dict) for the saved file (default:
            the model's own metadata from the builder).
        monitor: a log name, or ``"auto"`` for :func:`pick_monitor`.
        mode: ``"max"`` or ``"min"`` (ignored with ``monitor="auto"``).
        best: the best value so far, when a run is resumed.
        keep: also keep each epoch's checkpoint in ``checkpoints/``.

    Example:
        >>> model.fit(batches, validation_data=val, epochs=3,
        ...           callbacks=[Checkpoint("run")])                      # doctest: +SKIP
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        metadata: Callable[[int], Any] | None = None,
        monitor: str = "auto",
        mode: str = "max",
        best: float | None = None,
        keep: bool = False,
    ) -> None:
        super().__init__()
        self.dir, self.metadata, self.keep = Path(directory), metadata, keep
        self.monitor, self.mode, self.best = monitor, mode, best
        from kerazoo.saving._resave import Resaver

        self.saver = Resaver()

    @property
    def path(self) -> Path:
        """The resume checkpoint, ``checkpoint.keras``."""
        return self.dir / "checkpoint.keras"

    def epoch_path(self, epochs_done: int) -> Path:
        """Where ``keep`` puts the checkpoint after ``epochs_done`` epochs.

        Example:
            >>> Checkpoint("run").epoch_path(3).as_posix()
            'run/checkpoints/epoch-003.keras'
        """
        return self.dir / "checkpoints" / f"epoch-{epochs_done:03d}.keras"

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        logs = dict(logs or {})
        if not logs or not finite(logs):
            return
        meta = self.metadata(epoch + 1) if self.metadata is not None else None
        self.saver.save(self.model, self.path, meta)
        if self.keep:
            self.epoch_path(epoch + 1).parent.mkdir(exist_ok=True)
            link_atomic(self.path, self.epoch_path(epoch + 1))
        monitor, mode = pick_monitor(logs) if self.monitor == "auto" else (self.monitor, self.mode)
        value = float(logs.get(monitor, math.nan))
        if self.best is None or (value > self.best if mode == "max" else value < self.best):
            self.best = value
            link_atomic(self.path, self.dir / "best.keras")  # the same bytes: no second save
        elif not (self.dir / "best.keras").exists():
            link_atomic(self.path, self.dir / "best.keras")


class EpochSeeds(keras.callbacks.Callback):
    """Reseed every random generator of the model at the start of each epoch.

    Each ``keras.random.SeedGenerator`` of the model (one per ``Dropout`` layer, for
    example) is set from ``(seed, its position in the model, epoch)`` alone, so the random
    numbers of epoch ``e`` do not depend on the epochs before it: a run resumed at epoch
    ``e`` from a checkpoint draws exactly what the unbroken run drew. (A ``.keras`` file
    does not keep a generator's state, and loading one seeds it afresh.)

    Args:
        seed: the run's seed.

    Example:
        >>> model.fit(batches, epochs=3, callbacks=[EpochSeeds(seed=0)])  # doctest: +SKIP
    """

    def __init__(self, seed: int) -> None:
        super().__init__()
        self.seed = int(seed)

    def on_epoch_begin(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        for i, state in enumerate(seed_states(self.model)):
            entropy = [self.seed & 0xFFFFFFFFFFFFFFFF, i, int(epoch)]
            first = int(np.random.SeedSequence(entropy).generate_state(1)[0]) & 0x7FFFFFFF
            state.assign(np.array([first, 0], dtype=state.dtype))


def seed_states(model: Any) -> list[Any]:
    """The state variables of ``model``'s ``SeedGenerator``s, in the model's layer order.

    ``model.variables`` is every piece of state, seeds included; ``model.weights`` leaves
    the seeds out, so the difference is the seeds.
    """
    weights = {id(v) for v in model.weights}
    return [v for v in model.variables if id(v) not in weights and v.name == "seed_generator_state"]


class StopWhenAsked(keras.callbacks.Callback):
    """Stop before the next batch once Ctrl-C or SIGTERM asked to, even if the
    ``KeyboardInterrupt`` the signal raised was lost (see :mod:`kerazoo.training._interrupt`).

    It looks before each batch, not after: Keras runs every callback with a batch-end hook
    in step with the training (on JAX each step then waits for the one before to finish),
    while batch-begin hooks leave its asynchronous dispatch alone.
    """

    def _check(self) -> None:
        if stop_asked():
            raise KeyboardInterrupt

    def on_train_batch_begin(self, batch: int, logs: Any = None) -> None:
        self._check()

    def on_test_batch_begin(self, batch: int, logs: Any = None) -> None:
        self._check()

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        self._check()


class StopOnNaN(keras.callbacks.TerminateOnNaN):
    """Keras' ``TerminateOnNaN``, run beside the training on JAX instead of in step with it.

    ``TerminateOnNaN`` reads the loss after every batch; run in step, that read makes each
    step wait for the one before, and JAX dispatches steps asynchronously. Marked
    ``async_safe`` there, Keras runs it in its callback thread: the run stops at most a few
    batches after the loss stops being finite, and the epoch's logs still show it. Measured
    on 2 CPU cores, LeNet on 2,000 32x32 images, 2 epochs, 4 alternating rounds: with
    TerminateOnNaN and a batch-end interrupt check, ``fit`` took 1.086x the time it takes
    with no callback on JAX; with this and a batch-begin check 1.018x. On TensorFlow the
    thread made it slower (1.146x against 1.004x in step), so there it stays in step.
    """

    def __init__(self) -> None:
        super().__init__()
        self.async_safe = keras.backend.backend() == "jax"
