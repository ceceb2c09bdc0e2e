"""What a run tells the callbacks that ask: its folder, its model's metadata, its data.

A callback passed to :func:`kerazoo.train` that has a ``set_run(run)`` method is called with a
:class:`RunContext` before training starts (and again after a learning-rate back-off), so it
can write into the run folder and probe the model on the run's own validation images without
being told where they are. Callbacks used with a bare ``model.fit`` take the same things as
arguments instead. Plain Python: no keras.

Example:
    >>> class Probe(keras.callbacks.Callback):                          # doctest: +SKIP
    ...     def set_run(self, run):
    ...         self.folder, self.probe = run.dir, run.val.images[:1]
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kerazoo.data._dataset import Samples
from kerazoo.saving._info import ModelInfo

__all__ = ["RunContext"]


@dataclass(frozen=True)
class RunContext:
    """A training run, as its callbacks see it.

    Attributes:
        dir: the run folder (files written here belong to the run).
        info: the model's metadata (task, input contract, layer roles).
        val: the validation samples (raw ``uint8`` images, labels, masks), never trained on.
        steps_per_epoch: batches in one epoch.
        epochs: epochs in the whole run.
        initial_epoch: epochs already done when this ``fit`` starts (resume, back-off).
    """

    dir: Path
    info: ModelInfo
    val: Samples
    steps_per_epoch: int
    epochs: int
    initial_epoch: int
