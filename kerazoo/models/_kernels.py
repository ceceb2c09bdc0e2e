"""Kernel initialisation and L2 regularisation, applied by the builder to any body.

The classic experiments "He vs Glorot vs a plain normal", "ten times smaller initial
weights" and "with weight decay" are one setting each, for every architecture, third-party
ones included: after the model is assembled, every convolution and dense kernel (the head's
too) is redrawn from the chosen initializer and given an ``L2`` regularizer. Each layer's
config is updated as well (``kernel_initializer``, ``kernel_regularizer``), so the saved
file says what was used and loads in safe mode with no kerazoo code; a resumed run keeps
the regularizer. Biases are left as they are (zeros).

Example:
    >>> initializer("he_normal", 0.5).get_config()["scale"]
    0.5
"""

from __future__ import annotations

from typing import Any

from kerazoo._errors import check_choice

__all__ = ["INITS", "NORMAL_STDDEV", "apply_kernel_options", "initializer", "kernel_options"]

#: ``init`` choices: ``auto`` keeps each architecture's own initializers.
INITS = (
    "auto",
    "he_normal",
    "he_uniform",
    "glorot_normal",
    "glorot_uniform",
    "lecun_normal",
    "normal",
)
#: The standard deviation of ``init="normal"`` at ``init_scale=1`` (Keras' RandomNormal).
NORMAL_STDDEV = 0.05
#: name -> (variance scale, fan mode, distribution) of keras.initializers.VarianceScaling
_VARIANCE = {
    "he_normal": (2.0, "fan_in", "truncated_normal"),
    "he_uniform": (2.0, "fan_in", "uniform"),
    "glorot_normal": (1.0, "fan_avg", "truncated_normal"),
    "glorot_uniform": (1.0, "fan_avg", "uniform"),
    "lecun_normal": (1.0, "fan_in", "truncated_normal"),
}
#: Weight attributes that hold a kernel (Dense, Conv*, DepthwiseConv, SeparableConv).
_KERNELS = ("kernel", "depthwise_kernel", "pointwise_kernel")


def initializer(init: str, scale: float = 1.0) -> Any:
    """A Keras initializer for ``init`` whose weights are ``scale`` times the usual ones.

    Args:
        init: one of :data:`INITS` but ``auto``.
        scale: multiplies the weights' standard deviation (the variance by ``scale**2``).

    Returns:
        A ``keras.initializers.VarianceScaling`` (He, Glorot, LeCun) or ``RandomNormal``
        (``normal``: standard deviation ``0.05 * scale``).

    Example:
        >>> round(initializer("normal", 0.2).get_config()["stddev"], 6)
        0.01
    """
    import keras

    if init == "normal":
        return keras.initializers.RandomNormal(mean=0.0, stddev=NORMAL_STDDEV * scale)
    base, mode, distribution = _VARIANCE[init]
    return keras.initializers.VarianceScaling(base * scale**2, mode, distribution)


def kernel_options(init: str, init_scale: float, l2: float) -> dict[str, Any]:
    """Check ``init``, ``init_scale`` and ``l2``; return those that differ from the
    defaults (what the model's metadata records).

    Raises:
        InvalidOptionError: an unknown ``init``, or a scale or factor out of range.

    Example:
        >>> kernel_options("auto", 1.0, 1e-4)
        {'l2': 0.0001}
    """
    from kerazoo._errors import InvalidOptionError

    check_choice(init, INITS, "init")
    for name, value, low in (("init_scale", init_scale, 0.0), ("l2", l2, -1.0)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= low:
            rule = "a number above 0" if name == "init_scale" else "a number of at least 0"
            error = InvalidOptionError(f"{name} must be {rule}, got {value!r}.")
            error.name, error.value = name, value
            raise error
    chosen = {"init": init, "init_scale": float(init_scale), "l2": float(l2)}
    defaults = {"init": "auto", "init_scale": 1.0, "l2": 0.0}
    return {k: v for k, v in chosen.items() if v != defaults[k]}


def _kernels(model: Any) -> list[tuple[Any, str, Any]]:
    """``(layer, attribute, variable)`` of every kernel in ``model``."""
    import keras

    found = []
    for layer in model.layers:
        for attr in _KERNELS:
            var = getattr(layer, attr, None)
            if isinstance(var, keras.Variable) and hasattr(layer, f"{attr}_initializer"):
                found.append((layer, attr, var))
    return found


def apply_kernel_options(
    model: Any, init: str = "auto", init_scale: float = 1.0, l2: float = 0.0
) -> int:
    """Redraw and regularise every convolution and dense kernel of ``model`` in place.

    Args:
        model: a built ``keras.Model`` (a flat functional graph).
        init: one of :data:`INITS`; ``auto`` keeps the architecture's own initializers
            (their weights are still multiplied by ``init_scale``).
        init_scale: multiplies the initial kernel weights.
        l2: the factor of an ``L2`` penalty on each kernel (0: none).

    Returns:
        How many kernels were changed (0 with the defaults: nothing is touched).

    Example:
        >>> apply_kernel_options(model, "glorot_uniform", l2=1e-4)    # doctest: +SKIP
        6
    """
    import keras

    if init == "auto" and init_scale == 1.0 and not l2:
        return 0
    kernels = _kernels(model)
    for layer, attr, var in kernels:
        if init != "auto":
            new = initializer(init, init_scale)
            setattr(layer, f"{attr}_initializer", new)  # the saved config says so
            var.assign(new(tuple(var.shape), dtype=var.dtype))
        elif init_scale != 1.0:
            var.assign(var * init_scale)
        if l2:
            penalty = keras.regularizers.L2(l2)
            setattr(layer, f"{attr}_regularizer", penalty)  # saved in the layer's config
            var.regularizer = penalty  # what Layer.losses reads
    return len(kernels)
