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

The numbers go to ``activation_stats.npz`` (see :func:`read_stats` for its keys) at each
epoch's end and at the end of training, and the picture to ``activation_stats.png`` at the
end of training and at an epoch's end when the last drawing (or the start) is long enough
ago that drawing costs at most about 5% of the training time. At the
end, :func:`activation_warning` checks the last record and one :class:`ActivationWarning`
names the first layer, in model order, whose activations died, vanished or exploded (the
rule and the picture live in :mod:`kerazoo.interpret.stats_report`).

Example:
    >>> kerazoo.train("shapes", "lenet", callbacks=[ActivationStats()])  # doctest: +SKIP
"""

from __future__ import annotations

import math
import os
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np

from kerazoo.errors import InvalidOptionError
from kerazoo.interpret.probe import layer_model, load
from kerazoo.interpret.stats_report import (
    DEAD_SHARE,
    EXPLODED_STD,
    FILE,
    PICTURE,
    VANISHED_STD,
    ZERO_TOL,
    ActivationWarning,
    activation_problem,
    activation_warning,
    draw_activation_stats,
    read_stats,
    save_stats,
)

__all__ = [
    "DEAD_SHARE",
    "EXPLODED_STD",
    "FILE",
    "PICTURE",
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
#: Histograms count a fixed random sample of at most this many of a layer's activations.
SAMPLE = 65536
#: An epoch's end redraws the picture only when this many times its drawing time has passed
#: since the last drawing (or the start of training), so drawing costs at most ~5%.
DRAW_BUDGET = 20

#: Layers that only prepare the input or move values around: their statistics repeat
#: those of the layer before, so they are left out by default.
_SKIPPED = ("InputLayer", "Rescaling", "Normalization")
_ACTIVATIONS = ("Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax")


def stats_layers(model: Any) -> list[str]:
    """The layers recorded by default, in model order: those with weights (convolutions,
    dense, batch normalisation) and activation layers, after the input preparation.

    Example:
        >>> stats_layers(kerazoo.build("lenet", "shapes"))              # doctest: +SKIP
        ['conv1', 'conv2', 'dense1', 'dense2', 'logits']
    """
    out = []
    for layer in model.layers:
        kind = type(layer).__name__
        if kind in _SKIPPED or len(getattr(layer.output, "shape", ())) < 2:
            continue
        if layer.weights or kind in _ACTIVATIONS:
            out.append(layer.name)
    return out


def _model_input(model: Any, images: Any) -> np.ndarray:
    """Probe images as the model takes them: as given when they fit its input, else
    canonical ``uint8 [N, H, W, C]`` laid out by the model's metadata."""
    x = np.asarray(images)
    if tuple(x.shape[1:]) == tuple(model.inputs[0].shape[1:]):
        return x
    from kerazoo.data.batches import encode_inputs

    return encode_inputs(x, model)


