"""The head a task needs, and the loss and metric that match its label encoding.

Classification ends in class logits (``sparse``/``onehot``) or one logit (``binary``), with an
optional separate ``softmax``/``sigmoid`` layer; regression in one linear value scaled to the
task's range; reconstruction in the architecture's own output, unchanged.
"""

from __future__ import annotations

from typing import Any

from kerazoo.errors import IncompatibleError, PluginError, UnknownNameError, option, unknown_choice
from kerazoo.models.architecture import Architecture
from kerazoo.task import InputSpec, Task

__all__ = ["add_head", "loss_and_metric", "loss_name"]

#: encoding -> (loss, keras loss class, keras accuracy class)
_CLASSIFY = {
    "sparse": ("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy",
               "SparseCategoricalAccuracy"),
    "onehot": ("categorical_crossentropy", "CategoricalCrossentropy", "CategoricalAccuracy"),
    "binary": ("binary_crossentropy", "BinaryCrossentropy", "BinaryAccuracy"),
}  # fmt: skip
_VALUE_LOSSES = {"mse": "MeanSquaredError", "mae": "MeanAbsoluteError"}


def loss_name(task: Task, encoding: str, loss: str | None) -> str:
    if task.kind == "classification":
        want = _CLASSIFY[encoding][0]
        if loss not in (None, want):
            raise IncompatibleError(
                f"{option('loss', loss)} does not fit classification with "
                f"{option('encoding', encoding)}: the encoding decides the loss ({want}). Leave "
                "loss out, or pick another encoding ('sparse', 'onehot', 'binary')."
            )
        return want
    if loss is None:
        return "mse"
    if loss not in _VALUE_LOSSES:
        raise unknown_choice("loss", loss, _VALUE_LOSSES, owner=task.kind, error=UnknownNameError)
    return loss


def loss_and_metric(loss: str, encoding: str, output: str) -> tuple[Any, Any]:
    import keras

    if encoding not in _CLASSIFY:
        loss_obj = getattr(keras.losses, _VALUE_LOSSES[loss])()
        return loss_obj, keras.metrics.MeanAbsoluteError(name="mae")
    _, loss_cls, metric_cls = _CLASSIFY[encoding]
    logits = output == "logits"
    extra = {"threshold": 0.0 if logits else 0.5} if encoding == "binary" else {}
    metric = getattr(keras.metrics, metric_cls)(name="accuracy", **extra)
    return getattr(keras.losses, loss_cls)(from_logits=logits), metric


def add_head(
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
            f"{arch.display_name} build_body returned {type(features).__name__}, not a keras "
            "tensor. build_body must return the output of its last layer."
        )
    if task.kind == "reconstruction":
        if tuple(features.shape[1:]) != spec.shape:
            raise PluginError(
                f"{arch.display_name} returned shape {tuple(features.shape[1:])} for "
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
