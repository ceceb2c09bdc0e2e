"""Feature maps and kernels: what the convolution and pooling layers compute for an image, and
the weights of a convolution drawn as little pictures.

Maps come from one forward pass of a sub-model over the model's own layers
(:func:`kerazoo.interpret.layer_model`): no copy of the network, every requested layer
at once. They are returned channels-last (``[N, h, w, k]``) whatever the model's layout.

Example:
    >>> from kerazoo.interpret import feature_maps, draw_feature_maps
    >>> maps = feature_maps("runs/shapes-lenet", images)               # doctest: +SKIP
    >>> maps["conv1"].shape                                             # doctest: +SKIP
    (8, 64, 64, 6)
    >>> draw_feature_maps("runs/shapes-lenet", "maps.png")             # doctest: +SKIP
    [PosixPath('maps-conv1.png'), PosixPath('maps-pool1.png'), ...]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np

from kerazoo._errors import IncompatibleError, UnknownNameError, unknown_choice
from kerazoo.data._batches import encode_inputs
from kerazoo.data._preview import is_picture_name
from kerazoo.interpret import _probe as probe
from kerazoo.interpret._pictures import grid_figure, normalize

__all__ = ["check_map_layers", "draw_feature_maps", "draw_kernels", "feature_maps", "map_layers"]

#: Images per forward pass: bounds memory when many images are asked for.
_CHUNK = 64
#: Most kernel tiles drawn per axis (filters, input channels); a wider layer is cut, and the
#: title says so.
_MAX_FILTERS, _MAX_CHANNELS = 64, 16


def map_layers(model: Any) -> list[str]:
    """Names of every layer whose output is a stack of maps (4-D: batch, 2 spatial, channels).

    Example:
        >>> map_layers(kerazoo.build("lenet", "shapes"))[:4]           # doctest: +SKIP
        ['pixels', 'rescale', 'normalize', 'conv1']
    """
    return [layer.name for layer in model.layers if len(getattr(layer.output, "shape", ())) == 4]


def check_map_layers(
    model: Any, names: Sequence[str], extra: Sequence[str] = (), setting: str = "layer"
) -> None:
    """Refuse names that are not layers of ``model`` with maps (``extra``: other valid names).

    ``setting`` names the option that took the names, so that on the command line a
    suggestion is spelled as its flag (``--layer conv1``, ``--snapshot conv1``).

    Raises:
        UnknownNameError: a name the model has no layer for (valid names listed).
        IncompatibleError: a layer whose output is not 4-D (a Dense or Flatten layer).
    """
    valid = [*map_layers(model), *extra]
    every = {layer.name: layer for layer in model.layers}
    for name in names:
        if name in valid:
            continue
        if name in every:
            shape = tuple(every[name].output.shape)
            raise IncompatibleError(
                f"Layer {name!r} of model {model.name!r} outputs shape {shape}, not maps "
                f"(batch, height, width, channels). Pick a layer with maps: {', '.join(valid)}."
            )
        raise unknown_choice(
            setting,
            name,
            valid,
            what="layer",
            owner=f"model {model.name!r}",
            listed="Layers with maps",
            error=UnknownNameError,
        )


def _as_batch(images: Any) -> np.ndarray:
    x = np.asarray(images)
    return x[None] if x.ndim == 3 else x


def feature_maps(
    model: Any, images: Any, layers: Sequence[str] | str | None = None
) -> dict[str, np.ndarray]:
    """The outputs of the named layers for raw images, channels-last, in one forward pass.

    Args:
        model: a ``keras.Model`` made by :func:`kerazoo.build`, a ``.keras`` file or a run
            folder.
        images: raw ``uint8`` pixels, ``[N, H, W, C]`` (or one ``[H, W, C]`` image), as the
            dataset gives them; they are laid out for the model here.
        layers: layer names (default: every convolution and pooling layer).

    Returns:
        ``{layer name: float32 [N, h, w, k]}``, in the order of ``layers``.

    Raises:
        UnknownNameError: a name the model has no layer for.
        IncompatibleError: a layer without maps, or a model without any to default to.
        DataError: images that are not ``uint8`` of the model's size and channels.

    Example:
        >>> feature_maps(model, images, ["conv1"])["conv1"].shape      # doctest: +SKIP
        (8, 32, 32, 6)
    """
    model, info = probe.load(model)
    names = _layer_names(model, layers)
    x = encode_inputs(_as_batch(images), info)
    sub = probe.layer_model(model, names)
    parts: list[list[np.ndarray]] = [[] for _ in names]
    for start in range(0, len(x), _CHUNK):
        # a direct call: predict() would trace a function for this one-off sub-model
        outputs = sub(x[start : start + _CHUNK], training=False)
        if not isinstance(outputs, list | tuple):  # Keras unwraps a one-output list
            outputs = [outputs]
        for part, out in zip(parts, outputs, strict=True):
            part.append(keras.ops.convert_to_numpy(out))
    fmt = info.input.data_format
    return {
        name: probe.array_channels_last(np.concatenate(part), fmt).astype(np.float32)
        for name, part in zip(names, parts, strict=True)
    }


def _layer_names(model: Any, layers: Sequence[str] | str | None) -> list[str]:
    if isinstance(layers, str):
        layers = [layers]
    names = list(layers) if layers else probe.feature_layers(model)
    if not names:
        raise IncompatibleError(
            f"Model {model.name!r} has no convolution or pooling layer to show maps of. "
            f"Name layers with maps instead: {', '.join(map_layers(model)) or '(none)'}."
        )
    check_map_layers(model, names)
    return names


def _files(path: str | Path, prefix: str, names: Sequence[str]) -> list[Path]:
    """``STEM-NAME.SUFFIX`` beside a picture name (``.png``, ``.jpg``, ``.svg``...), else
    ``PREFIX-NAME.png`` inside a folder."""
    path = Path(path)
    if is_picture_name(path):
        return [path.with_name(f"{path.stem}-{name}{path.suffix}") for name in names]
    return [path / f"{prefix}-{name}.png" for name in names]


def _subject(info: Any, labels: Any) -> str:
    """How the title names a fresh sample: its class, its value, or its dataset."""
    if labels is None:
        return f"a fresh {info.dataset.name} image"
    label = np.asarray(labels)[0]
    if info.task.kind == "classification":
        return f"a {info.task.class_names[int(label)]!r}"
    return f"an image labelled {float(np.ravel(label)[0]):g}"


def draw_feature_maps(
    model: Any,
    path: str | Path,
    image: Any = None,
    layers: Sequence[str] | str | None = None,
    *,
    subject: str | None = None,
) -> list[Path]:
    """Every map of each layer for one image, tiled into one titled PNG per layer.

    Each map is drawn in grey scaled to its own range (dark = its lowest value, white = its
    highest; a map with one value everywhere is marked "flat"); the input is shown beside.

    Args:
        model: a model made by :func:`kerazoo.build`, a ``.keras`` file or a run folder.
        path: a picture name such as ``x.png`` or ``x.jpg`` (files ``x-LAYER.png`` or
            ``x-LAYER.jpg`` beside it) or a folder (files ``maps-LAYER.png`` inside it).
        image: one raw ``uint8`` image ``[H, W, C]`` (or ``[1, H, W, C]``); default: the
            first fresh sample of the model's own dataset (seed 1).
        layers: layer names (default: every convolution and pooling layer).
        subject: how the titles name the image (default: its class for a fresh sample,
            else "the given image").

    Returns:
        The PNG files written, one per layer.

    Raises:
        UnknownNameError, IncompatibleError, DataError: as :func:`feature_maps`.

    Example:
        >>> draw_feature_maps("runs/shapes-lenet", "out", layers=["conv1"])  # doctest: +SKIP
        [PosixPath('out/maps-conv1.png')]
    """
    model, info = probe.load(model)
    if image is None:
        samples = probe.model_samples(info, 1, seed=1)
        image, subject = samples.images[:1], subject or _subject(info, samples.labels)
    else:
        image, subject = _as_batch(image)[:1], subject or "the given image"
    maps = feature_maps(model, image, layers)
    files = _files(path, "maps", list(maps))
    for (name, stack), file in zip(maps.items(), files, strict=True):
        kind = type(model.get_layer(name)).__name__
        _, h, w, k = stack.shape
        title = (
            f"{name} ({kind}): {k} map{'s' * (k != 1)} of {h}x{w}, for {subject}\n"
            "grey: each map scaled to its own range, dark = low, white = high"
        )
        _draw_maps(file, stack[0], image[0], title)
    return files


def _draw_maps(path: Path, maps: np.ndarray, image: np.ndarray, title: str) -> Path:
    """The input on the left, each map in grey on its own range on the right."""
    k = maps.shape[-1]
    flat = maps.reshape(-1, k).max(axis=0) == maps.reshape(-1, k).min(axis=0)
    titles = [f"#{i}" + (" flat" if flat[i] else "") for i in range(k)]
    tiles = normalize(np.moveaxis(maps, -1, 0))
    return grid_figure(path, tiles, titles, title, math.ceil(math.sqrt(k)), image=image)


def _conv_layers(model: Any) -> list[str]:
    return [
        layer.name
        for layer in model.layers
        if "Conv" in type(layer).__name__ and len(getattr(layer, "kernel", np.zeros(0)).shape) == 4
    ]


def draw_kernels(model: Any, path: str | Path, layer: str | None = None) -> Path:
    """A convolution's kernels as pictures: one tile per filter and input channel.

    Weights share one diverging colour scale centred on 0 (blue negative, white 0, red
    positive), explained by a colour bar. A layer reading several channels gets one row per
    input channel (for an RGB image: R, G, B); at most 64 filters and 16 channels are drawn.

    Args:
        model: a model made by :func:`kerazoo.build`, a ``.keras`` file or a run folder.
        path: the picture file (``.png``, ``.jpg``, ``.svg``...), or a folder (file
            ``kernels-LAYER.png`` inside it).
        layer: a convolution layer (default: the first one).

    Returns:
        The PNG written.

    Raises:
        UnknownNameError: ``layer`` is not a convolution of the model (they are listed).
        IncompatibleError: the model has no convolution.

    Example:
        >>> draw_kernels("runs/shapes-lenet", "kernels.png")           # doctest: +SKIP
        PosixPath('kernels.png')
    """
    model, info = probe.load(model)
    convs = _conv_layers(model)
    if layer is None:
        if not convs:
            raise IncompatibleError(f"Model {model.name!r} has no convolution to draw.")
        layer = convs[0]
    if layer not in convs:
        raise unknown_choice(
            "layer",
            layer,
            convs,
            what="convolution layer",
            owner=f"model {model.name!r}",
            listed="Convolutions",
            error=UnknownNameError,
        )
    out = Path(path)
    if not is_picture_name(out):
        out = out / f"kernels-{layer}.png"
    kernel = keras.ops.convert_to_numpy(model.get_layer(layer).kernel)  # (kh, kw, in, out)
    kh, kw, n_in, n_out = kernel.shape
    shown = kernel[:, :, :_MAX_CHANNELS, :_MAX_FILTERS]
    c_in, c_out = shown.shape[2:]
    tiles = shown.transpose(2, 3, 0, 1).reshape(-1, kh, kw)  # row r = input channel r
    names = list("RGB") if n_in == 3 else [f"in {c}" for c in range(c_in)]
    cut = f" (first {c_out} of {n_out} filters, {c_in} of {n_in} channels)" * (
        (c_out, c_in) != (n_out, n_in)
    )
    rows_say = "" if c_in == 1 else "; one row per input channel"
    title = (
        f"{layer}: {n_out} kernels of {kh}x{kw} over {n_in} channel{'s' * (n_in != 1)}{cut}\n"
        f"weights: blue < 0 < red, one scale for all{rows_say}"
    )
    vmax = float(np.abs(shown).max()) or 1.0
    cols = c_out if c_in > 1 else min(c_out, max(4, math.ceil(math.sqrt(c_out))))
    titles = [f"#{i % c_out}" if c_in == 1 or i < c_out else "" for i in range(len(tiles))]
    return grid_figure(
        out,
        tiles,
        titles,
        title,
        cols,
        row_labels=names if c_in > 1 else (),
        cmap="RdBu_r",
        vrange=(-vmax, vmax),
        colorbar="weight (white = 0)",
    )
