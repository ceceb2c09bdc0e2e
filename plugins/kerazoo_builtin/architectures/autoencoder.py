"""A convolutional autoencoder that reconstructs its input.

Encoder: ``depth`` stages of two 3x3 convolutions and 2x2 max-pooling, filters doubling from
``filters``; bottleneck: a 1x1 convolution to ``bottleneck`` channels at ``1 / 2**depth`` of
the input size; decoder: the mirror image with 2x upsampling; a last 3x3 convolution with a
sigmoid gives the image back in ``[0, 1]``.

Any size works, odd ones included (100x150, 27x11): the input is zero-padded up to a
multiple of ``2**depth`` and the output cropped back, so the output has exactly the input's
height, width and channels. The builder trains it against the input rescaled to ``[0, 1]``
(``images / 255``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from kerazoo import Architecture, InputSpec, Param

__all__ = ["Autoencoder"]


def _split(total: int) -> tuple[int, int]:
    return total // 2, total - total // 2


class Autoencoder(Architecture):
    """Convolutional encoder / decoder; supports reconstruction only.

    Example:
        >>> import kerazoo
        >>> ds = kerazoo.get_dataset("shapes")                                # doctest: +SKIP
        >>> model = kerazoo.build("autoencoder", ds, encoding="reconstruction")  # doctest: +SKIP
    """

    description: ClassVar[str] = "Convolutional autoencoder: reconstructs its input in [0, 1]"
    tasks: ClassVar[tuple[str, ...]] = ("reconstruction",)
    hyperparameters: ClassVar[dict[str, Param]] = {
        "depth": Param(2, int, low=1, high=5, help="encoder stages; each halves the image"),
        "filters": Param(16, int, low=4, high=128, log=True, help="filters of the 1st stage"),
        "bottleneck": Param(8, int, low=1, high=256, log=True, help="bottleneck channels"),
    }
    min_size: ClassVar[tuple[int, int]] = (2, 2)

    def build_body(self, inputs: Any, spec: InputSpec, data_format: str) -> Any:
        """Pad, encode, squeeze to the bottleneck, decode, crop; sigmoid output."""
        from keras import layers

        c = self.config
        step = 2 ** c["depth"]
        pad_h = _split(-spec.height % step)
        pad_w = _split(-spec.width % step)
        kw = {"padding": "same", "data_format": data_format}
        relu = {"activation": "relu", "kernel_initializer": "he_normal"}
        x = inputs
        if any(pad_h + pad_w):
            x = layers.ZeroPadding2D((pad_h, pad_w), data_format=data_format, name="pad")(x)
        widths = [c["filters"] * 2**i for i in range(c["depth"])]
        for i, f in enumerate(widths, start=1):
            x = layers.Conv2D(f, 3, name=f"enc{i}_conv1", **kw, **relu)(x)
            x = layers.Conv2D(f, 3, name=f"enc{i}_conv2", **kw, **relu)(x)
            x = layers.MaxPooling2D(2, data_format=data_format, name=f"enc{i}_pool")(x)
        x = layers.Conv2D(c["bottleneck"], 1, name="bottleneck", **kw, **relu)(x)
        for i, f in reversed(list(enumerate(widths, start=1))):
            x = layers.UpSampling2D(2, data_format=data_format, name=f"dec{i}_up")(x)
            x = layers.Conv2D(f, 3, name=f"dec{i}_conv1", **kw, **relu)(x)
            x = layers.Conv2D(f, 3, name=f"dec{i}_conv2", **kw, **relu)(x)
        x = layers.Conv2D(
            spec.channels,
            3,
            activation="sigmoid",
            kernel_initializer="glorot_uniform",
            name="reconstruction",
            **kw,
        )(x)
        if any(pad_h + pad_w):
            x = layers.Cropping2D((pad_h, pad_w), data_format=data_format, name="crop")(x)
        return x
