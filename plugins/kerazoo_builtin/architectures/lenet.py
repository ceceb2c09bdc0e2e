"""LeNet-5: two convolution + pooling stages and two dense layers (120, 84).

The network is sized from the input: each pooling stage shrinks a side by about the square
root of ``side / 5``, so the last feature map is around 5-7 pixels a side as in the
original 32x32 LeNet, from 11x27 traffic lights up to 100x150 photographs. Convolutions use
``same`` padding (5x5 kernels, 3x3 on sides under 20 pixels), so any input of at least 4x4
works.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from kerazoo import Architecture, InputSpec, Param

__all__ = ["LeNet", "lenet_geometry"]


def lenet_geometry(height: int, width: int) -> dict[str, tuple[int, int]]:
    """Kernel and pooling sizes LeNet uses for an input of ``height`` x ``width``.

    Example:
        >>> lenet_geometry(27, 11)
        {'kernel': (5, 3), 'pool': (2, 2)}
    """

    def pool(side: int) -> int:
        return max(2, round(math.sqrt(side / 5)))

    def kernel(side: int) -> int:
        return 5 if side >= 20 else 3

    return {"kernel": (kernel(height), kernel(width)), "pool": (pool(height), pool(width))}


class LeNet(Architecture):
    """LeNet-5 (LeCun et al. 1998) with ReLU and max-pooling by default.

    Example:
        >>> import kerazoo
        >>> model = kerazoo.build("lenet", "traffic_lights")   # doctest: +SKIP
    """

    description: ClassVar[str] = "LeNet-5: conv-pool x2, dense 120-84; sized from the input"
    tasks: ClassVar[tuple[str, ...]] = ("classification", "regression")
    hyperparameters: ClassVar[dict[str, Param]] = {
        "filters": Param(6, int, low=2, high=64, log=True, help="filters of the 1st conv"),
        "filters2": Param(16, int, low=4, high=128, log=True, help="filters of the 2nd conv"),
        "dense1": Param(120, int, low=0, high=1024, help="units of the 1st dense layer (0: none)"),
        "dense2": Param(84, int, low=0, high=1024, help="units of the 2nd dense layer (0: none)"),
        "activation": Param("relu", str, choices=("relu", "tanh"), help="hidden activation"),
        "pooling": Param("max", str, choices=("max", "average"), help="subsampling layers"),
    }
    min_size: ClassVar[tuple[int, int]] = (4, 4)

    def build_body(self, inputs: Any, spec: InputSpec, data_format: str) -> Any:
        """Two conv+pool stages, flatten, dense 120 and 84 (both optional)."""
        from keras import layers

        c = self.config
        geo = lenet_geometry(spec.height, spec.width)
        act = c["activation"]
        # initialisation that fits the activation: He for ReLU, Glorot for tanh
        init = "he_normal" if act == "relu" else "glorot_uniform"
        pool = layers.MaxPooling2D if c["pooling"] == "max" else layers.AveragePooling2D
        x = inputs
        for i, filters in enumerate((c["filters"], c["filters2"]), start=1):
            x = layers.Conv2D(
                filters,
                geo["kernel"],
                padding="same",
                activation=act,
                kernel_initializer=init,
                data_format=data_format,
                name=f"conv{i}",
            )(x)
            x = pool(geo["pool"], data_format=data_format, name=f"pool{i}")(x)
        x = layers.Flatten(data_format=data_format, name="flatten")(x)
        for i, units in enumerate((c["dense1"], c["dense2"]), start=1):
            if units:
                x = layers.Dense(units, activation=act, kernel_initializer=init, name=f"dense{i}")(
                    x
                )
        return x
