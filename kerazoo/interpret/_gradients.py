"""One gradient helper per Keras backend: ``value_and_grad(fn, x)``.

Keras 3 has no backend-neutral way to differentiate a function with respect to its input
(``keras.ops`` has no ``grad``; training uses each backend's own machinery inside
``train_step``), so this is written by hand: a ``tf.GradientTape`` on TensorFlow,
``jax.value_and_grad`` on JAX. Everything else in :mod:`kerazoo.interpret` is ``keras.ops``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np

from kerazoo._errors import IncompatibleError

__all__ = ["SUPPORTED_BACKENDS", "value_and_grad"]

SUPPORTED_BACKENDS = ("tensorflow", "jax")


def value_and_grad(fn: Callable[[Any], Any], x: Any) -> tuple[Any, Any]:
    """``(fn(x), d fn / d x)`` for a function ``fn`` of one float tensor to a scalar.

    Args:
        fn: maps a float tensor to a scalar tensor (sum per-image objectives to get
            per-image gradients in one call).
        x: a float32 array or tensor.

    Returns:
        The value and the gradient (same shape as ``x``), as backend tensors.

    Raises:
        IncompatibleError: the Keras backend is neither TensorFlow nor JAX.

    Example:
        >>> value, grad = value_and_grad(lambda x: keras.ops.sum(x**2), np.ones(3, "float32"))
        >>> keras.ops.convert_to_numpy(grad)
        array([2., 2., 2.], dtype=float32)
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        x = tf.convert_to_tensor(np.asarray(x, dtype="float32") if _is_numpy(x) else x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            value = fn(x)
        return value, tape.gradient(value, x)
    if backend == "jax":
        import jax

        return jax.value_and_grad(fn)(keras.ops.convert_to_tensor(x, "float32"))
    raise IncompatibleError(
        f"Looking inside a network needs gradients, written for the "
        f"{' and '.join(SUPPORTED_BACKENDS)} backends of Keras; this one is {backend!r}. "
        "Set KERAS_BACKEND=tensorflow (or jax)."
    )


def _is_numpy(x: Any) -> bool:
    return isinstance(x, np.ndarray | list | tuple | float | int)
