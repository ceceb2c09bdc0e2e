"""Chopped VGG: VGG-style blocks of 3x3 convolutions, each block ending in 2x2 max-pooling.

Every classic experiment is one hyperparameter:

* half the filters: ``width=0.5`` (or ``filters=16``)
* deeper dense head: ``dense_layers=2``; wider dense: ``dense_units=512``
* no dense layers (convolutions straight into the output layer): ``dense_layers=0``
* linear hidden dense layers: ``dense_activation="linear"``; a softmax output instead of
  logits is the builder's ``softmax=True``
* batch normalisation: ``batch_norm=True``; dropout before each dense layer: ``dropout``

Each block halves the image (floor), so ``blocks`` blocks need sides of at least
``2 ** blocks``; smaller inputs are refused before anything is built, with the largest
depth that fits.
"""

from __future__ import annotations

from typing import Any, ClassVar

from kerazoo import Architecture, IncompatibleError, InputSpec, Param

__all__ = ["ChoppedVGG"]


class ChoppedVGG(Architecture):
    """VGG blocks (conv3x3 x ``convs``, max-pool) x ``blocks``, then dense layers.

    Block ``i`` (from 0) has ``round(filters * width * 2**i)`` filters, capped at
    ``max_filters``.

    Example:
        >>> import kerazoo
        >>> arch = kerazoo.get_architecture("chopped_vgg", blocks=2, width=0.5)  # doctest: +SKIP
        >>> model = kerazoo.build(arch, "shapes")                               # doctest: +SKIP
    """

    description: ClassVar[str] = "VGG blocks of 3x3 convs + max-pool, then dense layers"
    tasks: ClassVar[tuple[str, ...]] = ("classification", "regression")
    hyperparameters: ClassVar[dict[str, Param]] = {
        "blocks": Param(3, int, low=1, high=6, help="conv blocks; each halves the image"),
        "convs": Param(2, int, low=1, high=4, help="3x3 convolutions per block"),
        "filters": Param(32, int, low=4, high=256, log=True, help="filters of the 1st block"),
        "width": Param(1.0, float, low=0.125, high=4.0, log=True, help="filter multiplier"),
        "max_filters": Param(512, int, low=8, high=2048, tune=False, help="filter cap"),
        "dense_layers": Param(1, int, low=0, high=4, help="hidden dense layers (0: none)"),
        "dense_units": Param(256, int, low=16, high=2048, log=True, help="dense width"),
        "dense_activation": Param(
            "relu", str, choices=("relu", "linear"), help="activation of the dense layers"
        ),
        "dropout": Param(0.5, float, low=0.0, high=0.9, help="dropout before dense layers"),
        "batch_norm": Param(False, bool, help="batch normalisation after each conv"),
        "top": Param(
            "flatten",
            str,
            choices=("flatten", "average", "max"),
            help="feature map to vector: flatten (classic VGG) or global average/max pooling",
        ),
    }
    min_size: ClassVar[tuple[int, int]] = (8, 8)

    def block_filters(self) -> list[int]:
        """Filters of each block with the current hyperparameters."""
        c = self.config
        return [
            max(1, min(c["max_filters"], round(c["filters"] * c["width"] * 2**i)))
            for i in range(c["blocks"])
        ]

    def min_input_size(self) -> tuple[int, int]:
        """``2 ** blocks`` a side: each block's pooling halves the image."""
        side = 2 ** self.config["blocks"]
        return (side, side)

    def check_input(self, spec: InputSpec) -> None:
        """Refuse an input too small for the pooling stages, naming the depth that fits."""
        blocks = self.config["blocks"]
        need = 2**blocks
        if spec.height >= need and spec.width >= need:
            return
        fits = min(spec.height, spec.width).bit_length() - 1
        advice = (
            f"the largest depth that fits is blocks={fits}"
            if fits >= 1
            else "no depth fits: even one block needs 2x2"
        )
        raise IncompatibleError(
            f"Input {spec.height}x{spec.width} is too small for {self.display_name} with "
            f"blocks={blocks}: each block halves the image, so {blocks} blocks need at "
            f"least {need}x{need}; {advice}. Use fewer blocks or larger images."
        )

    def build_body(self, inputs: Any, spec: InputSpec, data_format: str) -> Any:
        """Conv blocks, flatten (or global pooling), then ``dense_layers`` dense layers."""
        from keras import layers

        c = self.config
        axis = 1 if data_format == "channels_first" else -1
        x = inputs
        for b, filters in enumerate(self.block_filters(), start=1):
            for k in range(1, c["convs"] + 1):
                x = layers.Conv2D(
                    filters,
                    3,
                    padding="same",
                    activation=None if c["batch_norm"] else "relu",
                    use_bias=not c["batch_norm"],
                    kernel_initializer="he_normal",
                    data_format=data_format,
                    name=f"block{b}_conv{k}",
                )(x)
                if c["batch_norm"]:
                    x = layers.BatchNormalization(axis=axis, name=f"block{b}_bn{k}")(x)
                    x = layers.Activation("relu", name=f"block{b}_relu{k}")(x)
            x = layers.MaxPooling2D(2, data_format=data_format, name=f"block{b}_pool")(x)
        if c["top"] == "average":
            x = layers.GlobalAveragePooling2D(data_format=data_format, name="global_pool")(x)
        elif c["top"] == "max":
            x = layers.GlobalMaxPooling2D(data_format=data_format, name="global_pool")(x)
        else:
            x = layers.Flatten(data_format=data_format, name="flatten")(x)
        act = c["dense_activation"]
        init = "he_normal" if act == "relu" else "glorot_uniform"
        for d in range(1, c["dense_layers"] + 1):
            if c["dropout"]:
                x = layers.Dropout(c["dropout"], name=f"dropout{d}")(x)
            x = layers.Dense(
                c["dense_units"], activation=act, kernel_initializer=init, name=f"dense{d}"
            )(x)
        if c["dropout"]:
            x = layers.Dropout(c["dropout"], name="dropout_head")(x)
        return x
