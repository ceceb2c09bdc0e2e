"""build(): the one place where head, loss, label encoding and channel order are chosen.

The model takes raw ``uint8`` pixels; rescaling and normalisation live inside it, then the
architecture's body, then a head chosen from the task: class logits (``sparse``/``onehot``),
one logit (``binary``), or, with ``softmax=True``, a separate ``softmax``/``sigmoid`` layer
and a loss on probabilities; one linear value scaled to the range (regression); the
architecture's own sigmoid output against ``images / 255`` (reconstruction). Only built-in
Keras layers are used, so saved models load with ``keras.saving.load_model(path,
safe_mode=True)`` and no kerazoo code. :func:`info` gives the metadata a saved file needs.
"""

from __future__ import annotations

import copy
import weakref
from typing import Any

import numpy as np

from kerazoo.data.dataset import Dataset
from kerazoo.data.encoding import check_encoding, effective_task
from kerazoo.errors import (
    DataError,
    IncompatibleError,
    InvalidOptionError,
    PluginError,
    UnknownNameError,
    check_choice,
    did_you_mean,
)
from kerazoo.models.architecture import Architecture
from kerazoo.models.optimizers import make_optimizer
from kerazoo.task import InputSpec, Task

__all__ = ["NORMALIZATIONS", "PRECISIONS", "build"]
__all__ += ["has_accelerator", "info", "resolve_data_format", "set_info"]

NORMALIZATIONS = ("channel", "image", "none")
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
#: encoding -> (loss, keras loss class, keras accuracy class)
_CLASSIFY = {
    "sparse": ("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy",
               "SparseCategoricalAccuracy"),
    "onehot": ("categorical_crossentropy", "CategoricalCrossentropy", "CategoricalAccuracy"),
    "binary": ("binary_crossentropy", "BinaryCrossentropy", "BinaryAccuracy"),
}  # fmt: skip
_VALUE_LOSSES = {"mse": "MeanSquaredError", "mae": "MeanAbsoluteError"}
_VAR_FLOOR = {"channel": 1e-4, "image": 1e-2}  # std >= 0.01 per channel, 0.1 per pixel
ADAPT_SAMPLES = 512

_INFO: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


# -- devices and channel order -------------------------------------------------------------
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
        raise InvalidOptionError(
            f"Unknown data_format {data_format!r}.{did_you_mean(str(data_format), valid)} "
            f"Valid: {', '.join(valid)}."
        )
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
                "data_format='channels_first' cannot run on TensorFlow without a GPU: "
                "TensorFlow's CPU convolutions only accept channels_last. Use "
                "data_format='auto' or 'channels_last'."
            )
    return data_format


# -- metadata ------------------------------------------------------------------------------
def info(model: Any) -> dict[str, Any]:
    """The kerazoo metadata of a model made by :func:`build`, as saved in ``kerazoo.json``.

    Returns:
        A fresh JSON-ready dict: ``task`` (with ``encoding`` and ``output``), ``input``,
        ``dataset``, ``architecture`` and ``compile``.

    Raises:
        IncompatibleError: the model was not made by :func:`build` (and no
            :func:`set_info` attached metadata to it).

    Example:
        >>> model = kerazoo.build("lenet", "shapes")       # doctest: +SKIP
        >>> info(model)["task"]["output"]                   # doctest: +SKIP
        'logits'
    """
    try:
        data = _INFO[model]
    except (KeyError, TypeError):
        raise IncompatibleError(
            f"{type(model).__name__} {getattr(model, 'name', '')!r} carries no kerazoo "
            "metadata: it was not made by kerazoo.build (or was loaded without its "
            "kerazoo.json). Build it with kerazoo.build or load it with kerazoo.load_model."
        ) from None
    return copy.deepcopy(data)


