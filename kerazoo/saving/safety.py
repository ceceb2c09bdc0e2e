"""Refuse model files that carry code, before anything in them is deserialised.

A Keras config is searched for Lambda layers and serialised Python functions; a SavedModel
graph for ops that call back into Python or touch files. kerazoo never runs code from a
model file; Keras' own ``safe_mode`` stays on as well.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from kerazoo.errors import ModelFileError, UnsafeModelError

__all__ = ["check_graph", "check_safe"]

# Layer classes whose config carries Python code (bytecode, pickles, function handles).
_CODE_LAYERS = {
    "Lambda",
    "TFOpLambda",
    "SlicingOpLambda",
    "TorchModuleWrapper",
    "JaxLayer",
    "FlaxLayer",
}
_CODE_OBJECTS = {"__lambda__", "__bytecode__"}
# Graph ops that call back into Python or touch files; refused in a SavedModel.
_UNSAFE_OPS = {"PyFunc", "PyFuncStateless", "EagerPyFunc", "WriteFile", "DeleteFile"}


def check_safe(config: Any, source: str | os.PathLike[str]) -> None:
    """Refuse a model config that carries code, before anything is deserialised.

    Args:
        config: a Keras model config (the parsed ``config.json``).
        source: the file it came from, for the message.

    Raises:
        UnsafeModelError: a Lambda (or similar) layer, or a serialised Python function.

    Example:
        >>> check_safe(read_config("model.keras"), "model.keras")      # doctest: +SKIP
    """
    found = _find_code(config)
    if found:
        raise UnsafeModelError(
            f"Refused to load '{source}': its config contains {found}, which carries "
            "Python code, and kerazoo never runs code from a model file. Rebuild the model "
            "with built-in Keras layers (or a layer class registered by an installed "
            "package) instead of Lambda layers, and save it again."
        )


def _find_code(obj: Any) -> str | None:
    if isinstance(obj, dict):
        cls = obj.get("class_name")
        if cls in _CODE_LAYERS:
            name = (obj.get("config") or {}).get("name") or obj.get("name") or "?"
            return f"a {cls} layer {name!r}"
        if cls in _CODE_OBJECTS:
            return f"a serialised Python object ({cls})"
        if obj.get("function_type") == "lambda":
            return "a serialised Python lambda"
        values = obj.values()
    elif isinstance(obj, list | tuple):
        values = obj
    else:
        return None
    for value in values:
        found = _find_code(value)
        if found:
            return found
    return None


def check_graph(p: Path) -> None:
    """Refuse a SavedModel whose graph calls Python or touches files.

    Args:
        p: the export folder (with ``saved_model.pb``).

    Raises:
        ModelFileError: a damaged ``saved_model.pb``.
        UnsafeModelError: an op such as ``PyFunc`` or ``WriteFile`` in the graph.

    Example:
        >>> check_graph(Path("exported"))                              # doctest: +SKIP
    """
    from tensorflow.core.protobuf import saved_model_pb2

    sm = saved_model_pb2.SavedModel()
    try:
        sm.ParseFromString((p / "saved_model.pb").read_bytes())
    except Exception as exc:
        raise ModelFileError(f"'{p}' has a damaged saved_model.pb: {exc}") from None
    ops: set[str] = set()
    for graph in sm.meta_graphs:
        ops.update(n.op for n in graph.graph_def.node)
        for fn in graph.graph_def.library.function:
            ops.update(n.op for n in fn.node_def)
    bad = sorted(ops & _UNSAFE_OPS)
    if bad:
        raise UnsafeModelError(
            f"Refused to load '{p}': its graph uses {', '.join(bad)}, which call Python or "
            "touch files. kerazoo only runs SavedModels made by 'kerazoo export'."
        )
