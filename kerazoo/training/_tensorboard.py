"""TensorBoard event files of a run: ``RUN/tensorboard/train`` and ``RUN/tensorboard/validation``.

Written by Keras' own ``keras.callbacks.TensorBoard`` (``tf.summary``, on either backend),
once per epoch: the epoch's loss and metrics (``epoch_loss``, ``epoch_accuracy``, ... in the
``train`` run, the same names without ``val_`` in the ``validation`` run) and the learning
rate (``epoch_learning_rate``), at step = the epoch's index from 0, so
``tensorboard --logdir runs`` shows every run side by side. Nothing is written per batch, and
nothing is traced or profiled, and the batch hooks are Keras' own no-ops: the training step
holds no TensorFlow op, and on JAX the steps stay asynchronous; the cost is one small write
per epoch (measured in ``benchmarks/bench_tensorboard.py``).

A resumed run (``kerazoo train --resume``) adds a new event file to the same folders and
goes on at the next epoch's step. The callback runs after :class:`Checkpoint`, so an epoch
is in the event files only once its checkpoint is saved (a kill in between leaves a gap,
never an epoch written twice), and an epoch whose logs are not finite is not written (a
learning-rate back-off trains that epoch again). Keras' per-iteration ``evaluation_*``
scalars are left out: after a back-off the optimizer's iterations start again.

Without TensorFlow (a JAX-only install), or without the ``tensorboard`` package (where
``tf.summary.scalar`` is implemented; a dependency of kerazoo, but it can be removed), the
run trains as usual, says so once with a warning, and ``run.json``'s ``tensorboard`` says
why nothing was written. This module imports Keras: import it where training happens.

Example:
    >>> callbacks = tensorboard_callbacks(Path("runs/r"))              # doctest: +SKIP
"""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path
from typing import Any

import keras

from kerazoo.training._callbacks import finite

__all__ = ["TENSORBOARD_DIR", "EpochTensorBoard", "tensorboard_callbacks", "tensorboard_record"]

#: The run folder's TensorBoard folder (``train``, ``validation``, and ``test`` from compare).
TENSORBOARD_DIR = "tensorboard"


def _not_written(missing: str) -> str:
    return (
        "TensorBoard event files are not written: they need TensorFlow's tf.summary, which "
        f"needs the {missing} package, and {missing} is not installed (pip install "
        f"{missing}, or train with --no-tensorboard)."
    )


class EpochTensorBoard(keras.callbacks.TensorBoard):
    """``keras.callbacks.TensorBoard`` writing only per-epoch scalars and the learning rate.

    Args:
        log_dir: the run's ``tensorboard`` folder.
    """

    def __init__(self, log_dir: str | Path) -> None:
        super().__init__(
            log_dir=str(log_dir),
            histogram_freq=0,
            write_graph=False,
            update_freq="epoch",
            profile_batch=0,
        )

    # Keras' own no-op batch hooks: its TensorBoard's per-batch summary calls run TensorFlow
    # ops on every batch (to no writer, per epoch), and any batch-end hook makes Keras run
    # every callback in step with the training (on JAX each step then waits for the last).
    on_train_batch_begin = keras.callbacks.Callback.on_train_batch_begin
    on_train_batch_end = keras.callbacks.Callback.on_train_batch_end
    on_test_batch_begin = keras.callbacks.Callback.on_test_batch_begin
    on_test_batch_end = keras.callbacks.Callback.on_test_batch_end

    def on_test_end(self, logs: Any = None) -> None:
        """Nothing: the validation values are written per epoch (``epoch_*``)."""

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        if logs and finite(logs):
            super().on_epoch_end(epoch, logs)


def _missing() -> str | None:
    """The package ``tf.summary`` needs that is not installed: ``tensorflow``, or
    ``tensorboard`` (where ``tf.summary.scalar`` is implemented); ``None`` when both are."""
    for name in ("tensorflow", "tensorboard"):
        try:
            if importlib.util.find_spec(name) is None:
                return name
        except (ImportError, ValueError):  # a module entry of None: blocked on purpose
            return name
    return None


def summaries_available() -> bool:
    """Whether ``tf.summary`` can write (TensorFlow and TensorBoard are installed)."""
    return _missing() is None


def tensorboard_callbacks(run_dir: Path) -> list[Any]:
    """The run's TensorBoard callback, or none (and a warning) without ``tf.summary``."""
    missing = _missing()
    if missing is not None:
        warnings.warn(_not_written(missing), UserWarning, stacklevel=2)
        return []
    return [EpochTensorBoard(Path(run_dir) / TENSORBOARD_DIR)]


def tensorboard_record(enabled: bool) -> dict[str, Any]:
    """What ``run.json``'s ``tensorboard`` says: the folder, or why none was written."""
    if not enabled:
        return {"written": False, "why": "turned off (--no-tensorboard)"}
    missing = _missing()
    if missing is not None:
        return {"written": False, "why": _not_written(missing)}
    return {"written": True, "dir": TENSORBOARD_DIR}
