"""The first layers of every model: raw ``uint8`` pixels in, rescaled and normalised.

Normalisation statistics are computed here in numpy from the training images and assigned
to a ``keras.layers.Normalization`` layer, so the model carries them and a saved file needs
no kerazoo code to run.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kerazoo.errors import DataError
from kerazoo.task import InputSpec

__all__ = ["NORMALIZATIONS", "normalization_stats", "pixel_input"]

NORMALIZATIONS = ("channel", "image", "none")
_VAR_FLOOR = {"channel": 1e-4, "image": 1e-2}  # std >= 0.01 per channel, 0.1 per pixel


def normalization_stats(
    images: Any, spec: InputSpec, mode: str
) -> tuple[np.ndarray, np.ndarray, int]:
    """Mean, variance (floored) and count of ``images / 255`` for a Normalization layer.

    Args:
        images: the raw training images, ``uint8 [N, H, W, C]``.
        spec: the model's input contract (its layout decides the statistics' layout).
        mode: ``"channel"`` (one mean per channel) or ``"image"`` (a mean image).

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
    x = images.astype(np.float32) * np.float32(1.0 / 255.0)
    axes = (0, 1, 2) if mode == "channel" else (0,)
    mean = x.mean(axis=axes, dtype=np.float64)
    var = np.maximum(x.var(axis=axes, dtype=np.float64), _VAR_FLOOR[mode])
    if mode == "image" and spec.data_format == "channels_first":
        mean, var = mean.transpose(2, 0, 1), var.transpose(2, 0, 1)
    return mean.astype(np.float32), var.astype(np.float32), len(images)


def pixel_input(spec: InputSpec, mode: str, stats: Any) -> tuple[Any, Any]:
    """``(inputs, x)``: the uint8 input and the rescaled, normalised tensor after it.

    Args:
        spec: the input contract.
        mode: ``"channel"``, ``"image"`` or ``"none"``.
        stats: :func:`normalization_stats` output, or ``None`` for no normalisation.
    """
    import keras
    from keras import layers

    inputs = keras.Input(shape=spec.shape, dtype="uint8", name="pixels")
    x = layers.Rescaling(1.0 / 255.0, name="rescale")(inputs)
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
