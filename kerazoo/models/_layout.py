"""Model layouts: rewrite a channels_first model as its exact channels_last twin.

(Input images in any form are converted to a model's contract by :mod:`kerazoo.data._images`.)

TensorFlow on a CPU runs convolutions and pooling only in channels_last (NHWC). A model
trained in channels_first (NCHW) on a GPU must still predict there, so
:func:`to_channels_last` rebuilds it from its config with every layout switched and copies
its weights. Convolution kernels are stored the same way in both layouts; what changes:

* the input shape ``(C, H, W)`` becomes ``(H, W, C)``;
* layers with a channel ``axis`` (BatchNormalization, Normalization, Concatenate, ...) get
  the matching axis (their per-channel weights are unchanged); a Normalization over all of
  ``(C, H, W)`` (a per-pixel mean image) keeps its axes and has its weights transposed;
* a ``Flatten`` of a channels_first tensor lists features in C, H, W order, a channels_last
  one in H, W, C order, so the rows of the first ``Dense`` after it are permuted (a
  ``Flatten(data_format="channels_first")`` already flattens in H, W, C order and needs
  nothing); likewise the output columns of a ``Dense`` feeding a ``Reshape`` to ``(C, H, W)``.

Anything that cannot be converted exactly (a ``Permute``, a ``Dense`` applied to a 4-D
tensor, a nested model) raises :class:`~kerazoo.IncompatibleError` rather than giving a
model that predicts something else.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import numpy as np

from kerazoo._errors import IncompatibleError

__all__ = ["is_channels_first", "to_channels_last"]

# Layers whose `axis` names the channel axis of an image tensor.
_AXIS_LAYERS = {
    "BatchNormalization",
    "Normalization",
    "LayerNormalization",
    "GroupNormalization",
    "UnitNormalization",
    "Concatenate",
    "Softmax",
}
# Layers that act on each value alone: a flattened feature order passes through them unchanged.
_ELEMENTWISE = {
    "Dropout",
    "Activation",
    "ReLU",
    "LeakyReLU",
    "ELU",
    "Softmax",
    "GaussianNoise",
    "GaussianDropout",
    "AlphaDropout",
    "Identity",
    "ActivityRegularization",
}
_NESTED = {"Functional", "Sequential", "Model"}
# channels_first axis of a rank-4 tensor -> the same axis in channels_last
_AXIS_MAP = {0: 0, 1: 3, 2: 1, 3: 2, -4: 0, -3: 3, -2: 1, -1: 2}


def is_channels_first(model: Any) -> bool:
    """Whether any layer of ``model`` works in channels_first.

    Args:
        model: a built ``keras.Model``.

    Returns:
        True if a layer's config has ``data_format == "channels_first"``.

    Example:
        >>> is_channels_first(model)                                   # doctest: +SKIP
        False
    """
    return any(
        e.get("config", {}).get("data_format") == "channels_first"
        and e.get("class_name") != "Flatten"
        for e in model.get_config().get("layers", [])
    )


def to_channels_last(model: Any) -> Any:
    """Return the channels_last twin of a channels_first ``model`` (same predictions).

    The twin takes ``(N, H, W, C)`` input where ``model`` takes ``(N, C, H, W)``; image
    outputs (e.g. of an autoencoder) come out as ``(N, H, W, C)`` too. Non-image outputs
    (class scores, values) are identical.

    Args:
        model: a functional or Sequential ``keras.Model`` built from Keras layers.

    Returns:
        A new ``keras.Model`` with every ``data_format`` set to channels_last and the
        weights copied (permuted where the layout changes their meaning).

    Raises:
        IncompatibleError: the model has a layer that cannot be converted exactly.

    Example:
        >>> import keras
        >>> inp = keras.Input((1, 4, 4))                               # (C, H, W)
        >>> out = keras.layers.Conv2D(2, 3, data_format="channels_first")(inp)
        >>> model = keras.Model(inp, keras.layers.Flatten(data_format="channels_first")(out))
        >>> twin = to_channels_last(model)   # runs where the original cannot: a CPU
        >>> twin.input_shape, twin.count_params() == model.count_params()
        ((None, 4, 4, 1), True)
    """
    import keras

    config = copy.deepcopy(model.get_config())
    entries = config.get("layers")
    if not isinstance(entries, list):
        raise IncompatibleError(
            f"Cannot convert {model.name!r} to channels_last: only functional and "
            "Sequential models have a layer list to rewrite."
        )
    sequential = isinstance(model, keras.Sequential)
    names = [_name(e) for e in entries]
    graph = (*_graph(entries, names, sequential), entries, names)
    # layer name -> ("rows" | "cols", (C, H, W)) permutation of its Dense kernel
    perms: dict[str, tuple[str, tuple[int, int, int]]] = {}
    for entry, name in zip(entries, names, strict=True):
        entry.pop("build_config", None)
        _rewrite_layer(entry["class_name"], entry["config"], name, model, graph, perms)
    twin = (keras.Sequential if sequential else keras.Model).from_config(config)
    _copy_weights(model, twin, entries, names, perms)
    return twin


def _rewrite_layer(
    cls: str,
    cfg: dict[str, Any],
    name: str,
    model: Any,
    graph: tuple[Any, Any, list[dict[str, Any]], list[str]],
    perms: dict[str, tuple[str, tuple[int, int, int]]],
) -> None:
    """Rewrite one layer's config to channels_last; note the weights that must move."""
    consumers, producers, entries, names = graph
    if cls in _NESTED:
        raise IncompatibleError(
            f"Cannot convert layer {name!r}: it is a nested model ({cls}). "
            "Flatten it into one functional model first."
        )
    if cls == "InputLayer":
        key = "batch_shape" if "batch_shape" in cfg else "batch_input_shape"
        shape = cfg.get(key)
        if shape and len(shape) == 4:
            cfg[key] = [shape[0], shape[2], shape[3], shape[1]]
        return
    in_shape = _input_shape(model.get_layer(name))
    rank = len(in_shape)
    if cls == "Flatten":
        if rank == 4 and cfg.get("data_format") != "channels_first" and in_shape[1] != 1:
            for dense in _follow(name, consumers, entries, names, forward=True):
                perms[dense] = ("rows", tuple(in_shape[1:]))
        cfg["data_format"] = "channels_last"
    elif "data_format" in cfg:
        if cfg["data_format"] != "channels_first" and rank == 4:
            raise IncompatibleError(
                f"Cannot convert layer {name!r} ({cls}): it is channels_last inside a "
                "channels_first model, so its meaning would change."
            )
        cfg["data_format"] = "channels_last"
    elif cls == "Reshape" and len(cfg.get("target_shape", ())) == 3:
        c, h, w = cfg["target_shape"]
        cfg["target_shape"] = [h, w, c]
        if c != 1:  # with one channel, C, H, W and H, W, C orders are the same
            for dense in _follow(name, producers, entries, names, forward=False):
                perms[dense] = ("cols", (c, h, w))
    elif cls in _AXIS_LAYERS and rank == 4:
        _rewrite_axis(cfg, name, cls, perms)
    elif cls == "Rescaling":
        for key in ("scale", "offset"):
            cfg[key] = _channel_param(cfg.get(key), name)
    elif rank == 4 and cls in {"Dense", "Permute", "Reshape", "EinsumDense"}:
        raise IncompatibleError(
            f"Cannot convert layer {name!r} ({cls}) on a 4-D channels_first tensor "
            "exactly; rebuild the model in channels_last instead."
        )


