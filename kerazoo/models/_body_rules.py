"""What an architecture's body may contain, checked when the model is built.

A body is one flat functional graph of layers (no model nested inside), so a sub-model over
any of its layers can be made for looking inside. A saved model must load again with
``keras.saving.load_model(safe_mode=True)``, which refuses ``Lambda`` layers and cannot
find a layer class nobody registered. The builder also names some layers itself (the pixel
input, rescaling, normalisation and the head), so a body may not use those names. Checking
here, at build time, names the layer before any training.
"""

from __future__ import annotations

from typing import Any

from kerazoo._errors import KerazooError, PluginError

__all__ = ["RESERVED_LAYER_NAMES", "call_build_body", "check_body"]

#: Layer names the builder gives its own layers (models/inputs.py and models/heads.py).
RESERVED_LAYER_NAMES = (
    "pixels",
    "rescale",
    "pad_to",
    "image_mean",
    "subtract_image_mean",
    "normalize",
    "head_flatten",
    "output_float32",
    "value",
    "value_range",
    "logits",
    "softmax",
    "sigmoid",
)
_CODE_LAYERS = ("Lambda", "TFOpLambda", "SlicingOpLambda")


def _who(arch: Any) -> str:
    return f"{arch.display_name} from {arch.plugin or type(arch).__module__}"


def call_build_body(arch: Any, x: Any, spec: Any) -> Any:
    """``arch.build_body(x, spec, spec.data_format)``; a plugin's own crash is named.

    A body layer named like one of the builder's layers (``normalize``, ``logits``, ...) is
    refused here, before the builder joins body and head into one model (where Keras would
    only say that a name is used twice).

    Raises:
        PluginError: the body raised something other than a kerazoo error (the original
            exception is its ``__cause__``), or one of its layers has a reserved name.
    """
    try:
        features = arch.build_body(x, spec, spec.data_format)
    except KerazooError:
        raise
    except Exception as exc:
        raise PluginError(
            f"The {_who(arch)} failed in build_body(): {type(exc).__name__}: {exc}. This is a "
            "bug in that plugin: report it to its package, with the traceback above."
        ) from exc
    _check_reserved_names(arch, x, features)
    return features


def _reserved_rule() -> str:
    return (
        "that name is reserved for the layers kerazoo adds around a body; rename it. "
        f"Reserved: {', '.join(RESERVED_LAYER_NAMES)}"
    )


def _check_reserved_names(arch: Any, x: Any, features: Any) -> None:
    """Refuse a reserved layer name in the graph from the body's input to its output."""
    import keras

    if not isinstance(features, keras.KerasTensor):
        return  # the builder names anything else
    try:
        operations = keras.Function(x, features).operations
    except ValueError:
        return  # another fault of the body (say, a name used twice in it): Keras names it
    for op in operations:
        if op.name in RESERVED_LAYER_NAMES:
            what = f"layer {op.name!r} ({type(op).__name__})"
            raise PluginError(f"The {_who(arch)} built a body with {what}: {_reserved_rule()}.")


def _walk(layers: list[Any]) -> list[Any]:
    out = []
    for layer in layers:
        out.append(layer)
        out += _walk(list(getattr(layer, "layers", None) or []))  # nested models
    return out


def check_body(arch: Any, body: Any, before: list[Any]) -> None:
    """Refuse a body that a saved model could not keep, or that takes a builder's name.

    Args:
        arch: the Architecture that built it (for the message).
        body: a ``keras.Model`` from the pixel input to the body's output.
        before: the builder's own layers ahead of the body (left out of the check).

    Raises:
        PluginError: naming the layer, its class and the rule.
    """
    import keras

    for layer in _walk([x for x in body.layers if x not in before]):
        cls = type(layer)
        what = f"layer {layer.name!r} ({cls.__name__})"
        if cls.__name__ in _CODE_LAYERS:
            rule = (
                "a Lambda layer holds Python code, which a saved model cannot keep safely "
                "(load_model(safe_mode=True) refuses it). Use built-in Keras layers or a layer "
                "class registered with keras.saving.register_keras_serializable"
            )
        elif not cls.__module__.startswith("keras.") and (
            keras.saving.get_registered_object(keras.saving.get_registered_name(cls)) is not cls
        ):
            rule = (
                "its class is not a registered Keras serializable, so a saved model could not "
                "load it again. Decorate the class with @keras.saving.register_keras_serializable"
                "(package=...) in the plugin's module"
            )
        elif isinstance(layer, keras.Model):
            rule = (
                "a model inside the model hides its layers from looking inside (a sub-model "
                "over one of them fails with 'graph disconnected'). Call its layers one by one "
                "on the tensor instead, so the body stays one flat functional graph"
            )
        elif layer.name in RESERVED_LAYER_NAMES:
            rule = _reserved_rule()
        else:
            continue
        raise PluginError(f"The {_who(arch)} built a body with {what}: {rule}.")
