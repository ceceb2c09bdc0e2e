"""Devices and what runs fast on them: accelerators, channel order, XLA.

Example:
    >>> resolve_data_format("auto", backend="tensorflow", gpu=False)
    'channels_last'
"""

from __future__ import annotations

import warnings
from typing import Any

from kerazoo._errors import IncompatibleError, InvalidOptionError, option, unknown_choice

__all__ = ["check_precision", "has_accelerator", "resolve_data_format", "resolve_jit"]


def has_accelerator(backend: str | None = None) -> bool:
    """Whether the Keras backend sees a GPU (or TPU).

    Example:
        >>> has_accelerator()   # doctest: +SKIP
        False
    """
    import keras

    backend = backend or keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return bool(tf.config.list_physical_devices("GPU"))
    if backend == "jax":
        import jax

        return any(d.platform != "cpu" for d in jax.devices())
    if backend == "torch":
        import torch

        return bool(torch.cuda.is_available())
    return False


def resolve_data_format(
    data_format: str = "auto",
    *,
    backend: str | None = None,
    gpu: bool | None = None,
    allow_unrunnable: bool = False,
) -> str:
    """Turn ``"auto"`` into the channel order that runs fast here; refuse one that can't run.

    ``auto``: ``channels_last`` on TensorFlow (the only order its CPU kernels accept, and the
    fast one for cuDNN) and JAX, ``channels_first`` on torch (its native layout).

    Args:
        data_format: ``"auto"``, ``"channels_last"`` or ``"channels_first"``.
        backend: the Keras backend (default: the current one).
        gpu: whether an accelerator is present (default: detected).
        allow_unrunnable: accept an order this machine cannot run (to build, not run).

    Returns:
        ``"channels_last"`` or ``"channels_first"``.

    Raises:
        InvalidOptionError: an unknown value.
        IncompatibleError: ``channels_first`` on TensorFlow without a GPU.

    Example:
        >>> resolve_data_format("auto", backend="tensorflow", gpu=False)
        'channels_last'
    """
    valid = ("auto", "channels_last", "channels_first")
    if data_format not in valid:
        raise unknown_choice("data_format", data_format, valid)
    if backend is None:
        import keras

        backend = keras.backend.backend()
    if data_format == "auto":
        return "channels_first" if backend == "torch" else "channels_last"
    if data_format == "channels_first" and backend == "tensorflow" and not allow_unrunnable:
        if gpu is None:
            gpu = has_accelerator(backend)
        if not gpu:
            raise IncompatibleError(
                f"{option('data_format', 'channels_first')} cannot run on TensorFlow "
                "without a GPU: TensorFlow's CPU convolutions only accept channels_last. Use "
                f"{option('data_format', 'auto')} or {option('data_format', 'channels_last')}."
            )
    return data_format


def resolve_jit(value: Any) -> bool:
    """``True``/``False`` as given; ``"auto"``: XLA on JAX and on a TensorFlow GPU."""
    if isinstance(value, bool):
        return value
    if value != "auto":
        raise InvalidOptionError(f"jit_compile must be True, False or 'auto', got {value!r}.")
    import keras

    backend = keras.backend.backend()
    return backend == "jax" or (backend == "tensorflow" and has_accelerator(backend))


def check_precision(precision: str, *, accelerator: bool | None = None) -> None:
    """Warn when mixed precision is asked for on a machine it will not speed up.

    Mixed precision is faster only where the hardware computes in 16 bits quickly: float16
    on GPUs with tensor cores, bfloat16 on TPUs and recent GPUs. On a CPU the casts cost more
    than they save, so a run is usually slower (and float16 may lose accuracy).

    Args:
        precision: ``"float32"``, ``"mixed_float16"`` or ``"mixed_bfloat16"``.
        accelerator: whether a GPU/TPU is present (default: detected).

    Example:
        >>> check_precision("float32")  # float32 never warns
    """
    if not precision.startswith("mixed_"):
        return
    if accelerator is None:
        accelerator = has_accelerator()
    if accelerator:
        return
    hardware = "a TPU or a recent GPU" if precision == "mixed_bfloat16" else "a GPU"
    warnings.warn(
        f"{option('precision', precision)} is meant for {hardware}, and no GPU or TPU is "
        "visible here: on a CPU mixed precision is usually slower than float32, not faster. "
        f"Use {option('precision', 'float32')} unless you are testing the mixed-precision "
        "path.",
        UserWarning,
        stacklevel=3,
    )
