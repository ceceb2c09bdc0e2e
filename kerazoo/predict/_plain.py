"""Models without kerazoo metadata: read their input contract and task from their shapes.

A plain Keras file still predicts, with class indices as labels, and a warning says so.
"""

from __future__ import annotations

import warnings
from typing import Any

from kerazoo._errors import IncompatibleError
from kerazoo._task import InputSpec, Task

__all__ = ["infer_contract", "runs_channels_first"]


def runs_channels_first() -> bool:
    try:
        from kerazoo.models._devices import has_accelerator
    except ImportError:  # pragma: no cover - builder is part of core
        return True
    import keras

    return keras.backend.backend() != "tensorflow" or has_accelerator("tensorflow")


def infer_contract(model: Any, source: str) -> tuple[InputSpec, Task, str, str]:
    """Input spec and task of a plain Keras model, read from its shapes and last layer."""
    shape = tuple(model.inputs[0].shape[1:])
    if len(shape) != 3 or None in shape:
        raise IncompatibleError(
            f"{source} has no kerazoo.json and its input shape {shape} is not one fixed-size "
            "image (H, W, C); the Predictor cannot tell how to feed it."
        )
    try:
        from kerazoo.models._layout import is_channels_first

        cf = is_channels_first(model)
    except Exception:  # a model whose config cannot be read (SavedModel wrapper)
        cf = False
    dims = (shape[1], shape[2], shape[0]) if cf else shape
    spec = InputSpec(*dims, "channels_first" if cf else "channels_last", str(model.inputs[0].dtype))
    out = tuple(model.outputs[0].shape[1:])
    act = getattr(model.layers[-1], "activation", None)
    act_name = getattr(act, "__name__", "") or type(model.layers[-1]).__name__.lower()
    if len(out) == 3:
        task, enc, kind, what = Task.reconstruction(), "reconstruction", "image", "images"
    elif len(out) == 1 and out[0] and out[0] > 1:
        names = [str(i) for i in range(out[0])]
        task, enc = Task.classification(names), "sparse"
        kind = "probabilities" if "softmax" in act_name else "logits"
        what = f"class indices 0..{out[0] - 1} ({kind})"
    elif len(out) == 1 and "sigmoid" in act_name:
        task, enc, kind, what = Task.classification(["0", "1"]), "binary", "probabilities", "0/1"
    elif len(out) == 1:
        task, enc, kind, what = Task("regression"), "regression", "values", "values"
    else:
        raise IncompatibleError(f"{source} has no kerazoo.json and an output of shape {out}.")
    pixels = "uint8" if spec.dtype == "uint8" else f"{spec.dtype} 0..255"
    warnings.warn(
        f"{source} has no kerazoo.json (a plain Keras file), so its labels are {what} and "
        f"its input is taken as {pixels} pixels of shape {spec.shape} ({spec.data_format}). "
        "Save it with kerazoo.save_model(model, path, metadata) to record class names.",
        UserWarning,
        stacklevel=3,
    )
    return spec, task, enc, kind