def _edges(a: np.ndarray, bins: int, room: float) -> np.ndarray:
    """Fixed bins for a layer from its first record: its range plus ``room`` ranges more
    (for the values to grow into while training)."""
    finite = a[np.isfinite(a)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
    span = hi - lo if hi > lo else max(abs(hi), 1.0)
    lo = 0.0 if lo >= 0 else lo - span * room
    top = hi + span * room
    return np.linspace(lo, top if top > lo else lo + span, bins + 1)


def _summaries(t: Any, n: int, data_format: str, seed: int) -> list[Any]:
    """Symbolic summaries of one layer's output ``t`` on ``n`` probe images: ``[mean, std,
    share of zeros]``, each unit's largest ``|a|``, and a fixed random sample of values.

    They are computed in the compiled forward pass, so a record moves a few thousand
    numbers off the device instead of every activation, and the reductions run in the
    backend's kernels (several times faster than numpy's over a small last axis).
    """
    from keras import ops

    t = ops.cast(t, "float32")  # mixed precision: summarise in float32
    axis = 1 if data_format == "channels_first" and len(t.shape) > 2 else len(t.shape) - 1
    others = tuple(i for i in range(len(t.shape)) if i != axis)
    size = n * math.prod(t.shape[1:])
    zero = ops.cast(ops.less_equal(ops.abs(t), ZERO_TOL), "float32")
    moments = ops.stack([ops.mean(t), ops.std(t), ops.mean(zero)])
    flat = ops.reshape(t, (-1,))
    if size > SAMPLE:
        picked = np.random.default_rng(seed).choice(size, SAMPLE, replace=False)
        flat = ops.take(flat, np.sort(picked).astype("int32"))
    return [moments, ops.max(ops.abs(t), axis=others), flat]


class _Probe:
    """One forward pass over the recorded layers, summarised per layer."""

    def __init__(
        self, model: Any, images: Any, layers: Sequence[str] | None, bins: int, room: float = 0.5
    ):
        from kerazoo.saving.info import ModelInfo

        self.layers = list(layers) if layers else stats_layers(model)
        if not self.layers:
            raise InvalidOptionError(
                f"Model {model.name!r} has no layer with weights or an activation to record; "
                "name the layers to record."
            )
        self.x = _model_input(model, images)
        try:
            data_format = ModelInfo.of(model).input.data_format
        except ValueError:  # a plain Keras model: Keras's own default
            data_format = keras.config.image_data_format()
        sub = layer_model(model, self.layers)
        outputs = [_summaries(t, len(self.x), data_format, seed=i)
                   for i, t in enumerate(sub.outputs)]  # fmt: skip
        self.model = keras.Model(sub.inputs, [o for out in outputs for o in out])
        self.size = [math.prod(t.shape[1:]) for t in sub.outputs]
        self.bins, self.room, self.edges = bins, room, None

    def __call__(self) -> dict[str, np.ndarray]:
        flat = [
            np.asarray(keras.ops.convert_to_numpy(o)) for o in self.model.predict_on_batch(self.x)
        ]
        moments, units, samples = flat[0::3], flat[1::3], flat[2::3]
        if self.edges is None:
            self.edges = np.stack([_edges(v, self.bins, self.room) for v in samples])
        hist = []
        for v, e in zip(samples, self.edges, strict=True):
            v = v[np.isfinite(v)]
            hist.append(
                np.histogram(np.clip(v, e[0], e[-1]), bins=len(e) - 1, range=(e[0], e[-1]))[0]
            )
        return {
            "mean": np.array([m[0] for m in moments], np.float64),
            "std": np.array([m[1] for m in moments], np.float64),
            "near_zero": np.array([m[2] for m in moments], np.float64),
            "dead_units": np.array([np.mean(u <= ZERO_TOL) for u in units]),
            "hist": np.stack(hist),
            "units": np.array([len(u) for u in units]),
            "size": np.array(self.size),
        }


def _stack(records: list[dict[str, np.ndarray]], steps: Sequence[int], probe: _Probe,
           steps_per_epoch: int) -> dict[str, np.ndarray]:  # fmt: skip
    keys = ("mean", "std", "near_zero", "dead_units", "hist")
    out = {k: np.stack([r[k] for r in records]) for k in keys}
    out["hist"] = out["hist"].astype(np.int64)
    last = records[-1]
    return {
        "layers": np.array(probe.layers),
        "step": np.asarray(steps, dtype=np.int64),
        **out,
        "edges": np.asarray(probe.edges),
        "units": last["units"],
        "size": last["size"],
        "probe_count": np.int64(len(probe.x)),
        "steps_per_epoch": np.int64(steps_per_epoch),
    }


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
    probe = _Probe(model, images, layers, bins, room=0.0)  # nothing will grow into room
    return _stack([probe()], [0], probe, 0)


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
        self._probe: _Probe | None = None
        self._edges: np.ndarray | None = None  # the bins, kept across fits and resumes
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
            if same and old["edges"].shape[1] == self.bins + 1 and keep.any():
                self._restore(old, keep)

    def _restore(self, old: dict[str, np.ndarray], keep: np.ndarray) -> None:
        keys = ("mean", "std", "near_zero", "dead_units", "hist")
        self._records = [{k: old[k][t] for k in keys} | {"units": old["units"],
                          "size": old["size"]} for t in np.flatnonzero(keep)]  # fmt: skip
        self._steps = [int(s) for s in old["step"][keep]]
        self.layers = [str(n) for n in old["layers"]]
        self._edges = old["edges"]

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
        self._probe = _Probe(self.model, np.asarray(images)[:PROBE_SIZE], self.layers, self.bins)
        self._probe.edges = self._edges
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
        self._edges = self._probe.edges
        steps = self._run.steps_per_epoch if self._run is not None else self.params.get("steps")
        self.stats = _stack(self._records, self._steps, self._probe, steps or 0)

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
