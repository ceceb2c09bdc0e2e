"""Probing a model: load it, find its layers, and make sub-models over named layers.

A sub-model is a ``keras.Model`` over the original model's own layers (no weights copied),
from the uint8 pixel input, or from the float image right after the model's rescaling (the
input that gradients are taken with respect to: ``pixels / 255``, in ``[0, 1]``). Models
made by :func:`kerazoo.build` are flat functional models, so any layer's output can be
asked for without a "graph disconnected" error; their metadata names the last convolution
and the logits layer (:attr:`kerazoo.ModelInfo.layers`), and for other Keras models they
are found by looking at the layers.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from kerazoo._errors import IncompatibleError, InvalidOptionError, UnknownNameError, unknown_choice
from kerazoo._task import InputSpec
from kerazoo.data._batches import encode_inputs
from kerazoo.data._dataset import Samples
from kerazoo.saving._info import ModelInfo

__all__ = [
    "array_channels_last",
    "feature_layers",
    "float_images",
    "layer_model",
    "load",
    "logits_layer",
    "last_conv_layer",
    "model_samples",
    "named_layer",
]

_FEATURE_CLASSES = ("Conv", "Pooling")


def load(model: Any) -> tuple[Any, ModelInfo]:
    """A model and its metadata from a model, a saved file, or a run folder.

    Args:
        model: a ``keras.Model`` made by :func:`kerazoo.build` or loaded by
            :func:`kerazoo.load_model`, a ``.keras``/``.h5`` file, or a run folder (its
            ``model.keras``; an unfinished run's ``best.keras`` or ``checkpoint.keras``,
            with a warning saying which).

    Returns:
        ``(keras_model, ModelInfo)``.

    Raises:
        ModelFileError: the file cannot be read.
        IncompatibleError: a model without kerazoo metadata.

    Example:
        >>> model, info = load("runs/shapes-lenet")                    # doctest: +SKIP
    """
    if isinstance(model, str | os.PathLike):
        from kerazoo.saving._load import load_model, model_file

        path, note = model_file(model)
        if note:
            warnings.warn(note, stacklevel=2)
        model, _ = load_model(path, compile=False)
    return model, ModelInfo.of(model)


def named_layer(model: Any, name: str) -> Any:
    """``model``'s layer ``name``.

    Raises:
        UnknownNameError: the model has no such layer (the message lists them).
    """
    names = [layer.name for layer in model.layers]
    if name not in names:
        raise unknown_choice(
            "layer", name, names, owner=f"model {model.name!r}", error=UnknownNameError
        )
    return model.get_layer(name)


def feature_layers(model: Any) -> list[str]:
    """Names of the convolution and pooling layers (4-D outputs), in order.

    Example:
        >>> feature_layers(kerazoo.build("lenet", "shapes"))           # doctest: +SKIP
        ['conv1', 'pool1', 'conv2', 'pool2']
    """
    return [
        layer.name
        for layer in model.layers
        if len(getattr(layer.output, "shape", ())) == 4
        and any(k in type(layer).__name__ for k in _FEATURE_CLASSES)
    ]


def last_conv_layer(model: Any, info: ModelInfo | None = None) -> str:
    """The last convolution layer (Grad-CAM's default), from the metadata or the layers.

    Raises:
        IncompatibleError: the model has no convolution layer.
    """
    if info is not None and info.layers and info.layers.get("last_conv"):
        return info.layers["last_conv"]
    convs = [n for n in feature_layers(model) if "Conv" in type(model.get_layer(n)).__name__]
    if not convs:
        raise IncompatibleError(
            f"Model {model.name!r} has no convolution layer with a 4-D output. Name a layer "
            f"with a 4-D output instead; its layers: {', '.join(_names(model))}."
        )
    return convs[-1]


def logits_layer(model: Any, info: ModelInfo | None = None) -> str:
    """The layer whose output is the score before any softmax (``value`` for regression).

    Raises:
        IncompatibleError: a reconstruction model (its output is an image, not a score).
    """
    if info is not None and info.layers and info.layers.get("logits"):
        return info.layers["logits"]
    if info is not None and info.task.kind == "reconstruction":
        raise IncompatibleError(
            f"Model {model.name!r} reconstructs images: it has no class score to explain."
        )
    last = model.layers[-1]
    if type(last).__name__ == "Activation" and len(model.layers) > 1:
        return model.layers[-2].name  # a separate softmax/sigmoid: take what feeds it
    return last.name


def _names(model: Any) -> list[str]:
    return [layer.name for layer in model.layers]


def _float_start(model: Any) -> Any:
    """The float image tensor in ``[0, 1]`` that the model's own rescaling produces."""
    inputs = model.inputs[0]
    for layer in model.layers[1:3]:
        if type(layer).__name__ == "Rescaling" and layer.input is inputs:
            return layer.output
    if "float" in str(inputs.dtype):
        return inputs
    raise IncompatibleError(
        f"Model {model.name!r} takes {inputs.dtype} pixels with no Rescaling layer after its "
        "input, so there is no float image to take gradients with respect to. Models made by "
        "kerazoo.build have one."
    )


def layer_model(model: Any, names: Sequence[str], start: str = "pixels") -> Any:
    """A ``keras.Model`` over ``model``'s own layers, outputting the named layers.

    Args:
        model: a functional ``keras.Model``.
        names: layer names, in the order the outputs should come.
        start: ``"pixels"`` (the model's uint8 input) or ``"float"`` (the image after the
            model's rescaling, ``pixels / 255``: what :func:`float_images` gives).

    Returns:
        A model with one output per name. Called or ``predict``-ed, a model with one output
        gives that output itself, not a list of one.

    Raises:
        UnknownNameError: a name the model has no layer for (the message lists them).

    Example:
        >>> maps = layer_model(model, ["conv1", "conv2"]).predict(x)   # doctest: +SKIP
    """
    import keras

    if start not in ("pixels", "float"):
        raise InvalidOptionError(f"start must be 'pixels' or 'float', got {start!r}.")
    outputs = [named_layer(model, name).output for name in names]
    inputs = model.inputs[0] if start == "pixels" else _float_start(model)
    return keras.Model(inputs, outputs, name=f"{model.name}_probe")


def float_images(images: Any, spec: InputSpec | ModelInfo) -> np.ndarray:
    """Raw ``uint8 [N, H, W, C]`` images as the float input of a ``start="float"`` model:
    laid out for the model, divided by 255."""
    return encode_inputs(images, spec).astype(np.float32) / np.float32(255.0)


def array_channels_last(array: Any, data_format: str) -> np.ndarray:
    """A ``[N, C, H, W]`` array as ``[N, H, W, C]`` when ``data_format`` is channels_first.

    For arrays a model produced; :func:`kerazoo.to_channels_last` converts a whole model."""
    array = np.asarray(array)
    if data_format == "channels_first" and array.ndim == 4:
        return array.transpose(0, 2, 3, 1)
    return array


def model_samples(info: ModelInfo, n: int, seed: int = 1) -> Samples:
    """``n`` fresh samples (with masks when the dataset draws them) of the dataset the model
    was trained on, from the options its metadata recorded.

    Raises:
        IncompatibleError: the metadata names no dataset (pass images instead).
        UnknownNameError: that dataset's plugin is not installed.
    """
    from kerazoo._registry import get_dataset

    if info.dataset is None:
        raise IncompatibleError(
            "The model's metadata names no dataset to draw images from: pass images."
        )
    dataset = get_dataset(info.dataset.name, **info.dataset.options)
    h, w, c = dataset.image_shape
    dataset.check_size(n, "count", work=4 * h * w * c)  # a float32 copy goes through the model
    return dataset.generate(n, seed=seed)
