"""The head a task needs, and the loss and metric that match its label encoding.

Classification ends in class logits (``sparse``/``onehot``) or one logit (``binary``), with an
optional separate ``softmax``/``sigmoid`` layer; regression in one linear value scaled to the
task's range; reconstruction in the architecture's own output, unchanged.

Classification is trained with the encoding's cross-entropy, or, with ``loss="mse"`` (or
``"mae"``), with a value loss on one-hot targets: the "remove softmax" experiment. Its linear
output is then recorded as ``"scores"`` (not logits: nothing made them log-odds), and
accuracy is still the argmax.
"""

from __future__ import annotations

from typing import Any

from kerazoo._errors import IncompatibleError, PluginError, UnknownNameError, option, unknown_choice
from kerazoo._task import InputSpec, Task
from kerazoo.models._architecture import Architecture

__all__ = ["LOSSES", "add_head", "loss_and_metric", "loss_encoding", "loss_name", "output_kind"]

#: encoding -> (loss, keras loss class, keras accuracy class)
_CLASSIFY = {
    "sparse": (
        "sparse_categorical_crossentropy",
        "SparseCategoricalCrossentropy",
        "SparseCategoricalAccuracy",
    ),
    "onehot": ("categorical_crossentropy", "CategoricalCrossentropy", "CategoricalAccuracy"),
    "binary": ("binary_crossentropy", "BinaryCrossentropy", "BinaryAccuracy"),
}
_VALUE_LOSSES = {"mse": "MeanSquaredError", "mae": "MeanAbsoluteError"}
#: The losses a user picks: the encoding's cross-entropy, or a value loss.
LOSSES = ("crossentropy", *_VALUE_LOSSES)


def loss_encoding(kind: str, encoding: str | None, loss: str | None) -> str | None:
    """The encoding to use: a value loss on classes needs one-hot targets, so ``onehot``
    replaces the default (``None``); an encoding that was asked for is kept.

    Example:
        >>> loss_encoding("classification", None, "mse")
        'onehot'
    """
    if encoding is None and kind == "classification" and loss in _VALUE_LOSSES:
        return "onehot"
    return encoding


def output_kind(loss: str, softmax: bool) -> str:
    """What a classification head emits: ``probabilities`` (a softmax/sigmoid layer),
    ``logits`` (trained with cross-entropy) or ``scores`` (linear, trained with a value loss).

    Example:
        >>> output_kind("mse", False)
        'scores'
    """
    if softmax:
        return "probabilities"
    return "scores" if loss in _VALUE_LOSSES else "logits"


def loss_name(task: Task, encoding: str, loss: str | None, softmax: bool = False) -> str:
    """The loss of a model for ``task`` with ``encoding`` (``loss`` as asked, or ``None``).

    Raises:
        IncompatibleError: a loss that does not fit the encoding.
        UnknownNameError: a loss that does not exist.

    Example:
        >>> loss_name(Task.classification(["a", "b"]), "onehot", "mse")
        'mse'
    """
    if task.kind == "classification":
        want = _CLASSIFY[encoding][0]
        if loss in (None, "crossentropy", want):
            return want
        if loss in _VALUE_LOSSES:
            _check_value_loss(loss, encoding, softmax)
            return loss
        if loss in (c[0] for c in _CLASSIFY.values()):
            raise IncompatibleError(
                f"{option('loss', loss)} does not fit classification with "
                f"{option('encoding', encoding)}: the encoding decides the loss ({want}). Leave "
                "loss out, or pick another encoding ('sparse', 'onehot', 'binary')."
            )
        raise unknown_choice("loss", loss, LOSSES, owner=task.kind, error=UnknownNameError)
    if loss is None:
        return "mse"
    if loss not in _VALUE_LOSSES:
        raise unknown_choice("loss", loss, _VALUE_LOSSES, owner=task.kind, error=UnknownNameError)
    return loss


def _check_value_loss(loss: str, encoding: str, softmax: bool) -> None:
    """A value loss on classes compares outputs with one-hot (or 0/1) targets."""
    if encoding == "sparse":
        raise IncompatibleError(
            f"{option('loss', loss)} compares each class output with a one-hot target, but "
            f"{option('encoding', 'sparse')} gives class indices. Use "
            f"{option('encoding', 'onehot')}, or leave {option('encoding')} out (a value loss "
            "on classes then uses onehot)."
        )
    if encoding == "binary" and not softmax:
        raise IncompatibleError(
            f"{option('loss', loss)} with {option('encoding', 'binary')} needs a sigmoid "
            f"output, {option('output', 'probabilities')} (kerazoo.build: softmax=True): one "
            "linear output would be read as a logit, cut at 0 instead of 0.5. Add the "
            f"sigmoid, or leave {option('encoding')} out (one output per class, onehot)."
        )


def loss_and_metric(loss: str, encoding: str, output: str) -> tuple[Any, Any]:
    import keras

    if encoding not in _CLASSIFY:
        loss_obj = getattr(keras.losses, _VALUE_LOSSES[loss])()
        return loss_obj, keras.metrics.MeanAbsoluteError(name="mae")
    _, loss_cls, metric_cls = _CLASSIFY[encoding]
    logits = output == "logits"
    extra = {"threshold": 0.0 if logits else 0.5} if encoding == "binary" else {}
    metric = getattr(keras.metrics, metric_cls)(name="accuracy", **extra)
    if loss in _VALUE_LOSSES:  # scores or probabilities against one-hot (0/1) targets
        return getattr(keras.losses, _VALUE_LOSSES[loss])(), metric
    return getattr(keras.losses, loss_cls)(from_logits=logits), metric


def add_head(
    features: Any,
    arch: Architecture,
    task: Task,
    encoding: str,
    spec: InputSpec,
    softmax: bool,
    precision: str,
    linear: str = "logits",
) -> tuple[Any, str]:
    """The head on ``features``; returns ``(outputs, what they are)``.

    ``linear`` names a classification output without softmax: ``"logits"``, or
    ``"scores"`` when a value loss trains it.
    """
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
        return x, linear
    kind = "sigmoid" if encoding == "binary" else "softmax"
    return layers.Activation(kind, dtype="float32", name=kind)(x), "probabilities"