def set_info(model: Any, data: dict[str, Any]) -> None:
    """Attach kerazoo metadata to a model (what a loader does after reading a file).

    Example:
        >>> set_info(loaded, metadata)   # doctest: +SKIP
    """
    _INFO[model] = copy.deepcopy(dict(data))


# -- the builder ---------------------------------------------------------------------------
def build(
    architecture: str | Architecture,
    dataset: str | Dataset,
    *,
    encoding: str | None = None,
    softmax: bool = False,
    loss: str | None = None,
    data_format: str = "auto",
    normalization: str = "channel",
    adapt: np.ndarray | None = None,
    seed: int | None = None,
    optimizer: Any = "adam",
    learning_rate: float | None = None,
    schedule: str | None = None,
    steps_per_epoch: int | None = None,
    epochs: int | None = None,
    precision: str = "float32",
    jit_compile: bool | str = "auto",
    name: str | None = None,
    _allow_unrunnable: bool = False,
) -> Any:
    """Build and compile a model for ``dataset``'s task from ``architecture``'s body.

    Args:
        architecture: a registered name (default hyperparameters) or an Architecture.
        dataset: a registered name (default options) or a Dataset.
        encoding: ``"sparse"`` (default for classification), ``"onehot"``, ``"binary"``
            (2 classes, one logit), ``"regression"``, or ``"reconstruction"`` (any dataset:
            the target is the image itself).
        softmax: add a named ``softmax`` (``sigmoid`` for binary) layer so the model outputs
            probabilities; the loss then takes probabilities. Default: logits.
        loss: ``"mse"`` (default) or ``"mae"`` for regression and reconstruction; for
            classification the encoding decides it.
        data_format: ``"auto"``, ``"channels_last"`` or ``"channels_first"``.
        normalization: ``"channel"`` (per-channel mean/std), ``"image"`` (per-pixel mean
            image and std) or ``"none"``; adapted on ``adapt``.
        adapt: ``uint8 [N, H, W, C]`` training images to adapt the normalisation on.
            Default: ``dataset.generate(512, seed)``.
        seed: the dataset seed the training data comes from (recorded; used for adapting
            when ``adapt`` is not given, default 0).
        optimizer: a name from :data:`kerazoo.models.optimizers.OPTIMIZERS` or a
            ``keras.optimizers.Optimizer``.
        learning_rate: default per optimizer (0.001 for adam, 0.01 for sgd, ...).
        schedule: ``"none"``, ``"exponential"`` (10x decay over the run), ``"cosine"`` or
            ``"onecycle"``; a schedule needs ``steps_per_epoch`` and ``epochs``.
        precision: ``"float32"``, ``"mixed_float16"`` or ``"mixed_bfloat16"`` (for GPUs;
            the head and output stay float32). The global dtype policy is left unchanged.
        jit_compile: ``True``/``False``, or ``"auto"`` (XLA on a TensorFlow GPU and on JAX).
        name: the model's name (default ``"<architecture>_<dataset>"``).

    Returns:
        A compiled ``keras.Model`` taking ``uint8`` pixels in the resolved layout; its
        metadata is :func:`info` ``(model)``.

    Raises:
        IncompatibleError: a task, encoding, loss, size or layout that cannot work together.
        UnknownNameError, InvalidOptionError: unknown or invalid option values.

    Example:
        >>> import kerazoo
        >>> model = kerazoo.build("lenet", "shapes", optimizer="momentum")   # doctest: +SKIP
        >>> model.fit(x_uint8, y, epochs=1)                                  # doctest: +SKIP
    """
    arch = _plugin(architecture, Architecture, "architecture")
    ds = _plugin(dataset, Dataset, "dataset")
    encoding = check_encoding(ds.task, encoding)
    task = effective_task(ds.task, encoding)
    _check_task(arch, task, ds.task)
    loss_name = _loss_name(task, encoding, loss)
    if softmax and task.kind != "classification":
        raise IncompatibleError(
            f"softmax=True adds a softmax to class logits, but this is a {task.kind} task "
            "with no classes. Leave softmax out."
        )
    fmt = resolve_data_format(data_format, allow_unrunnable=_allow_unrunnable)
    h, w, c = ds.image_shape
    spec = InputSpec(h, w, c, fmt)
    arch.check_input(spec)
    check_choice(normalization, NORMALIZATIONS, "normalization")
    check_choice(precision, PRECISIONS, "precision")
    jit = _jit(jit_compile)
    opt, opt_info = make_optimizer(optimizer, learning_rate, schedule, steps_per_epoch, epochs)
    seed_used = seed
    stats = None
    if normalization != "none":
        if adapt is None:
            seed_used = 0 if seed is None else seed
            adapt = ds.generate(ADAPT_SAMPLES, seed=seed_used).images
        stats = _stats(adapt, spec, normalization)

    import keras
    from keras import layers

    inputs = keras.Input(shape=spec.shape, dtype="uint8", name="pixels")
    x = layers.Rescaling(1.0 / 255.0, name="rescale")(inputs)
    if stats is not None:
        axis = (-1 if fmt == "channels_last" else 1) if normalization == "channel" else (1, 2, 3)
        norm = layers.Normalization(axis=axis, name="normalize")
        x = norm(x)
        norm.adapt_mean.assign(stats[0])
        norm.adapt_variance.assign(stats[1])
        norm.count.assign(stats[2])
        norm.finalize_state()
    previous = keras.config.dtype_policy()
    try:  # the body's layers take the mixed policy; the global one is restored
        if precision != "float32":
            keras.config.set_dtype_policy(precision)
        features = arch.build_body(x, spec, fmt)
    finally:
        keras.config.set_dtype_policy(previous)
    outputs, output_kind = _head(features, arch, task, encoding, spec, softmax, precision)
    model_name = name or f"{_name(arch)}_{_name(ds)}"
    model = keras.Model(inputs, outputs, name=model_name)
    if precision == "mixed_float16" and not isinstance(opt, keras.optimizers.LossScaleOptimizer):
        opt = keras.optimizers.LossScaleOptimizer(opt)
    loss_obj, metric = _loss_and_metric(loss_name, encoding, output_kind)
    model.compile(optimizer=opt, loss=loss_obj, metrics=[metric], jit_compile=jit)
    _INFO[model] = {
        "task": {**task.to_dict(), "encoding": encoding, "output": output_kind},
        "input": spec.to_dict(),
        "dataset": {
            "name": _name(ds),
            "options": ds.options_json(),
            "seed": seed_used,
            "plugin": type(ds).plugin,
        },
        "architecture": {
            "name": _name(arch),
            "hyperparameters": arch.hyperparameters_json(),
            "plugin": type(arch).plugin,
        },
        "compile": {
            **opt_info,
            "loss": loss_name,
            "precision": precision,
            "jit_compile": jit,
            "normalization": normalization,
        },
    }
    return model


