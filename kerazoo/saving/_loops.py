"""Loops in a SavedModel: each ``While`` must end after a number of iterations its graph fixes.

A graph of pure tensor ops can still run forever: ``tf.while_loop(lambda i: True, ...)``
exports as a ``While`` op whose condition never turns false. TensorFlow gives a running
function no time limit, so kerazoo proves an end before it loads the model: a ``While`` is
accepted only in the form ``tf.while_loop(..., maximum_iterations=N)`` writes with a
constant ``N``:

- its first two inputs, the loop counter and ``maximum_iterations``, are integer constants
  of the calling function;
- its condition is ``counter < maximum_iterations`` and-ed with anything else;
- its body returns ``counter + 1`` and ``maximum_iterations`` unchanged.

Then it runs at most ``N - counter`` times. Loops inside loops multiply, calls add, and the
whole of what the endpoint can run must stay within :data:`MAX_ITERATIONS`; a function that
calls itself (recursion) is refused as well. The cost of one iteration is bounded by the
graph's size, as for any graph without loops.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kerazoo._errors import UnsafeModelError

__all__ = ["MAX_ITERATIONS", "check_loops"]

#: The most loop iterations, over every loop an endpoint can run (nested ones multiplied).
MAX_ITERATIONS = 100_000
_LOOPS = {"While", "StatelessWhile"}
_FIX = (
    "kerazoo runs only SavedModels whose loops end by construction (tf.while_loop with a "
    f"constant maximum_iterations, at most {MAX_ITERATIONS} iterations in all), as 'kerazoo "
    "export' writes them (without loops). Export the model again with 'kerazoo export', or "
    "load it with TensorFlow yourself if you trust it."
)


def check_loops(p: Path, library: dict[str, Any], roots: set[str]) -> None:
    """Refuse a SavedModel whose functions may loop without end (see the module's text).

    Args:
        p: the export folder, for the message.
        library: function name -> ``FunctionDef``, every function of the graph.
        roots: the functions the loaded object can call.

    Raises:
        UnsafeModelError: a loop the graph does not bound, a call cycle, or more than
            :data:`MAX_ITERATIONS` iterations in all.
    """
    counted: dict[str, int] = {}
    for root in sorted(roots):
        total = _iterations(p, root, library, counted, ())
        if total > MAX_ITERATIONS:
            raise UnsafeModelError(
                f"Refused to load '{p}': its function {root!r} can run more than "
                f"{MAX_ITERATIONS} loop iterations (loops inside loops multiply). {_FIX}"
            )


def _iterations(
    p: Path, name: str, library: dict[str, Any], counted: dict[str, int], calling: tuple
) -> int:
    """The most loop iterations one call of ``name`` can run (memoised in ``counted``)."""
    if name in counted:
        return counted[name]
    if name in calling:
        chain = " -> ".join((*calling[calling.index(name) :], name))
        raise UnsafeModelError(
            f"Refused to load '{p}': its functions call themselves ({chain}), which may "
            f"never end. {_FIX}"
        )
    fn, calling = library[name], (*calling, name)
    nodes = {node.name: node for node in fn.node_def}
    total = 0
    for node in fn.node_def:
        inner = sum(_iterations(p, f, library, counted, calling) for f in _called(node, library))
        if node.op in _LOOPS:
            bound = _trip_count(node, nodes, library)
            if bound is None:
                raise UnsafeModelError(
                    f"Refused to load '{p}': its graph has a loop ({node.op} {node.name!r} "
                    f"in {name}) whose number of iterations the graph does not bound, so it "
                    f"may never end. {_FIX}"
                )
            inner = bound * (1 + inner)
        total = min(total + inner, MAX_ITERATIONS + 1)  # no need to count further
    counted[name] = total
    return total


def _called(node: Any, library: dict[str, Any]) -> list[str]:
    """The functions a node calls, by op name or by a ``func`` attribute."""
    names = [node.op] if node.op in library else []
    for value in node.attr.values():
        if value.HasField("func"):
            names.append(value.func.name)
        names.extend(f.name for f in value.list.func)
    return [n for n in names if n in library]


def _trip_count(node: Any, nodes: dict[str, Any], library: dict[str, Any]) -> int | None:
    """How many times a ``While`` node can run its body, or ``None`` when unbounded."""
    inputs = [i for i in node.input if not i.startswith("^")]
    cond = library.get(node.attr["cond"].func.name)
    body = library.get(node.attr["body"].func.name)
    if len(inputs) < 2 or cond is None or body is None:
        return None
    start, limit = _constant(nodes, inputs[0]), _constant(nodes, inputs[1])
    if start is None or limit is None or not _counts_up(cond, body):
        return None
    return max(0, limit - start)


def _counts_up(cond: Any, body: Any) -> bool:
    """``cond`` is ``counter < maximum && ...`` and ``body`` gives ``counter + 1, maximum``."""
    c_args = [a.name for a in cond.signature.input_arg]
    b_args = [a.name for a in body.signature.input_arg]
    c_out = [o.name for o in cond.signature.output_arg]
    b_out = [o.name for o in body.signature.output_arg]
    if len(c_args) < 2 or len(b_args) < 2 or len(c_out) != 1 or len(b_out) < 2:
        return False
    c_nodes = {n.name: n for n in cond.node_def}
    test = _producer(c_nodes, cond.ret[c_out[0]])
    if test is None or test.op != "LogicalAnd":
        return False
    less = [_producer(c_nodes, i) for i in test.input if not i.startswith("^")]
    if not any(n is not None and n.op == "Less" and list(n.input) == c_args[:2] for n in less):
        return False
    b_nodes = {n.name: n for n in body.node_def}
    step = _producer(b_nodes, body.ret[b_out[0]])
    if step is None or step.op not in ("AddV2", "Add") or len(step.input) != 2:
        return False
    one = [i for i in step.input if i != b_args[0]]
    kept = _producer(b_nodes, body.ret[b_out[1]], args=True)
    return len(one) == 1 and _constant(b_nodes, one[0]) == 1 and kept == b_args[1]


def _producer(nodes: dict[str, Any], ref: str, args: bool = False) -> Any:
    """The node that gives tensor ``ref`` ("node:output:0"), through any Identity; with
    ``args``, the name of the function argument it is, if it is one."""
    for _ in range(100):  # a chain of Identity nodes; a longer (or cyclic) one: unknown
        node = nodes.get(ref.split(":")[0])
        if node is None:
            return ref if args and ":" not in ref else None
        if node.op != "Identity" or not node.input:
            return None if args else node
        ref = node.input[0]
    return None


def _constant(nodes: dict[str, Any], ref: str) -> int | None:
    """The value of an integer scalar ``Const`` giving ``ref``, or ``None``."""
    import numpy as np
    import tensorflow as tf

    node = _producer(nodes, ref)
    if node is None or node.op != "Const" or "value" not in node.attr:
        return None
    try:
        value = tf.make_ndarray(node.attr["value"].tensor)
    except Exception:  # a damaged tensor: not a bound
        return None
    if value.shape != () or not np.issubdtype(value.dtype, np.integer):
        return None
    return int(value)
