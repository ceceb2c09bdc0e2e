"""The ``kz_example_net`` architecture: convolution blocks, then global pooling.

An architecture plugin builds a *body* from the (already rescaled and normalised) input; the
builder adds the head for the task and chooses the loss.
"""

from __future__ import annotations

from typing import Any, ClassVar

import kerazoo
from kerazoo import InputSpec, Param


class SmallNet(kerazoo.Architecture):
    """``blocks`` x (conv 3x3, optional batch norm, activation, max-pool 2), global pooling.

    Example:
        >>> import kerazoo
        >>> arch = kerazoo.get_architecture("kz_example_net", blocks=3)
        >>> arch.min_input_size()
        (8, 8)
    """

    description: ClassVar[str] = "conv blocks (width, depth, batch norm, dropout), global pool"
    tasks: ClassVar[tuple[str, ...]] = ("classification", "regression")
    # One table: defaults, validation, `--hp` flags, `kerazoo list --verbose` and the tuner's
    # search space (low/high and choices; tune=False keeps a value out of the search).
    hyperparameters: ClassVar[dict[str, Param]] = {
        "filters": Param(8, int, low=2, high=64, log=True, help="filters of the 1st block"),
        "blocks": Param(2, int, low=1, high=4, help="conv blocks; each halves the image"),
        "batchnorm": Param(True, bool, help="batch normalisation after each conv"),
        "dropout": Param(0.0, float, low=0.0, high=0.5, help="dropout before the head"),
        "activation": Param(
            "relu", str, choices=("relu", "elu", "gelu"), tune=False, help="hidden activation"
        ),
    }
    min_size: ClassVar[tuple[int, int]] = (4, 4)  # with the default blocks=2

    def min_input_size(self) -> tuple[int, int]:
        """(height, width): each block's pooling halves a side, so 2**blocks."""
        side = 2 ** self.config["blocks"]
        return (side, side)

    def build_body(self, inputs: Any, spec: InputSpec, data_format: str) -> Any:
        """Return features; pass ``data_format`` to every layer that takes one."""
        from keras import layers  # import keras inside: `kerazoo list` stays fast

        c = self.config
        channel_axis = 1 if data_format == "channels_first" else -1
        x = inputs
        for i in range(c["blocks"]):
            x = layers.Conv2D(
                c["filters"] * 2**i,
                3,
                padding="same",
                data_format=data_format,
                use_bias=not c["batchnorm"],
                name=f"conv{i + 1}",
            )(x)
            if c["batchnorm"]:
                x = layers.BatchNormalization(axis=channel_axis, name=f"bn{i + 1}")(x)
            x = layers.Activation(c["activation"], name=f"act{i + 1}")(x)
            x = layers.MaxPooling2D(2, data_format=data_format, name=f"pool{i + 1}")(x)
        x = layers.GlobalAveragePooling2D(data_format=data_format, name="pool")(x)
        if c["dropout"] > 0:
            x = layers.Dropout(c["dropout"], name="dropout")(x)
        return x
