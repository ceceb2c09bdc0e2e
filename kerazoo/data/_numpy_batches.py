"""Batches as numpy arrays, for ``fit`` on JAX and every backend but TensorFlow.

:class:`NumpyBatches` is a ``keras.utils.PyDataset``: Keras knows its length (progress bar,
steps), asks for batch ``i`` of the current epoch by index and calls ``on_epoch_end`` after
each epoch. A batch is numpy fancy indexing of the whole arrays (what ``model.fit(x, y)`` does
on JAX), so no TensorFlow is started and no tensor is converted.

Epochs follow the same rule as the ``tf.data`` batches (see :mod:`kerazoo.data._batches`):
epoch ``e``'s order and augmentation come only from ``default_rng(seed * 100_003 + e)``, the
augmentation drawn batch after batch in order, so both paths give the same pixels.

* Keras (``fit``, ``evaluate``): the epoch moves on at ``on_epoch_end`` once every batch of
  it was served. A look at one batch before training (Keras does so to build a model's
  metrics) takes no epoch away; the batch is served again, the same, in the epoch.
* ``iter(batches)`` (a ``for`` loop, the learning-rate finder): each pass is a new epoch, as
  with a ``tf.data.Dataset``.

Batches are made in the calling thread (``workers=1``): the draws of an augmented epoch are
sequential. Asked out of order (``fit(..., shuffle=True)`` shuffles the batches of a
PyDataset), augmented batches skipped over are kept until asked for, so each is still the
batch its index names.

Private; :func:`kerazoo.make_batches` returns one on those backends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import keras
import numpy as np

__all__ = ["NumpyBatches"]

_SCALE = np.float32(1.0 / 255.0)  # as tf.cast(x, float32) * (1 / 255): the same floats


class NumpyBatches(keras.utils.PyDataset):
    """``(uint8 pixels, targets)`` batches of numpy arrays, one epoch per pass.

    Args:
        x: pixels in the model's layout, ``uint8``.
        y: encoded targets, or ``None`` for reconstruction (targets: pixels / 255).
        batch_size: samples per batch.
        epochs: the epoch counter (``kerazoo.data._batches._Epochs``): ``take()`` hands out
            the next epoch number, ``draw(e)`` epoch ``e``'s order and generator.
        augment: ``None``, or a function ``(index array, rng) -> pixels in the model's
            layout`` that augments one batch.
    """

    def __init__(
        self,
        x: np.ndarray,
        y: np.ndarray | None,
        batch_size: int,
        epochs: Any,
        augment: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None,
    ) -> None:
        super().__init__(workers=1, use_multiprocessing=False)
        self.x, self.y, self.batch_size = x, y, int(batch_size)
        self.epochs, self.augment = epochs, augment
        self.current: _Epoch | None = None

    def __len__(self) -> int:
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        if not 0 <= index < len(self):
            raise IndexError(f"batch {index} of {len(self)}")
        if self.current is None:
            self.current = _Epoch(self, self.epochs.take())
        return self.current.batch(index)

    def on_epoch_end(self) -> None:
        """Keras finished an epoch: the next batch asked for starts the next epoch (unless
        this one was only looked at)."""
        if self.current is not None and self.current.complete():
            self.current = None

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        epoch = _Epoch(self, self.epochs.take())
        for index in range(len(self)):
            yield epoch.batch(index)

    def as_numpy_iterator(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """One pass, a new epoch (as ``tf.data.Dataset.as_numpy_iterator``, so code written
        for the ``tf.data`` batches runs on every backend)."""
        return iter(self)

    def targets(self, xb: np.ndarray, idx: Any) -> np.ndarray:
        if self.y is None:
            return xb.astype(np.float32) * _SCALE
        return self.y[idx]


class _Epoch:
    """One epoch's batches: its order, and its augmentation drawn in batch order."""

    def __init__(self, source: NumpyBatches, number: int) -> None:
        self.source, self.number = source, number
        self.served: set[int] = set()
        self.kept: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.restart()

    def restart(self) -> None:
        self.order, self.rng = self.source.epochs.draw(self.number)
        self.next = 0  # the batch the generator's next draws are for
        self.kept.clear()

    def complete(self) -> bool:
        return len(self.served) == len(self.source)

    def indices(self, index: int) -> Any:
        bs = self.source.batch_size
        if self.source.epochs.shuffle:
            return self.order[index * bs : (index + 1) * bs]
        return slice(index * bs, (index + 1) * bs)  # a view, no copy

    def batch(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        self.served.add(index)
        src = self.source
        if src.augment is None:
            idx = self.indices(index)
            xb = src.x[idx]
            return xb, src.targets(xb, idx)
        if index in self.kept:
            return self.kept.pop(index)
        if index < self.next:  # asked again: draw the epoch again up to it
            self.restart()
        while self.next < index:
            skipped = self.next
            self.kept[skipped] = self.augmented(skipped)
        return self.augmented(index)

    def augmented(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        idx = self.order[index * self.source.batch_size : (index + 1) * self.source.batch_size]
        xb = self.source.augment(idx, self.rng)
        self.next = index + 1
        return xb, self.source.targets(xb, idx)