# -- helpers -------------------------------------------------------------------------------
def _name(obj: Any) -> str:
    return type(obj).name or type(obj).__name__.lower()


def _plugin(value: Any, base: type, kind: str) -> Any:
    from kerazoo import registry

    if isinstance(value, str):
        getter = registry.get_architecture if kind == "architecture" else registry.get_dataset
        return getter(value)
    if isinstance(value, base):
        return value
    if isinstance(value, type) and issubclass(value, base):
        return value()
    raise InvalidOptionError(
        f"The {kind} must be a registered name or a kerazoo.{base.__name__}, got "
        f"{type(value).__name__} {value!r}. Example: kerazoo.build('lenet', 'shapes')."
    )


def _check_task(arch: Architecture, task: Task, data_task: Task) -> None:
    try:
        arch.check_task(task.kind)
    except IncompatibleError as exc:
        hint = ""
        if "reconstruction" in type(arch).tasks and task.kind != "reconstruction":
            hint = (
                f" To reconstruct the images of this {task.kind} dataset, pass "
                "encoding='reconstruction'."
            )
        elif data_task.kind != task.kind:
            hint = " encoding='reconstruction' asks for a reconstruction task."
        raise IncompatibleError(f"{exc}{hint}") from None


def _loss_name(task: Task, encoding: str, loss: str | None) -> str:
    if task.kind == "classification":
        want = _CLASSIFY[encoding][0]
        if loss not in (None, want):
            raise IncompatibleError(
                f"loss={loss!r} does not fit classification with encoding={encoding!r}: the "
                f"encoding decides the loss ({want}). Leave loss out, or pick another "
                "encoding ('sparse', 'onehot', 'binary')."
            )
        return want
    if loss is None:
        return "mse"
    if loss not in _VALUE_LOSSES:
        raise UnknownNameError(
            f"Unknown loss {loss!r} for {task.kind}.{did_you_mean(str(loss), _VALUE_LOSSES)} "
            f"Valid: mse, mae."
        )
    return loss


