"""One forward pass of probe images through a model, summarised per recorded layer: the
moments, zero shares, dead units, a histogram, the std of what each layer is given and
what its output layer is. :mod:`kerazoo.interpret._stats` records it over training.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from kerazoo._errors import InvalidOptionError
from kerazoo.interpret._probe import layer_model
from kerazoo.interpret._stats_rule import ZERO_TOL

__all__ = ["SAMPLE", "Probe", "stack_records", "stats_layers"]

#: Histograms count a fixed random sample of at most this many of a layer's activations.
SAMPLE = 65536

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
    from kerazoo.data._batches import encode_inputs

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


class Probe:
    """One forward pass over the recorded layers, summarised per layer."""

    def __init__(
        self, model: Any, images: Any, layers: Sequence[str] | None, bins: int, room: float = 0.5
    ):
        from kerazoo.saving._info import ModelInfo

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
        outputs = [
            _summaries(t, len(self.x), data_format, seed=i) for i, t in enumerate(sub.outputs)
        ]
        inputs = [_input_std(model.get_layer(name)) for name in self.layers]
        self.model = keras.Model(sub.inputs, [*(o for out in outputs for o in out), *inputs])
        self.size = [math.prod(t.shape[1:]) for t in sub.outputs]
        self.bins, self.room, self.edges = bins, room, None
        self.head = _head(model, self.layers)

    def __call__(self) -> dict[str, np.ndarray]:
        flat = [
            np.asarray(keras.ops.convert_to_numpy(o)) for o in self.model.predict_on_batch(self.x)
        ]
        count = len(self.layers)
        flat, input_std = flat[: 3 * count], flat[3 * count :]
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
            "input_std": np.array([float(v) for v in input_std], np.float64),
            "units": np.array([len(u) for u in units]),
            "size": np.array(self.size),
        }


def _input_std(layer: Any) -> Any:
    """The std of what ``layer`` is given (its first input), in the forward pass."""
    from keras import ops

    given = layer.input[0] if isinstance(layer.input, list | tuple) else layer.input
    return ops.std(ops.cast(given, "float32"))


def _head(model: Any, layers: Sequence[str]) -> str:
    """What the last recorded layer is when it is the model's output layer (before a
    separate softmax): ``"logits"`` (classification), ``"value"`` (regression, in half
    ranges of the task's values), else ``""``."""
    from kerazoo.saving._info import ModelInfo

    try:
        info = ModelInfo.of(model)
    except ValueError:  # a plain Keras model: no head known
        return ""
    names = [layer.name for layer in model.layers]
    if not layers or layers[-1] not in names:
        return ""
    kind, output = info.task.kind, info.output
    if kind == "classification" and output in ("logits", "scores", "probabilities"):
        return "logits" if layers[-1] == "logits" else ""
    return "value" if kind == "regression" and layers[-1] == "value" else ""


def stack_records(
    records: list[dict[str, np.ndarray]], steps: Sequence[int], probe: Probe, steps_per_epoch: int
) -> dict[str, np.ndarray]:
    keys = ("mean", "std", "near_zero", "dead_units", "hist", "input_std")
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
        "head": np.array(probe.head),
        "probe_count": np.int64(len(probe.x)),
        "steps_per_epoch": np.int64(steps_per_epoch),
    }
