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

Example:
    >>> before_activation(model.get_layer("conv1"))                 # doctest: +SKIP
    <KerasTensor shape=(None, 28, 28, 6), dtype=float32, ...>
"""

from __future__ import annotations

from typing import Any

import keras

from kerazoo._compat import call_without_activation, pre_activation_classes

__all__ = ["ACTIVATION_LAYERS", "activation_name", "before_activation"]

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


def before_activation(layer: Any) -> Any | None:
    """The symbolic values before ``layer``'s activation function, in its model's graph
    (``None`` where :func:`activation_name` is ``""``).

    Args:
        layer: a layer of a functional model, called once.

    Returns:
        A ``KerasTensor`` from the model's input: the layer's own input for an activation
        layer, else its output computed without its activation.
    """
    if not activation_name(layer):
        return None
    given = layer.input[0] if isinstance(layer.input, list | tuple) else layer.input
    if type(layer).__name__ in ACTIVATION_LAYERS:
        return given
    return _BeforeActivation(layer)(given)
