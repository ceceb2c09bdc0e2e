"""The values before a layer's activation function, for the activation statistics.

After a ReLU half of the values are a spike at 0 and the shape of what the layer computed
is gone; before it, the distribution shows how the layer was initialised or has learned:
centred near 0 with a std near 1 is healthy; all negative means dead units; a very wide or
very narrow spread means a scale too large or too small.

Two kinds of layer have a "before":

* a layer with its own activation (``Conv2D(..., activation="relu")``, ``Dense``, and the
  other layers of :func:`kerazoo._compat.pre_activation_classes`): its affine part,
  computed in the probe's forward pass from the layer's own variables
  (:func:`kerazoo._compat.call_without_activation`; the layer is never changed);
* a separate activation layer (``Activation``, ``ReLU``, ``LeakyReLU``, ``PReLU``, ``ELU``,
  ``Softmax``): its input, the output of the layer before it.

Both are found in one new graph over the model's layers (:func:`split_graph`), where a
layer's activation is applied as a step of its own, so the probe computes each layer once.

Example:
    >>> split_graph(model, ["conv1"]).before["conv1"]                # doctest: +SKIP
    <KerasTensor shape=(None, 28, 28, 6), dtype=float32, ...>
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import keras

from kerazoo._compat import call_without_activation, pre_activation_classes

__all__ = ["ACTIVATION_LAYERS", "SplitGraph", "activation_name", "split_graph"]

#: Layers that only apply an activation function (and its name, for all but
#: ``Activation``, which names its own): what they are given is their "before".
_FUNCTIONS = {"ReLU": "relu", "LeakyReLU": "leaky_relu", "PReLU": "prelu", "ELU": "elu"}
ACTIVATION_LAYERS = ("Activation", *_FUNCTIONS, "Softmax")

_IDENTITY = ("linear", "identity")


def activation_name(layer: Any) -> str:
    """The name of the activation function ``layer`` applies last (``"relu"``), or ``""``
    when it applies none that kerazoo can look before (linear, or another kind of layer).

    Example:
        >>> activation_name(keras.layers.Dense(3, activation="relu"))
        'relu'
        >>> activation_name(keras.layers.Dense(3))
        ''
    """
    kind = type(layer).__name__
    if kind in ACTIVATION_LAYERS and kind != "Activation":
        return _FUNCTIONS.get(kind, "softmax")
    if kind != "Activation" and not isinstance(layer, pre_activation_classes()):
        return ""
    function = getattr(layer, "activation", None)
    if function is None:
        return ""
    name = getattr(function, "__name__", type(function).__name__)
    return "" if name in _IDENTITY else name


class _BeforeActivation(keras.layers.Layer):
    """The affine part of ``layer``, on its variables (tracked here, so a model holding
    this layer lists them: on JAX its compiled call reads their current values)."""

    def __init__(self, layer: Any, **kwargs: Any) -> None:
        super().__init__(name=f"{layer.name}_before_activation", dtype=layer.dtype_policy, **kwargs)
        self.inner = layer

    def call(self, inputs: Any) -> Any:
        return call_without_activation(self.inner, inputs)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return self.inner.compute_output_shape(input_shape)


@dataclass
class SplitGraph:
    """The model's graph again, on its own layers, with each recorded layer's activation
    applied as a step of its own (:func:`split_graph`): symbolic tensors by layer name.

    Attributes:
        inputs: the new graph's inputs.
        after: each recorded layer's output.
        given: what each recorded layer is given (its first input).
        before: each recorded layer's values before its activation function (only the
            layers :func:`activation_name` names one for).
    """

    inputs: list[Any]
    after: dict[str, Any] = field(default_factory=dict)
    given: dict[str, Any] = field(default_factory=dict)
    before: dict[str, Any] = field(default_factory=dict)


def split_graph(model: Any, names: Sequence[str]) -> SplitGraph:
    """``model``'s graph, where each layer of ``names`` with its own activation is called as
    its affine part followed by its activation function: the values before the activation
    are then computed once, on the way, instead of a second time beside the layer.

    Built with ``keras.models.clone_model`` on the model's own layers (nothing is copied or
    changed: the weights are the model's, read when the graph runs).

    Args:
        model: a functional or built ``keras.Sequential`` model.
        names: the recorded layers.
    """
    wanted, split = set(names), SplitGraph([])

    def call(layer: Any, *args: Any, **kwargs: Any) -> Any:
        given = args[0] if args else next(iter(kwargs.values()))
        given = given[0] if isinstance(given, list | tuple) else given
        name = layer.name
        # a layer called more than once: its first call is the one recorded (its .output)
        own = name in wanted and name not in split.after and activation_name(layer)
        if own and type(layer).__name__ not in ACTIVATION_LAYERS and len(args) == 1:
            before = _BeforeActivation(layer)(args[0])
            out = keras.layers.Activation(
                layer.activation, name=f"{name}_activation", dtype=layer.dtype_policy
            )(before)
        else:
            out = layer(*args, **kwargs)
            before = given if own else None
        if name in wanted and name not in split.after:
            split.after[name], split.given[name] = out, given
            if before is not None:
                split.before[name] = before
        return out

    if isinstance(model, keras.Sequential):  # call_function needs a functional graph
        model = keras.Model(model.inputs, model.outputs)
    clone = keras.models.clone_model(model, clone_function=lambda layer: layer, call_function=call)
    split.inputs = list(clone.inputs)
    return split
