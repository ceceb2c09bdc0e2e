"""Refuse model files that carry code, before anything in them is deserialised.

A Keras config is searched for Lambda layers and serialised Python functions; every op a
SavedModel's functions can run must be on an allowlist of pure tensor ops (nothing that
touches files, processes, the network or Python). kerazoo never runs code from a model
file; Keras' own ``safe_mode`` stays on as well.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from kerazoo._errors import ModelFileError, UnsafeModelError
from kerazoo.saving._loops import check_loops

__all__ = ["PURE_OPS", "check_graph", "check_safe"]

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


def _names(*groups: str) -> frozenset[str]:
    return frozenset(" ".join(groups).split())


# The ops a SavedModel's callable functions may use: pure tensor computation (array, math,
# nn, image resizing), calls and control flow (whose functions are checked in turn), and
# reading the model's own variables. Built from what ``kerazoo export`` writes for every
# built-in architecture, plus the pure ops of other built-in Keras layers. Anything else
# (files, processes, network, Python, datasets, randomness, printing) is refused.
PURE_OPS = _names(
    # array
    "Const Identity IdentityN NoOp Placeholder PlaceholderWithDefault Shape ShapeN Size Rank "
    "Reshape Squeeze ExpandDims Pack Unpack Concat ConcatV2 Split SplitV Slice StridedSlice "
    "Transpose Tile Pad PadV2 MirrorPad Fill ZerosLike OnesLike Range GatherV2 GatherNd "
    "ReverseV2 BroadcastTo BroadcastArgs Where Select SelectV2 OneHot Cast StopGradient "
    "EnsureShape Einsum DepthToSpace SpaceToDepth ClipByValue "
    # math
    "Add AddV2 AddN Sub Mul MulNoNan Div RealDiv DivNoNan FloorDiv FloorMod Mod Maximum "
    "Minimum Neg Abs Sign Square Sqrt Rsqrt Exp Log Log1p Expm1 Pow Reciprocal Floor Ceil "
    "Round Rint Tanh Sigmoid Erf Sin Cos SquaredDifference Less LessEqual Greater "
    "GreaterEqual Equal NotEqual LogicalAnd LogicalOr LogicalNot IsNan IsFinite IsInf Sum "
    "Mean Max Min Prod All Any ArgMax ArgMin MatMul BatchMatMulV2 BatchMatMulV3 Cumsum TopKV2 "
    # nn and image
    "BiasAdd Conv2D Conv3D Conv2DBackpropInput Conv3DBackpropInputV2 DepthwiseConv2dNative "
    "MaxPool MaxPoolV2 AvgPool MaxPool3D AvgPool3D Relu Relu6 Elu Selu LeakyRelu Softplus "
    "Softsign Softmax LogSoftmax FusedBatchNormV3 LRN ResizeBilinear ResizeNearestNeighbor "
    "ResizeBicubic ResizeArea "
    # calls and control flow: the functions they name are checked as well
    "PartitionedCall StatefulPartitionedCall If StatelessIf While StatelessWhile Case "
    "StatelessCase "
    # the model's own variables, read
    "ReadVariableOp",
)
# Ops of the checkpoint functions a SavedModel carries for TensorFlow 1 tools (its
# ``saver_def``). TensorFlow 2's loader, which kerazoo uses, never runs them: it restores the
# variables itself. Allowed only in functions that nothing in the object graph can call.
_CHECKPOINT_OPS = _names(
    "SaveV2 RestoreV2 MergeV2Checkpoints ShardedFilename StringJoin StaticRegexFullMatch "
    "AssignVariableOp VarHandleOp VarIsInitializedOp DisableCopyOnRead",
)


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
    """Refuse a SavedModel unless every op its functions can run is a pure tensor op, and
    every loop among them ends by construction (:mod:`kerazoo.saving._loops`).

    Every function the loaded object can call (those of its object graph, and every function
    they call in turn) may use only :data:`PURE_OPS`. The rest of the graph (the checkpoint
    functions TensorFlow 2 never runs) may also use the checkpoint ops. Nothing is run.

    Args:
        p: the export folder (with ``saved_model.pb``).

    Raises:
        ModelFileError: a damaged ``saved_model.pb``, or a TensorFlow 1 SavedModel.
        UnsafeModelError: an op outside the allowlist (``ReadFile``, ``SaveV2``, ``PyFunc``,
            ...), named in the message, a call to a function the file does not hold, or a
            loop the graph does not bound.

    Example:
        >>> check_graph(Path("exported"))                              # doctest: +SKIP
    """
    from tensorflow.core.protobuf import saved_model_pb2

    sm = saved_model_pb2.SavedModel()
    try:
        sm.ParseFromString((p / "saved_model.pb").read_bytes())
    except Exception as exc:
        raise ModelFileError(f"'{p}' has a damaged saved_model.pb: {exc}") from None
    for graph in sm.meta_graphs:
        if not graph.object_graph_def.nodes:
            raise ModelFileError(
                f"'{p}' is a TensorFlow 1 SavedModel (no object graph); kerazoo reads "
                "SavedModels written by 'kerazoo export' (TensorFlow 2). Export it again."
            )
        _check_meta_graph(p, graph)


def _check_meta_graph(p: Path, graph: Any) -> None:
    library = {fn.signature.name: fn for fn in graph.graph_def.library.function}
    callable_ = _reachable(p, _object_graph_functions(graph.object_graph_def), library)
    bad: dict[str, str] = {}
    for name, fn in library.items():
        allowed = PURE_OPS if name in callable_ else PURE_OPS | _CHECKPOINT_OPS
        for node in fn.node_def:
            if node.op not in allowed and node.op not in library:
                bad.setdefault(node.op, name)
    for node in graph.graph_def.node:
        if node.op not in PURE_OPS | _CHECKPOINT_OPS and node.op not in library:
            bad.setdefault(node.op, "the top-level graph")
    if bad:
        found = ", ".join(f"{op} (in {where})" for op, where in sorted(bad.items()))
        raise UnsafeModelError(
            f"Refused to load '{p}': its graph uses {found}, which is not a pure tensor op. "
            "kerazoo runs only SavedModels whose functions compute on tensors (no files, "
            "processes, network or Python), as 'kerazoo export' writes them. Export the "
            "model again with 'kerazoo export', or load it with TensorFlow yourself if you "
            "trust it."
        )
    check_loops(p, library, callable_)


def _object_graph_functions(object_graph: Any) -> set[str]:
    """Names of every function the object graph lets the loaded object call."""
    names = set(object_graph.concrete_functions)
    for node in object_graph.nodes:
        kind = node.WhichOneof("kind")
        if kind == "function":
            names.update(node.function.concrete_functions)
        elif kind == "bare_concrete_function":
            names.add(node.bare_concrete_function.concrete_function_name)
    return names


def _reachable(p: Path, roots: set[str], library: dict[str, Any]) -> set[str]:
    """``roots`` and every function they call (by op name or ``func`` attribute)."""
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name not in library:
            raise UnsafeModelError(
                f"Refused to load '{p}': its graph calls the function {name!r}, which the "
                "file does not hold. Export the model again with 'kerazoo export'."
            )
        seen.add(name)
        for node in library[name].node_def:
            if node.op in library:
                todo.append(node.op)
            for value in node.attr.values():
                if value.HasField("func"):
                    todo.append(value.func.name)
                todo.extend(f.name for f in value.list.func)
    return seen
