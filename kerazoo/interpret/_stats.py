"""Activation statistics while training, and the warning for layers that die or explode.

Every ``every`` batches, :class:`ActivationStats` runs one fixed probe batch (the first 64
validation images of the run) through the model once, in inference mode, and records for
each layer: the mean and standard deviation of its activations, the share of activations
that are zero (``|a| <= ZERO_TOL = 1e-6``, an absolute threshold: what a ReLU outputs
when it is off), the share of its units (channels of a convolution, features of a dense
layer) that are zero for every probe image and position, and a histogram of the values
(of a fixed random sample of 65,536 of them in larger layers). All but the histogram are
computed in the compiled forward pass with ``keras.ops``. The histogram's bins are fixed
per layer at the first record (40 equal bins over the range it saw then, with half a
range of headroom; a non-negative layer such as a ReLU starts at 0; the end bins also
count everything beyond them), so a strip of histograms over time shows the distribution
moving: the "colourful dimension" picture of fastai's course, drawn by
:func:`draw_activation_stats`.

For a layer that applies an activation function (``Conv2D(..., activation="relu")``, or a
separate ``ReLU`` layer) the mean, std and histogram of its values before the function are
recorded too (:mod:`kerazoo.interpret._stats_pre`): after a ReLU half of the mass is a
spike at 0; before it, the shape shows the initialisation's scale and centre.

The numbers go to ``activation_stats.npz`` (see :func:`read_stats` for its keys) at each
epoch's end and at the end of training, and the picture to ``activation_stats.png`` at the
end of training and at an epoch's end when the last drawing (or the start) is long enough
ago that drawing costs at most about 5% of the training time. At the
end, :func:`activation_warning` checks the last record and one :class:`ActivationWarning`
names the first layer, in model order, whose activations died, vanished or exploded (the
rule lives in :mod:`kerazoo.interpret._stats_rule`, judging growth against the network's
input and the output layer's scale; the file and picture in
:mod:`kerazoo.interpret._stats_report`).

Example:
    >>> kerazoo.train("shapes", "lenet", callbacks=[ActivationStats()])  # doctest: +SKIP
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np

from kerazoo._errors import InvalidOptionError
from kerazoo.interpret._probe import load
from kerazoo.interpret._stats_probe import RECORDED, SAMPLE, Probe, stack_records, stats_layers
from kerazoo.interpret._stats_report import (
    FILE,
    PICTURE,
    draw_activation_stats,
    read_stats,
    save_stats,
)
from kerazoo.interpret._stats_rule import (
    DEAD_SHARE,
    EXPLODED_STD,
    GROWTH_LIMIT,
    LOGIT_LIMIT,
    VALUE_LIMIT,
    VANISHED_STD,
    ZERO_TOL,
    ActivationWarning,
    activation_problem,
    activation_warning,
)

__all__ = [
    "DEAD_SHARE",
    "EXPLODED_STD",
    "FILE",
    "GROWTH_LIMIT",
    "LOGIT_LIMIT",
    "PICTURE",
    "SAMPLE",
    "VALUE_LIMIT",
    "VANISHED_STD",
    "ZERO_TOL",
    "ActivationStats",
    "ActivationWarning",
    "activation_problem",
    "activation_warning",
    "draw_activation_stats",
    "layer_stats",
    "read_stats",
    "save_stats",
    "stats_layers",
]

PROBE_SIZE = 64
#: An epoch's end redraws the picture only when this many times its drawing time has passed
#: since the last drawing (or the start of training), so drawing costs at most ~5%.
DRAW_BUDGET = 20


def layer_stats(
    model: Any, images: Any, layers: Sequence[str] | None = None, bins: int = 40
) -> dict[str, np.ndarray]:
    """Activation statistics at one point in time, as one record of :class:`ActivationStats`.

    Args:
        model: a ``keras.Model``, a saved model file or a run folder.
        images: the probe images: canonical ``uint8 [N, H, W, C]``, or as the model takes them.
        layers: the layers to look at (default :func:`stats_layers`).
        bins: histogram bins per layer.

    Returns:
        The statistics with one record (the keys of :func:`read_stats`; step 0).

    Raises:
        UnknownNameError: a layer the model does not have (the message lists them).

    Example:
        >>> s = layer_stats("runs/shapes-lenet", images)                 # doctest: +SKIP
        >>> dict(zip(s["layers"], s["near_zero"][-1]))                   # doctest: +SKIP
        {'conv1': 0.41, ...}
    """
    if isinstance(model, str | os.PathLike):
        model, _ = load(model)
    probe = Probe(model, images, layers, bins, room=0.0)  # nothing will grow into room
    return stack_records([probe()], [0], probe, 0)


class ActivationStats(keras.callbacks.Callback):
    """Record activation statistics while training; warn about dead or exploding layers.

    Args:
        layers: the layers to record (default :func:`stats_layers`).
        every: batches between records (default: about ``points`` records over the run).
            Records are taken before the first batch and after every ``every``-th one.
        probe: the probe images (default: the run's first 64 validation images); needed
            with a bare ``model.fit``.
        out: the folder for ``activation_stats.npz`` and ``.png`` (default: the run
            folder; with a bare ``model.fit`` and no ``out``, nothing is written and the
            numbers stay in :attr:`stats`).
        bins: histogram bins per layer.
        points: records over the run when ``every`` is not given.

    Attributes:
        stats: the statistics so far (the keys of :func:`read_stats`), or ``None``.
        warning: the message of the warning given at the end of training, or ``None``.

    Raises:
        InvalidOptionError: ``every``, ``bins`` or ``points`` below 1, or no probe images.

    Example:
        >>> callback = ActivationStats(probe=x[:64], out="stats")       # doctest: +SKIP
        >>> model.fit(x, y, callbacks=[callback])                       # doctest: +SKIP
    """

    def __init__(
        self,
        layers: Sequence[str] | None = None,
        every: int | None = None,
        probe: np.ndarray | None = None,
        out: str | Path | None = None,
        bins: int = 40,
        points: int = 40,
    ) -> None:
        super().__init__()
        for name, value in (("every", every), ("bins", bins), ("points", points)):
            if value is not None and (not isinstance(value, int) or value < 1):
                raise InvalidOptionError(
                    f"ActivationStats: {name} must be a whole number of at least 1, got {value!r}."
                )
        self.layers, self.every, self.bins, self.points = layers, every, bins, points
        self.images = probe
        self.out = None if out is None else Path(out)
        self.stats: dict[str, np.ndarray] | None = None
        self.warning: str | None = None
        self._run: Any = None
        self._records: list[dict[str, np.ndarray]] = []
        self._steps: list[int] = []
        self._step = 0
        self._probe: Probe | None = None
        self._edges: np.ndarray | None = None  # the bins, kept across fits and resumes
        self._pre_edges: np.ndarray | None = None
        # a drawing takes about a second until one has been timed
        self._written, self._drawn_at, self._draw_cost = 0, 0.0, 1.0

    def set_run(self, run: Any) -> None:
        """Take the run's folder, validation images and length (see ``RunContext``)."""
        self._run = run
        self._step = run.initial_epoch * run.steps_per_epoch
        self._records, self._steps, self._written = [], [], 0
        folder = self.out or run.dir
        if run.initial_epoch and (folder / FILE).is_file():  # resuming: keep what was done
            old = read_stats(folder / FILE)
            keep = old["step"] <= self._step
            same = list(old["layers"]) == list(self.layers or old["layers"])
            # a file from before inputs or pre-activations were recorded: start anew
            known = all(k in old for k in RECORDED)
            if same and known and old["edges"].shape[1] == self.bins + 1 and keep.any():
                self._restore(old, keep)

    def _restore(self, old: dict[str, np.ndarray], keep: np.ndarray) -> None:
        self._records = [
            {k: old[k][t] for k in RECORDED} | {"units": old["units"], "size": old["size"]}
            for t in np.flatnonzero(keep)
        ]
        self._steps = [int(s) for s in old["step"][keep]]
        self.layers = [str(n) for n in old["layers"]]
        self._edges, self._pre_edges = old["edges"], old["pre_edges"]

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        images = self.images
        if images is None and self._run is not None:
            images = self._run.val.images[:PROBE_SIZE]
        if images is None:
            raise InvalidOptionError(
                "ActivationStats needs probe images: pass probe=images (the first 64 are "
                "used), or give the callback to kerazoo.train, which uses the run's "
                "validation images."
            )
        self._probe = Probe(self.model, np.asarray(images)[:PROBE_SIZE], self.layers, self.bins)
        self._probe.edges, self._probe.pre_edges = self._edges, self._pre_edges
        if self.every is None:
            self.every = self._default_every()
        self._drawn_at = time.perf_counter()
        if not self._records:
            self._record()

    def _default_every(self) -> int:
        if self._run is not None:
            total = self._run.steps_per_epoch * self._run.epochs
        else:
            total = (self.params.get("steps") or 0) * (self.params.get("epochs") or 1)
        return max(1, round(total / self.points)) if total else 10

    def _record(self) -> None:
        self.model  # noqa: B018 -- on JAX, reading .model syncs the weights into the layers
        self._records.append(self._probe())
        self._steps.append(self._step)
        self._edges, self._pre_edges = self._probe.edges, self._probe.pre_edges
        steps = self._run.steps_per_epoch if self._run is not None else self.params.get("steps")
        self.stats = stack_records(self._records, self._steps, self._probe, steps or 0)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._step += 1
        if self._step % self.every == 0:
            self._record()

    def _write(self, final: bool) -> None:
        folder = self.out or (self._run.dir if self._run is not None else None)
        if folder is None or self.stats is None or self._written == len(self._records):
            return
        save_stats(self.stats, folder / FILE)
        # matplotlib takes about a second, more than many epochs of a small model
        if not final and time.perf_counter() - self._drawn_at < DRAW_BUDGET * self._draw_cost:
            return
        start = time.perf_counter()
        name = self.model.name + (f" in {self._run.dir.name}" if self._run is not None else "")
        draw_activation_stats(self.stats, folder / PICTURE, title=f"Activations of {name}")
        self._drawn_at = time.perf_counter()
        self._draw_cost, self._written = self._drawn_at - start, len(self._records)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._write(final=False)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self._write(final=True)
        self.warning = None if self.stats is None else activation_warning(self.stats)
        if self.warning:
            warnings.warn(self.warning, ActivationWarning, stacklevel=2)