def _loss_and_metric(loss: str, encoding: str, output: str) -> tuple[Any, Any]:
    import keras

    if encoding not in _CLASSIFY:
        loss_obj = getattr(keras.losses, _VALUE_LOSSES[loss])()
        return loss_obj, keras.metrics.MeanAbsoluteError(name="mae")
    _, loss_cls, metric_cls = _CLASSIFY[encoding]
    logits = output == "logits"
    extra = {"threshold": 0.0 if logits else 0.5} if encoding == "binary" else {}
    metric = getattr(keras.metrics, metric_cls)(name="accuracy", **extra)
    return getattr(keras.losses, loss_cls)(from_logits=logits), metric


def _jit(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value != "auto":
        raise InvalidOptionError(f"jit_compile must be True, False or 'auto', got {value!r}.")
    import keras

    backend = keras.backend.backend()
    return backend == "jax" or (backend == "tensorflow" and has_accelerator(backend))


def _stats(images: Any, spec: InputSpec, mode: str) -> tuple[np.ndarray, np.ndarray, int]:
    """Mean, variance (floored) and count of ``images / 255`` for a Normalization layer."""
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


def _head(
    features: Any,
    arch: Architecture,
    task: Task,
    encoding: str,
    spec: InputSpec,
    softmax: bool,
    precision: str,
) -> tuple[Any, str]:
    import keras
    from keras import layers

    if not isinstance(features, keras.KerasTensor):
        raise PluginError(
            f"{arch._owner()} build_body returned {type(features).__name__}, not a keras "
            "tensor. build_body must return the output of its last layer."
        )
    if task.kind == "reconstruction":
        if tuple(features.shape[1:]) != spec.shape:
            raise PluginError(
                f"{arch._owner()} returned shape {tuple(features.shape[1:])} for "
                f"reconstruction; it must equal the input shape {spec.shape} "
                f"({spec.data_format})."
            )
        if precision != "float32":
            features = layers.Activation("linear", dtype="float32", name="output_float32")(features)
        return features, "image"
    x = features
    if len(x.shape) > 2:
        x = layers.Flatten(data_format=spec.data_format, name="head_flatten")(x)
    head = {"kernel_initializer": "glorot_uniform", "dtype": "float32"}
    if task.kind == "regression":
        x = layers.Dense(1, name="value", **head)(x)
        lo, hi = task.value_range or (0.0, 0.0)
        if hi > lo:  # start predictions around the middle of the range, spread over it
            x = layers.Rescaling((hi - lo) / 2, offset=(hi + lo) / 2, name="value_range")(x)
        return x, "values"
    units = 1 if encoding == "binary" else task.num_classes
    x = layers.Dense(units, name="logits", **head)(x)
    if not softmax:
        return x, "logits"
    kind = "sigmoid" if encoding == "binary" else "softmax"
    return layers.Activation(kind, dtype="float32", name=kind)(x), "probabilities"
