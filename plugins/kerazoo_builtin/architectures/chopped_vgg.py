"""Chopped VGG: VGG-style blocks of 3x3 convolutions, each block ending in 2x2 max-pooling.

Every classic experiment is one hyperparameter:

* half the filters: ``width=0.5`` (or ``filters=16``)
* VGG-16's conv counts: ``convs=2,2,3,3,3`` (one count per block; one number: every block)
* deeper dense head: ``dense_layers=2``; wider dense: ``dense_units=512`` (up to VGG's 4096)
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

from kerazoo import Architecture, IncompatibleError, InputSpec, InvalidOptionError, Param

__all__ = ["ChoppedVGG", "conv_counts"]

MAX_CONVS = 4


def conv_counts(value: Any) -> int | str:
    """Parse ``convs``: one count for every block (``2``), or one per block (``"2,2,3,3"``,
    ``[2, 2, 3, 3]``); each count from 1 to 4.

    Returns:
        The count (an ``int``), or the counts per block as a canonical ``"2,2,3,3"``
        string: a plain value that JSON, the command line and keras-tuner all keep as is.

    Example:
        >>> conv_counts([2, 2, 3, 3]), conv_counts(" 3 ")
        ('2,2,3,3', 3)
    """
    if isinstance(value, bool):
        raise ValueError("expected a count, got a boolean")
    parts = value.split(",") if isinstance(value, str) else value
    parts = list(parts) if isinstance(parts, (list, tuple)) else [parts]
    counts = [_count(p) for p in parts]
    if not counts or None in counts:
        raise ValueError(f"expected N or N,N,... (one count per block), got {value!r}")
    if any(not 1 <= c <= MAX_CONVS for c in counts):  # type: ignore[operator]
        raise ValueError(f"each count must be from 1 to {MAX_CONVS}, got {value!r}")
    if len(counts) == 1 and not isinstance(value, (list, tuple)):
        return int(counts[0])  # type: ignore[arg-type]
    return ",".join(str(c) for c in counts)


def _count(part: Any) -> int | None:
    """One whole number (``3``, ``3.0``, ``" 3"``), or ``None``."""
    if isinstance(part, bool):
        return None
    if isinstance(part, str):
        part = part.strip()
        return int(part) if part.isdigit() else None
    if isinstance(part, float):
        return int(part) if part.is_integer() else None
    return part if isinstance(part, int) else None


conv_counts.__name__ = "count, or one per block (2,2,3,3),"  # how Param.describe names it


class ChoppedVGG(Architecture):
    """VGG blocks (conv3x3 x ``convs``, max-pool) x ``blocks``, then dense layers.

    ``convs`` is one count for every block, or one per block (``"2,2,3,3"``).

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
        "convs": Param(
            2,
            conv_counts,
            low=1,
            high=MAX_CONVS,
            help="3x3 convolutions per block: one number for all, or one per block (2,2,3,3)",
        ),
        "filters": Param(32, int, low=4, high=256, log=True, help="filters of the 1st block"),
        "width": Param(1.0, float, low=0.125, high=4.0, log=True, help="filter multiplier"),
        "max_filters": Param(512, int, low=8, high=2048, tune=False, help="filter cap"),
        "dense_layers": Param(1, int, low=0, high=4, help="hidden dense layers (0: none)"),
        "dense_units": Param(
            256, int, low=16, high=4096, log=True, search=(32, 1024), help="dense width"
        ),
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

    def check_hyperparameters(self) -> None:
        """``convs`` given per block must give one count for each of the ``blocks``."""
        c = self.config
        counts = self.block_convs()
        if len(counts) != c["blocks"]:
            error = InvalidOptionError(
                f"The hyperparameter 'convs' of {self.display_name} gives {len(counts)} "
                f"counts ({c['convs']}) for blocks={c['blocks']}: give one count per block, or "
                f"one number for every block (convs=2)."
            )
            error.name, error.value = "convs", c["convs"]
            raise error

    def block_convs(self) -> list[int]:
        """Convolutions of each block with the current hyperparameters.

        Example:
            >>> ChoppedVGG(blocks=2, convs=3).block_convs()     # doctest: +SKIP
            [3, 3]
        """
        convs = self.config["convs"]
        if isinstance(convs, str):
            return [int(n) for n in convs.split(",")]
        return [convs] * self.config["blocks"]

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
        for b, (filters, convs) in enumerate(
            zip(self.block_filters(), self.block_convs(), strict=True), start=1
        ):
            for k in range(1, convs + 1):
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