def _rewrite_axis(
    cfg: dict[str, Any], name: str, cls: str, perms: dict[str, tuple[str, tuple[int, int, int]]]
) -> None:
    """A layer with an ``axis`` (normalisation): move the axis, or its per-pixel weights."""
    axis = cfg.get("axis", -1)
    if _is_all_axes(axis):  # per-pixel weights (C, H, W) -> (H, W, C)
        perms[name] = ("image", (0, 0, 0))
        for key in ("mean", "variance"):
            arr, wrap = _array(cfg.get(key))
            if arr is not None and arr.ndim == 3:
                cfg[key] = wrap(arr.transpose(1, 2, 0))
    else:
        cfg["axis"] = _map_axis(axis, name, cls)


def _copy_weights(
    model: Any,
    twin: Any,
    entries: list[dict[str, Any]],
    names: list[str],
    perms: dict[str, tuple[str, tuple[int, int, int]]],
) -> None:
    """Copy every layer's weights from ``model`` to ``twin``, permuted where noted."""
    for entry, name in zip(entries, names, strict=True):
        if entry["class_name"] == "InputLayer":
            continue
        weights = model.get_layer(name).get_weights()
        if name in perms and perms[name][0] == "image":
            weights = [w.transpose(1, 2, 0) if w.ndim == 3 else w for w in weights]
        elif name in perms and weights:
            weights = _permute_dense(weights, *perms[name])
        if weights:
            layer = twin.get_layer(name)
            layer.set_weights(weights)
            # Normalization (and other adapted layers) compute their state from the weights
            # once, on build; Keras' own file loading calls this after setting them too.
            if hasattr(layer, "finalize_state"):
                layer.finalize_state()


def _name(entry: dict[str, Any]) -> str:
    return entry.get("name") or entry["config"]["name"]


