"""The first layers of every model: raw ``uint8`` pixels in, rescaled and normalised.

Normalisation statistics are computed here in numpy from the training images and assigned
to a ``keras.layers.Normalization`` layer, so the model carries them and a saved file needs
no kerazoo code to run. The normalisations:

* ``channel``: one mean and standard deviation per channel, over the training images;
* ``image``: a mean image and a standard deviation per pixel, over the training images;
* ``per_image``: each image minus its own mean (per channel), computed inside the model for
  every image it sees (``GlobalAveragePooling2D`` and ``Subtract``): brightness goes, the
  scale stays ``pixels / 255``;
* ``none``: ``pixels / 255`` only.

``pad_to`` zero-pads the image inside the model, after the rescaling and before the
normalisation (so the border is black, as in LeNet's 28x28 digits padded to 32x32): the
body sees the padded size while the model still takes the dataset's images.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kerazoo._errors import DataError, IncompatibleError, InvalidOptionError, option
from kerazoo._task import InputSpec

__all__ = ["NORMALIZATIONS", "normalization_stats", "pad_images", "padding", "pixel_input"]

NORMALIZATIONS = ("channel", "image", "per_image", "none")
#: Normalisations with statistics adapted on the training images.
ADAPTED = ("channel", "image")
Pads = tuple[tuple[int, int], tuple[int, int]]
_VAR_FLOOR = {"channel": 1e-4, "image": 1e-2}  # std >= 0.01 per channel, 0.1 per pixel


def normalization_stats(
    images: Any, spec: InputSpec, mode: str, pads: Pads | None = None
) -> tuple[np.ndarray, np.ndarray, int]:
    """Mean, variance (floored) and count of ``images / 255`` for a Normalization layer.

    Args:
        images: the raw training images, ``uint8 [N, H, W, C]``.
        spec: the model's input contract (its layout decides the statistics' layout).
        mode: ``"channel"`` (one mean per channel) or ``"image"`` (a mean image).
        pads: the model's zero padding (:func:`padding`): the statistics are those of the
            padded images the normalisation sees.

    Raises:
        DataError: images that are not ``uint8`` of ``spec``'s shape.

    Example:
        >>> spec = InputSpec(2, 2, 1)
        >>> normalization_stats(np.full((3, 2, 2, 1), 255, np.uint8), spec, "channel")[0]
        array([1.], dtype=float32)
    """
    images = np.asarray(images)
    want = (spec.height, spec.width, spec.channels)
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[1:] != want or not len(images):
        raise DataError(
            "adapt= takes the raw training images as uint8 [N, H, W, C] with "
            f"(H, W, C) = {want}, got {images.dtype} {images.shape}."
        )
    x = pad_images(images, pads).astype(np.float32) * np.float32(1.0 / 255.0)
    axes = (0, 1, 2) if mode == "channel" else (0,)
    mean = x.mean(axis=axes, dtype=np.float64)
    var = np.maximum(x.var(axis=axes, dtype=np.float64), _VAR_FLOOR[mode])
    if mode == "image" and spec.data_format == "channels_first":
        mean, var = mean.transpose(2, 0, 1), var.transpose(2, 0, 1)
    return mean.astype(np.float32), var.astype(np.float32), len(images)


def padding(spec: InputSpec, pad_to: int | None) -> tuple[InputSpec, Pads | None]:
    """The spec the body sees after padding up to ``pad_to`` a side, and the padding
    ``((top, bottom), (left, right))`` (``None`` when nothing is padded).

    Raises:
        IncompatibleError: a side already larger than ``pad_to`` (padding never crops).

    Example:
        >>> padding(InputSpec(28, 28, 1), 32)[1]
        ((2, 2), (2, 2))
    """
    if pad_to is None:
        return spec, None
    if isinstance(pad_to, bool) or not isinstance(pad_to, int) or pad_to < 1:
        error = InvalidOptionError(f"pad_to must be a positive integer, got {pad_to!r}.")
        error.name, error.value = "pad_to", pad_to
        raise error
    if spec.height > pad_to or spec.width > pad_to:
        raise IncompatibleError(
            f"{option('pad_to', pad_to)} pads the image up to {pad_to}x{pad_to}, but the "
            f"dataset's images are already {spec.height}x{spec.width}: padding never crops. "
            f"Use {option('pad_to', max(spec.height, spec.width))} or more, or leave it out."
        )
    dh, dw = pad_to - spec.height, pad_to - spec.width
    if not dh and not dw:
        return spec, None
    pads = ((dh // 2, dh - dh // 2), (dw // 2, dw - dw // 2))
    return InputSpec(pad_to, pad_to, spec.channels, spec.data_format, spec.dtype), pads


def pad_images(images: np.ndarray, pads: Pads | None) -> np.ndarray:
    """``uint8 [N, H, W, C]`` images zero-padded as the model pads them.

    Example:
        >>> pad_images(np.ones((1, 2, 2, 1), np.uint8), ((1, 0), (0, 1))).shape
        (1, 3, 3, 1)
    """
    if pads is None:
        return images
    return np.pad(np.asarray(images), ((0, 0), *pads, (0, 0)))


def pixel_input(
    spec: InputSpec, mode: str, stats: Any, pads: Pads | None = None
) -> tuple[Any, Any]:
    """``(inputs, x)``: the uint8 input and the rescaled, padded, normalised tensor after it.

    Args:
        spec: the input contract.
        mode: one of :data:`NORMALIZATIONS`.
        stats: :func:`normalization_stats` output (of padded images when ``pads``), or
            ``None`` when nothing was adapted.
        pads: :func:`padding`'s padding, or ``None``.
    """
    import keras
    from keras import layers

    inputs = keras.Input(shape=spec.shape, dtype="uint8", name="pixels")
    x = layers.Rescaling(1.0 / 255.0, name="rescale")(inputs)
    if pads is not None:
        x = layers.ZeroPadding2D(pads, data_format=spec.data_format, name="pad_to")(x)
    if mode == "per_image":
        mean = layers.GlobalAveragePooling2D(
            data_format=spec.data_format, keepdims=True, name="image_mean"
        )(x)
        return inputs, layers.Subtract(name="subtract_image_mean")([x, mean])
    if stats is None:
        return inputs, x
    channel_axis = -1 if spec.data_format == "channels_last" else 1
    norm = layers.Normalization(
        axis=channel_axis if mode == "channel" else (1, 2, 3), name="normalize"
    )
    x = norm(x)
    norm.adapt_mean.assign(stats[0])
    norm.adapt_variance.assign(stats[1])
    norm.count.assign(stats[2])
    norm.finalize_state()
    return inputs, x
