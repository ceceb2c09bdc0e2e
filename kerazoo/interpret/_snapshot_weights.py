"""Weights over training: the snapshot name ``weights:LAYER`` records a layer's kernel, and
each frame tiles its filters, one tile per filter, on one symmetric scale for all frames.

What a tile shows:

* a 2-D convolution (kernel ``kh x kw x in x out``; transposed and depthwise ones read in
  the same terms): one ``kh x kw`` tile per output filter. With 1 input channel the tile is
  that channel; with 3 (an RGB image) it is drawn in colour; with any other number it is
  the **mean over the input channels** (the filter's answer to a pattern present equally
  in all its input maps), and the frame's text says so;
* a Dense layer that reads the flattened input image (an MLP's first layer): one image of
  the input's size per unit, its weight on each pixel, with the same channel rule.

At most the first 64 filters or units are drawn (the text says when a layer has more).
Colours: one channel (or the mean) on a diverging scale, blue below zero, white at zero,
red above; RGB kernels with mid grey at zero. The scale is the largest absolute weight of
any frame so far, for every frame of the GIF: weights that grow get stronger colours,
zero stays white (or grey), and a sign is read the same in every frame.

Reading is one ``kernel`` -> numpy conversion per frame; nothing runs on the probe image.

Example:
    >>> weights_layer("weights:conv1"), weights_layer("conv1")
    ('conv1', None)
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from kerazoo._errors import (
    IncompatibleError,
    InvalidOptionError,
    UnknownNameError,
    option,
    unknown_choice,
)
from kerazoo.interpret._snapshot_gif import tile_frames

__all__ = [
    "WEIGHTS",
    "Kernel",
    "check_weight_names",
    "draw_weights",
    "kernels",
    "scale_text",
    "weights_layer",
]

#: The prefix of a snapshot name that records a layer's kernel instead of its maps.
WEIGHTS = "weights:"
#: Most filters (or units) drawn per frame.
MAX_TILES = 64
#: Tiles smaller than this (pixels, the longer side) are enlarged, whole pixels.
_TILE_PX = 24


def weights_layer(name: str) -> str | None:
    """The layer of a ``weights:LAYER`` snapshot name; ``None`` for any other name."""
    return name[len(WEIGHTS) :] if name.startswith(WEIGHTS) else None


def _spell(name: str) -> str:
    """``--snapshot weights:conv1`` on the command line, ``'weights:conv1'`` in Python."""
    flag = option("snapshot", name)
    return flag if flag.startswith("--") else repr(name)


def check_weight_names(names: Sequence[str]) -> None:
    """Refuse a name with a kind other than ``weights:`` or with no layer after it.

    Raises:
        InvalidOptionError: ``weight:conv1`` (a misspelt kind) or ``weights:`` alone.
    """
    for name in names:
        kind, colon, layer = name.partition(":")
        if not colon:
            continue
        if kind + colon != WEIGHTS:
            raise InvalidOptionError(
                f"Snapshot name {name!r} is neither LAYER (its maps), weights:LAYER (its "
                f"kernel) nor 'output'. For the kernel use {_spell(WEIGHTS + layer)}."
            )
        if not layer:
            raise InvalidOptionError(
                f"Snapshot name {name!r} names no layer. Put the layer after it, e.g. "
                f"{_spell(WEIGHTS + 'conv1')}."
            )


class Kernel:
    """One layer's kernel as tiles: :meth:`read` gives ``float32 [k, h, w]`` (one channel or
    the mean) or ``[k, h, w, 3]`` (RGB), one tile per drawn filter or unit."""

    def __init__(self, layer: Any, image: tuple[int, int, int, bool] | None = None) -> None:
        """``image``: for a Dense layer on the flattened input, its ``(H, W, C, hwc)``."""
        self.layer, self.image = layer, image
        shape = _as_conv(layer, np.broadcast_to(np.float32(0), tuple(layer.kernel.shape))).shape
        self.count = shape[-1]
        self.channels = image[2] if image else shape[2]
        self.rgb = self.channels == 3
        if image:
            what = f"{self.count} units as {image[0]}x{image[1]} images"
        else:
            what = f"{self.count} filters of {shape[0]}x{shape[1]}"
        cut = f" (first {MAX_TILES})" if self.count > MAX_TILES else ""
        on = {1: "", 3: ", RGB"}.get(self.channels, f", mean of {self.channels} channels")
        self.title = f"{layer.name}: {what}{cut}{on}"

    def read(self) -> np.ndarray:
        """The kernel now, as tiles (one numpy conversion)."""
        kernel = np.asarray(keras.ops.convert_to_numpy(self.layer.kernel), np.float32)
        kernel = (kernel if self.image else _as_conv(self.layer, kernel))[..., :MAX_TILES]
        if self.image:  # (H*W*C, units): each unit's weight on every pixel
            h, w, c, hwc = self.image
            tiles = kernel.T.reshape(-1, h, w, c) if hwc else kernel.T.reshape(-1, c, h, w)
            tiles = tiles if hwc else tiles.transpose(0, 2, 3, 1)
        else:  # (kh, kw, in, out)
            tiles = kernel.transpose(3, 0, 1, 2)
        if self.rgb:
            return np.ascontiguousarray(tiles)
        return tiles[..., 0] if self.channels == 1 else tiles.mean(axis=-1)


def _as_conv(layer: Any, kernel: np.ndarray) -> np.ndarray:
    """A convolution's kernel as ``(kh, kw, in, out)``: a transposed convolution keeps
    ``(kh, kw, out, in)``, a depthwise one ``(kh, kw, in, multiplier)`` (one-channel filters,
    ``in * multiplier`` of them); a Dense kernel is returned as it is."""
    if kernel.ndim != 4:
        return kernel
    if isinstance(layer, keras.layers.Conv2DTranspose):
        return kernel.swapaxes(2, 3)
    if isinstance(layer, keras.layers.DepthwiseConv2D):
        return kernel.reshape(*kernel.shape[:2], 1, -1)
    return kernel


def scale_text(rgb: bool, top: float) -> str:
    """The second line of a frame's text: how the colours read, and the one scale.

    Example:
        >>> scale_text(False, 0.4134)
        'blue < 0 (white) < red; all frames +-0.41'
    """
    zero = "mid grey = 0" if rgb else "blue < 0 (white) < red"
    return f"{zero}; all frames +-{top:.2g}"


def _reason(layer: Any, model: Any, info: Any) -> str | tuple[int, int, int, bool]:
    """Why ``layer``'s kernel cannot be drawn, or ``""`` (a convolution), or the input image
    ``(H, W, C, hwc)`` a Dense layer reads."""
    kernel = getattr(layer, "kernel", None)
    if kernel is None or not hasattr(kernel, "shape"):
        return f"is a {type(layer).__name__} layer, which has no kernel (weights) to draw"
    shape = tuple(kernel.shape)
    if len(shape) == 4:
        return ""
    if len(shape) != 2:
        return f"has a kernel of shape {shape}; drawn are 2-D convolutions and Dense layers"
    inp = info.input
    image = _flat_image(layer, model, inp)
    if image is None:
        return (
            f"is a Dense layer that reads {shape[0]} numbers computed from the image, not the "
            f"{inp.height}x{inp.width}x{inp.channels} image itself; a Dense layer is drawn only "
            "on the flattened image"
        )
    return image


def _flat_image(layer: Any, model: Any, inp: Any) -> tuple[int, int, int, bool] | None:
    """``(H, W, C, hwc)`` when ``layer`` reads the input image flattened: every layer before
    it keeps one number per pixel and channel and has no kernel (rescaling, normalisation,
    flattening); ``hwc``: the flattened order is height, width, channel."""
    size = inp.height * inp.width * inp.channels
    try:
        before = keras.Model(model.inputs, layer.input).layers
    except (ValueError, AttributeError, TypeError):  # not one functional path from the input
        return None
    for other in before:
        out = getattr(other, "output", None)
        per_sample = math.prod(out.shape[1:]) if out is not None else None
        if hasattr(other, "kernel") or per_sample != size:
            return None
    flat = [other for other in before if isinstance(other, keras.layers.Flatten)]
    hwc = inp.data_format == "channels_last" or any(
        other.data_format == "channels_first" for other in flat
    )  # Keras' Flatten(data_format="channels_first") flattens height, width, channel
    return (inp.height, inp.width, inp.channels, hwc)


def kernels(model: Any, info: Any, names: Sequence[str], setting: str = "snapshot") -> dict:
    """A :class:`Kernel` for every ``weights:LAYER`` name of ``names``, checked.

    Args:
        model: the ``keras.Model`` being trained.
        info: its :class:`ModelInfo` (the input image's size, channels and layout).
        names: snapshot names; those without the ``weights:`` prefix are left out.
        setting: the option that took the names (``--snapshot`` on the command line).

    Returns:
        ``{name: Kernel}``.

    Raises:
        UnknownNameError: a layer the model does not have (the drawable ones are listed).
        IncompatibleError: a layer without a kernel, or a Dense layer not on the image.
    """
    reasons = {layer.name: _reason(layer, model, info) for layer in model.layers}
    valid = [WEIGHTS + n for n, why in reasons.items() if not isinstance(why, str) or not why]
    found = {}
    for name in names:
        layer = weights_layer(name)
        if layer is None:
            continue
        if name in valid:
            why = reasons[layer]
            found[name] = Kernel(model.get_layer(layer), why if why else None)
            continue
        if layer in reasons:
            raise IncompatibleError(
                f"Layer {layer!r} of model {model.name!r} {reasons[layer]}. Layers with a "
                f"kernel to draw: {', '.join(valid) or '(none)'}."
            )
        raise unknown_choice(
            setting,
            name,
            valid,
            what="layer",
            owner=f"model {model.name!r}",
            listed="Layers with a kernel to draw",
            error=UnknownNameError,
        )
    return found


@functools.cache
def _diverging() -> np.ndarray:
    """Matplotlib's ``RdBu_r`` as 256 ``uint8`` RGB colours: blue, white (128), red."""
    import matplotlib

    table = matplotlib.colormaps["RdBu_r"](np.linspace(0, 1, 256))[:, :3]
    return (table * 255).round().astype(np.uint8)


def draw_weights(stack: np.ndarray, top: float) -> np.ndarray:
    """Frames of tiles ``[F, k, h, w]`` (or ``[F, k, h, w, 3]``) as ``uint8`` RGB grids,
    ``-top`` .. ``top`` on the colour scale, tiles enlarged to about ``_TILE_PX`` pixels and
    2 pixels apart (black between diverging tiles, where white means 0; white between RGB).

    Example:
        >>> draw_weights(np.zeros((1, 4, 3, 3), np.float32), 1.0).shape
        (1, 50, 50, 3)
    """
    scaled = stack * (1 / top if top > 0 else 0.0)
    steps = np.clip(np.rint((scaled + 1) * 127.5), 0, 255).astype(np.uint8)
    pixels = steps if stack.ndim == 5 else _diverging()[steps]
    grow = max(1, math.ceil(_TILE_PX / max(stack.shape[2:4])))
    pixels = pixels.repeat(grow, axis=2).repeat(grow, axis=3)
    return tile_frames(pixels, pad=2, fill=255 if stack.ndim == 5 else 0)