def _input_shape(layer: Any) -> tuple[Any, ...]:
    tensor = layer.input
    if isinstance(tensor, list | tuple):
        tensor = tensor[0]
    return tuple(tensor.shape)


def _graph(
    entries: list[dict[str, Any]], names: list[str], sequential: bool
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Consumers and producers of each layer, by name."""
    consumers: dict[str, list[str]] = {n: [] for n in names}
    producers: dict[str, list[str]] = {n: [] for n in names}
    if sequential:
        for a, b in zip(names, names[1:], strict=False):
            consumers[a].append(b)
            producers[b].append(a)
        return consumers, producers
    for entry, name in zip(entries, names, strict=True):
        for parent in _histories(entry.get("inbound_nodes", [])):
            if parent in consumers and name not in consumers[parent]:
                consumers[parent].append(name)
                producers[name].append(parent)
    return consumers, producers


def _histories(obj: Any) -> Iterator[str]:
    if isinstance(obj, dict):
        history = obj.get("keras_history")
        if history:
            yield history[0]
        for value in obj.values():
            yield from _histories(value)
    elif isinstance(obj, list | tuple):
        for value in obj:
            yield from _histories(value)


def _follow(
    start: str,
    links: dict[str, list[str]],
    entries: list[dict[str, Any]],
    names: list[str],
    forward: bool,
) -> list[str]:
    """The Dense layers reached from ``start`` through element-wise layers only."""
    classes = {n: e["class_name"] for e, n in zip(entries, names, strict=True)}
    found: list[str] = []
    todo = list(links[start])
    if forward and not todo:
        raise IncompatibleError(
            f"Cannot convert: {start!r} is a model output listing channels_first features in "
            "C, H, W order; a channels_last twin would list them in H, W, C order."
        )
    while todo:
        name = todo.pop()
        cls = classes[name]
        if cls == "Dense":
            found.append(name)
        elif cls in _ELEMENTWISE and (links[name] or not forward):
            todo.extend(links[name])
        elif cls in _ELEMENTWISE:
            raise IncompatibleError(
                f"Cannot convert: {name!r} after {start!r} is a model output listing "
                "channels_first features in C, H, W order."
            )
        else:
            where = "after" if forward else "before"
            raise IncompatibleError(
                f"Cannot convert: layer {name!r} ({cls}) {where} {start!r} sees "
                "channels_first features in C, H, W order; only a Dense layer there "
                "(possibly behind Dropout/Activation) can be converted."
            )
    return found


def _is_all_axes(axis: Any) -> bool:
    if not isinstance(axis, list | tuple) or len(axis) != 3:
        return False
    return {int(a) % 4 for a in axis} == {1, 2, 3}


def _map_axis(axis: Any, name: str, cls: str) -> Any:
    if isinstance(axis, int):
        return _AXIS_MAP[axis]
    if isinstance(axis, list | tuple) and len(axis) == 1:
        return [_AXIS_MAP[int(axis[0])]]
    raise IncompatibleError(
        f"Cannot convert layer {name!r} ({cls}) with axis={axis!r}: only a single "
        "channel axis or all of (C, H, W) can be moved."
    )


def _array(value: Any) -> tuple[np.ndarray | None, Any]:
    """An array-valued config entry (a list, or Keras' ``__numpy__`` dict) and a rewrapper."""
    if isinstance(value, dict) and value.get("class_name") == "__numpy__":
        inner = value["config"]
        return np.asarray(inner["value"]), lambda a: {
            **value,
            "config": {**inner, "value": a.tolist()},
        }
    if value is None or np.ndim(value) == 0:
        return None, None
    return np.asarray(value), lambda a: a.tolist()


def _channel_param(value: Any, name: str) -> Any:
    arr, wrap = _array(value)
    if arr is None or arr.size == 1:
        return value
    if arr.ndim == 3 and arr.shape[1:] == (1, 1):  # (C, 1, 1) broadcasts over channels_first
        return wrap(np.moveaxis(arr, 0, -1))
    raise IncompatibleError(
        f"Cannot convert Rescaling layer {name!r}: its scale/offset of shape {arr.shape} "
        "is not a scalar or a per-channel (C, 1, 1) array."
    )


def _permute_dense(
    weights: list[np.ndarray], side: str, chw: tuple[int, int, int]
) -> list[np.ndarray]:
    """Reorder a Dense kernel's rows (input) or columns and bias (output) from CHW to HWC."""
    c, h, w = (int(v) for v in chw)
    order = np.arange(c * h * w).reshape(c, h, w).transpose(1, 2, 0).ravel()
    kernel, *rest = weights
    if side == "rows":
        return [kernel[order], *rest]
    return [kernel[:, order], *(r[order] for r in rest)]
