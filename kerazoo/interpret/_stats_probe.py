"""One forward pass of probe images through a model, summarised per recorded layer: the
moments, zero shares, dead units, a histogram, the std of what each layer is given and
what its output layer is; and for a layer that applies an activation function, the mean,
std and histogram of its values before it (:mod:`kerazoo.interpret._stats_pre`).
:mod:`kerazoo.interpret._stats` records it over training.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from kerazoo._errors import InvalidOptionError
from kerazoo.interpret._probe import named_layer
from kerazoo.interpret._stats_pre import ACTIVATION_LAYERS, activation_name, split_graph
from kerazoo.interpret._stats_rule import ZERO_TOL

__all__ = ["RECORDED", "SAMPLE", "Probe", "stack_records", "stats_layers"]

#: Histograms count a fixed random sample of at most this many of a layer's activations.
SAMPLE = 65536

#: Layers that only prepare the input or move values around: their statistics repeat
#: those of the layer before, so they are left out by default.
_SKIPPED = ("InputLayer", "Rescaling", "Normalization")

#: What each record holds per layer, stacked over time by :func:`stack_records`.
RECORDED = (
    "mean",
    "std",
    "near_zero",
    "dead_units",
    "hist",
    "input_std",
    "pre_mean",
    "pre_std",
    "pre_hist",
)


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
        if layer.weights or kind in ACTIVATION_LAYERS:
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
    zero = ops.cast(ops.less_equal(ops.abs(t), ZERO_TOL), "float32")
    moments = ops.stack([ops.mean(t), ops.std(t), ops.mean(zero)])
    return [moments, ops.max(ops.abs(t), axis=others), _sample(t, n, seed)]


def _sample(t: Any, n: int, seed: int) -> Any:
    """The values of ``t`` on ``n`` images, or a fixed random sample of ``SAMPLE`` of them
    (the same positions for the same ``seed`` and shape: a layer's values before and after
    its activation are sampled alike)."""
    from keras import ops

    size = n * math.prod(t.shape[1:])
    flat = ops.reshape(ops.cast(t, "float32"), (-1,))
    if size > SAMPLE:
        picked = np.random.default_rng(seed).choice(size, SAMPLE, replace=False)
        flat = ops.take(flat, np.sort(picked).astype("int32"))
    return flat


def _before(
    model: Any, layers: Sequence[str], before: dict[str, Any], n: int
) -> tuple[list[str], list[int], list[Any]]:
    """Per layer its activation's name (``""``: none), the indices of those with one, and
    their symbolic summaries before it: ``[mean, std]`` and the sample, per layer."""
    from keras import ops

    names, which, outputs = [], [], []
    for i, name in enumerate(layers):
        names.append(activation_name(model.get_layer(name)))
        if name not in before:
            continue
        which.append(i)
        t = ops.cast(before[name], "float32")
        outputs += [ops.stack([ops.mean(t), ops.std(t)]), _sample(t, n, seed=i)]
    return names, which, outputs


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
        for name in self.layers:  # an unknown name is refused, with the model's layers
            named_layer(model, name)
        graph = split_graph(model, self.layers)
        after = [graph.after[name] for name in self.layers]
        outputs = [_summaries(t, len(self.x), data_format, seed=i) for i, t in enumerate(after)]
        inputs = [_input_std(graph.given[name]) for name in self.layers]
        self.activations, self.with_pre, pre = _before(
            model, self.layers, graph.before, len(self.x)
        )
        flat = [*(o for out in outputs for o in out), *inputs, *pre]
        self.model = keras.Model(graph.inputs, flat)
        self.size = [math.prod(t.shape[1:]) for t in after]
        self.bins, self.room, self.edges, self.pre_edges = bins, room, None, None
        self.head = _head(model, self.layers)

    def __call__(self) -> dict[str, np.ndarray]:
        flat = [
            np.asarray(keras.ops.convert_to_numpy(o)) for o in self.model.predict_on_batch(self.x)
        ]
        count = len(self.layers)
        flat, input_std, pre = flat[: 3 * count], flat[3 * count : 4 * count], flat[4 * count :]
        moments, units, samples = flat[0::3], flat[1::3], flat[2::3]
        if self.edges is None:
            self.edges = np.stack([_edges(v, self.bins, self.room) for v in samples])
        hist = [_histogram(v, e) for v, e in zip(samples, self.edges, strict=True)]
        return {
            "mean": np.array([m[0] for m in moments], np.float64),
            "std": np.array([m[1] for m in moments], np.float64),
            "near_zero": np.array([m[2] for m in moments], np.float64),
            "dead_units": np.array([np.mean(u <= ZERO_TOL) for u in units]),
            "hist": np.stack(hist),
            "input_std": np.array([float(v) for v in input_std], np.float64),
            "units": np.array([len(u) for u in units]),
            "size": np.array(self.size),
            **self._before(pre[0::2], pre[1::2]),
        }

    def _before(self, moments: list[np.ndarray], samples: list[np.ndarray]) -> dict[str, Any]:
        """The record's values before the activations: NaN (mean, std, edges) and empty
        histograms for the layers without one."""
        count, bins = len(self.layers), self.bins
        if self.pre_edges is None:
            self.pre_edges = np.full((count, bins + 1), np.nan)
            for i, v in zip(self.with_pre, samples, strict=True):
                self.pre_edges[i] = _edges(v, bins, self.room)
        out = {
            "pre_mean": np.full(count, np.nan),
            "pre_std": np.full(count, np.nan),
            "pre_hist": np.zeros((count, bins), np.int64),
        }
        for i, m, v in zip(self.with_pre, moments, samples, strict=True):
            out["pre_mean"][i], out["pre_std"][i] = m
            out["pre_hist"][i] = _histogram(v, self.pre_edges[i])
        return out


def _histogram(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts of the finite ``values`` in the bins ``edges``; the end bins also count what
    lies beyond them."""
    v = values[np.isfinite(values)]
    return np.histogram(
        np.clip(v, edges[0], edges[-1]), bins=len(edges) - 1, range=(edges[0], edges[-1])
    )[0]


def _input_std(given: Any) -> Any:
    """The std of what a layer is given (its first input), in the forward pass."""
    from keras import ops

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
    out = {k: np.stack([r[k] for r in records]) for k in RECORDED}
    out["hist"] = out["hist"].astype(np.int64)
    out["pre_hist"] = out["pre_hist"].astype(np.int64)
    last = records[-1]
    return {
        "layers": np.array(probe.layers),
        "step": np.asarray(steps, dtype=np.int64),
        **out,
        "edges": np.asarray(probe.edges),
        "activation": np.array(probe.activations, dtype=str),
        "pre_edges": np.asarray(probe.pre_edges, np.float64),
        "units": last["units"],
        "size": last["size"],
        "head": np.array(probe.head),
        "probe_count": np.int64(len(probe.x)),
        "steps_per_epoch": np.int64(steps_per_epoch),
    }
