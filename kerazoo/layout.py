"""Layouts: of models (channels_first -> channels_last) and of input images (any form ->
the model's input contract).

:func:`image_batch` turns a file, PIL image or array (HxW, HWC or CHW; uint8 or float in
``[0, 1]``; gray, RGB or RGBA) into ``uint8 [N, H, W, C]`` of the model's size and channel
count, and reports every conversion that changed pixels (the Predictor's ``notes``).

The rest of this module rewrites a channels_first model as its exact channels_last twin.

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
from pathlib import Path
from typing import Any

import numpy as np

from kerazoo.errors import DataError, IncompatibleError
from kerazoo.task import InputSpec

__all__ = [
    "IMAGE_SUFFIXES",
    "image_batch",
    "is_channels_first",
    "to_channels_last",
]

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
        >>> twin = to_channels_last(model)                             # doctest: +SKIP
        >>> twin(np.transpose(x, (0, 2, 3, 1)))                        # same as model(x)
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
    consumers, producers = _graph(entries, names, sequential)
    # layer name -> ("rows" | "cols", (C, H, W)) permutation of its Dense kernel
    perms: dict[str, tuple[str, tuple[int, int, int]]] = {}

    for entry, name in zip(entries, names, strict=True):
        cls, cfg = entry["class_name"], entry["config"]
        entry.pop("build_config", None)
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
            continue
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
            axis = cfg.get("axis", -1)
            if _is_all_axes(axis):  # per-pixel weights (C, H, W) -> (H, W, C)
                perms[name] = ("image", (0, 0, 0))
                for key in ("mean", "variance"):
                    arr, wrap = _array(cfg.get(key))
                    if arr is not None and arr.ndim == 3:
                        cfg[key] = wrap(arr.transpose(1, 2, 0))
            else:
                cfg["axis"] = _map_axis(axis, name, cls)
        elif cls == "Rescaling":
            for key in ("scale", "offset"):
                cfg[key] = _channel_param(cfg.get(key), name)
        elif rank == 4 and cls in {"Dense", "Permute", "Reshape", "EinsumDense"}:
            raise IncompatibleError(
                f"Cannot convert layer {name!r} ({cls}) on a 4-D channels_first tensor "
                "exactly; rebuild the model in channels_last instead."
            )

    twin = (keras.Sequential if sequential else keras.Model).from_config(config)
    for entry, name in zip(entries, names, strict=True):
        if entry["class_name"] == "InputLayer":
            continue
        old = model.get_layer(name)
        weights = old.get_weights()
        if name in perms and perms[name][0] == "image":
            weights = [w.transpose(1, 2, 0) if w.ndim == 3 else w for w in weights]
        elif name in perms and weights:
            weights = _permute_dense(weights, *perms[name])
        if weights:
            twin.get_layer(name).set_weights(weights)
    return twin


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


# -- images: any input form -> the model's input contract ----------------------------------
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm")
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R 601-2, as PIL's "L"
_NAMES = {1: "grayscale", 2: "2-channel", 3: "RGB", 4: "RGBA"}


def image_batch(label: str, item: Any, spec: InputSpec) -> tuple[np.ndarray, bool, list[str]]:
    """Turn one input into ``uint8 [N, H, W, C]`` of ``spec``'s size and channel count.

    Args:
        label: how messages name the input (its path, or ``#i``).
        item: a ``Path``, a PIL image or an array (one image or a batch, HWC or CHW,
            uint8 or float in ``[0, 1]``), as given by :func:`gather_inputs`.
        spec: the model's input contract.

    Returns:
        ``(batch, single, notes)``: the channels_last batch, whether the input was one
        image, and the conversions that changed pixels (resizing, channel conversion).

    Raises:
        DataError: an unreadable file, a wrong rank, float pixels outside ``[0, 1]``, a
            channel count with no standard conversion.

    Example:
        >>> batch, single, notes = image_batch("#0", np.zeros((32, 32, 3)), spec)  # doctest: +SKIP
        >>> notes                                                      # doctest: +SKIP
        ['RGB -> grayscale', 'resized 32x32 -> 64x64']
    """
    notes: list[str] = []
    if isinstance(item, Path):
        item = _read_image(item)
    if _is_pil(item):
        item = _from_pil(item, notes)
    batch, single = _as_nhwc(item, label, spec)
    return _fit(_to_uint8(batch, label), spec, notes), single, notes


def _is_pil(item: Any) -> bool:
    return type(item).__module__.startswith("PIL.")


def _read_image(p: Path) -> Any:
    from PIL import Image, ImageOps

    try:
        with Image.open(p) as img:
            img.load()
            return ImageOps.exif_transpose(img)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise DataError(f"Cannot read image '{p}': {exc}") from None


def _from_pil(img: Any, notes: list[str]) -> np.ndarray:
    mode = img.mode
    if mode in ("L", "RGB", "RGBA"):
        return np.asarray(img)
    if mode.startswith("I;16") or mode == "I":
        a = np.asarray(img).astype(np.float64)
        if a.max(initial=0) > 255:
            notes.append("16-bit -> 8-bit")
            return np.round(a / 257.0).clip(0, 255).astype(np.uint8)
        return a.astype(np.uint8)
    if mode == "F":
        return np.asarray(img, dtype=np.float32)
    if mode in ("1", "LA"):
        if mode == "LA":
            notes.append("grayscale+alpha -> grayscale (alpha dropped)")
        return np.asarray(img.convert("L"))
    if mode in ("P", "PA"):
        return np.asarray(
            img.convert("RGBA" if "transparency" in img.info or mode == "PA" else "RGB")
        )
    notes.append(f"{mode} -> RGB")
    return np.asarray(img.convert("RGB"))


def _as_nhwc(a: Any, label: str, spec: InputSpec) -> tuple[np.ndarray, bool]:
    """A batch ``[N, H, W, C]`` (any dtype), and whether the input was one image."""
    a = np.asarray(a)
    single = a.ndim in (2, 3)
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim == 3:
        a = a[None]
    if a.ndim != 4:
        raise DataError(
            f"Input {label} has {a.ndim} dimensions (shape {a.shape}); expected one image "
            "(H, W), (H, W, C) or (C, H, W), or a batch (N, H, W, C) or (N, C, H, W)."
        )
    if 0 in a.shape:
        raise DataError(f"Input {label} is empty (shape {a.shape}).")
    chans = {1, 3, 4, spec.channels}
    first, last = a.shape[1] in chans, a.shape[3] in chans
    if last and not (first and spec.data_format == "channels_first"):
        return a, single
    if first:
        return a.transpose(0, 2, 3, 1), single
    raise DataError(
        f"Cannot tell the channel axis of input {label} with shape {a.shape[int(single) :]}: "
        "expected (H, W), (H, W, C) or (C, H, W) with C in 1, 3, 4. For a batch of "
        "grayscale images add a channel axis: (N, H, W, 1)."
    )


def _to_uint8(a: np.ndarray, label: str) -> np.ndarray:
    if a.dtype == np.uint8:
        return a
    if a.dtype == np.bool_:
        return a.astype(np.uint8) * 255
    if np.issubdtype(a.dtype, np.integer):
        lo, hi = int(a.min()), int(a.max())
        if lo < 0 or hi > 255:
            raise DataError(
                f"Input {label} has integer pixels in [{lo}, {hi}]; integers must be in "
                "0..255 (or pass floats in [0, 1])."
            )
        return a.astype(np.uint8)
    if np.issubdtype(a.dtype, np.floating):
        if not np.isfinite(a).all():
            raise DataError(f"Input {label} contains NaN or infinite pixel values.")
        lo, hi = float(a.min()), float(a.max())
        if lo < 0.0 or hi > 1.0:
            raise DataError(
                f"Input {label} has float pixels in [{lo:g}, {hi:g}]; float images must be "
                "in [0, 1]. For 0..255 values pass a uint8 array: x.astype('uint8')."
            )
        return np.round(a * 255.0).astype(np.uint8)
    raise DataError(f"Input {label} has dtype {a.dtype}; expected uint8 or float pixels.")


def _fit(a: np.ndarray, spec: InputSpec, notes: list[str]) -> np.ndarray:
    """Convert uint8 NHWC to the spec's channel count and size, noting what changed."""
    c, want = a.shape[3], spec.channels
    if c != want:
        a = _channels(a, want, notes)
    h, w = a.shape[1:3]
    if (h, w) != (spec.height, spec.width):
        a = np.stack([_resize(img, spec.width, spec.height) for img in a])
        note = f"resized {w}x{h} -> {spec.width}x{spec.height}"
        if abs(w / h - spec.width / spec.height) > 0.01:
            note += " (aspect ratio changed)"
        notes.append(note)
    return a


def _channels(a: np.ndarray, want: int, notes: list[str]) -> np.ndarray:
    c = a.shape[3]
    src, dst = _NAMES.get(c, f"{c}-channel"), _NAMES.get(want, f"{want}-channel")
    note = f"{src} -> {dst}"
    if c == 4 and want in (1, 3):
        a, c, note = a[..., :3], 3, note + " (alpha dropped)"
    if c == 3 and want == 1:
        out = np.round(a.astype(np.float32) @ _LUMA)[..., None].clip(0, 255).astype(np.uint8)
    elif c == 1 and want in (3, 4):
        out = np.repeat(a, 3, axis=3)
    elif c == 3 and want in (3, 4):
        out = a
    else:
        raise DataError(
            f"The input has {c} channels ({src}) and the model takes {want} ({dst}); "
            "there is no standard conversion. Pass grayscale, RGB or RGBA images."
        )
    if want == 4:
        out = np.concatenate([out, np.full_like(out[..., :1], 255)], axis=3)
    notes.append(note)
    return out


def _resize(img: np.ndarray, width: int, height: int) -> np.ndarray:
    from PIL import Image

    bilinear = Image.Resampling.BILINEAR
    if img.shape[2] in (1, 3, 4):
        mode = {1: "L", 3: "RGB", 4: "RGBA"}[img.shape[2]]
        src = img[..., 0] if mode == "L" else img
        out = np.asarray(Image.fromarray(src, mode).resize((width, height), bilinear))
        return out.reshape(height, width, img.shape[2])
    planes = [
        Image.fromarray(img[..., k]).resize((width, height), bilinear) for k in range(img.shape[2])
    ]
    return np.stack([np.asarray(p) for p in planes], axis=2)
