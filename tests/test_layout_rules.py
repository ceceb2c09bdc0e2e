"""The layout rules of DESIGN.md, checked from the code's own imports (read with ``ast``).

- no import cycle between kerazoo's modules;
- the core never imports the built-in plugins (``kerazoo_builtin``);
- ``kerazoo.data``, ``models`` and ``saving`` import neither ``training`` nor ``predict``;
- ``kerazoo.training`` never imports ``kerazoo.interpret`` (which plugs into it as
  callbacks), and ``interpret`` imports neither ``training``, ``predict`` nor the CLI;
- ``kerazoo.predict`` imports neither the registry nor ``kerazoo.training``, directly or
  through what it imports at module level (a saved model predicts without them);
- the contracts (``task``, ``params``, ``errors``) import no keras or TensorFlow;
- ``import kerazoo`` loads no framework;
- no module over 400 lines, no function over 60 (its docstring not counted).

Imports under ``if TYPE_CHECKING:`` never run and are left out. The root package
``kerazoo`` is the public facade that re-exports everything; it is not counted as a
dependency of the modules below it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "kerazoo"
MAX_MODULE_LINES, MAX_FUNCTION_LINES = 400, 60
FRAMEWORKS = ("keras", "tensorflow", "jax", "torch")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: dict[str, Path] = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def _imported(node: ast.Import | ast.ImportFrom, module: str) -> set[str]:
    """Full names an import statement loads (``from a import b`` gives ``a`` and ``a.b``)."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    base = node.module or ""
    if node.level:
        package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
        parts = package.split(".")[: len(package.split(".")) - node.level + 1]
        base = ".".join(parts + ([base] if base else []))
    return {base} | {f"{base}.{alias.name}" for alias in node.names}


@cache
def imports(module: str) -> tuple[frozenset[str], frozenset[str]]:
    """``(at module level, anywhere)``: what ``module`` imports, TYPE_CHECKING blocks left out."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    top: set[str] = set()
    anywhere: set[str] = set()

    def walk(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if _is_type_checking(child):
                for stmt in child.orelse:  # the `else:` branch does run
                    walk(ast.Module(body=[stmt], type_ignores=[]), in_function)
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                names = _imported(child, module)
                anywhere.update(names)
                if not in_function:
                    top.update(names)
            nested = isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            walk(child, in_function or nested)

    walk(tree, False)
    return frozenset(top), frozenset(anywhere)


def _kerazoo_edges(names: frozenset[str], module: str) -> set[str]:
    """The kerazoo modules among ``names``, with the packages they live in (imported first)."""
    out: set[str] = set()
    for name in names:
        if name not in MODULES:
            continue
        parts = name.split(".")
        out |= {".".join(parts[:i]) for i in range(2, len(parts) + 1)}
    return {m for m in out if m in MODULES and m != module and not module.startswith(m + ".")}


def _loaded_at_import(start: set[str]) -> set[str]:
    """Every kerazoo module loaded by importing ``start``, following module-level imports."""
    seen: set[str] = set()
    todo = list(start)
    while todo:
        m = todo.pop()
        if m in seen:
            continue
        seen.add(m)
        todo += _kerazoo_edges(imports(m)[0], m)
    return seen


def test_no_import_cycle() -> None:
    graph = {m: _kerazoo_edges(imports(m)[1], m) for m in MODULES if m != "kerazoo"}
    cycles: list[list[str]] = []
    done: set[str] = set()

    def visit(m: str, path: list[str]) -> None:
        if m in path:
            cycles.append([*path[path.index(m) :], m])
            return
        if m in done:
            return
        done.add(m)
        for nxt in sorted(graph.get(m, ())):
            visit(nxt, [*path, m])

    for m in sorted(graph):
        visit(m, [])
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_the_core_never_imports_a_builtin_plugin() -> None:
    bad = sorted(
        m for m in MODULES if any(n.split(".")[0] == "kerazoo_builtin" for n in imports(m)[1])
    )
    assert not bad, f"these modules import kerazoo_builtin: {bad}"


def test_predict_needs_neither_the_registry_nor_training() -> None:
    predict = [m for m in MODULES if m == "kerazoo.predict" or m.startswith("kerazoo.predict.")]
    assert predict
    direct = set().union(*(_kerazoo_edges(imports(m)[1], m) for m in predict))
    loaded = _loaded_at_import(direct | set(predict))
    bad = sorted(m for m in loaded if m == "kerazoo._registry" or m.startswith("kerazoo.training"))
    assert not bad, f"kerazoo.predict reaches {bad}"


# package -> the packages it must never import. The data path flows one way: batches, models
# and files never reach a run or a Predictor. interpret sits beside training and plugs into
# it as callbacks (training never reaches it), and neither reaches the command line.
_DOWNSTREAM = ("kerazoo.training", "kerazoo.predict")
NEVER = {
    "kerazoo.data": _DOWNSTREAM,
    "kerazoo.models": _DOWNSTREAM,
    "kerazoo.saving": _DOWNSTREAM,
    "kerazoo.training": ("kerazoo.interpret", "kerazoo.experiments", "kerazoo._cli"),
    # experiments sit on top of training and interpret, below the command line
    "kerazoo.experiments": ("kerazoo._cli",),
    "kerazoo.interpret": (*_DOWNSTREAM, "kerazoo._cli"),
    # evaluation sits below training (a run ends with one) and beside predict
    "kerazoo.evaluation": ("kerazoo.training", "kerazoo.interpret", "kerazoo._cli"),
    # the zoo sits on top of evaluation, report and training runs, below the command line
    "kerazoo.zoo": ("kerazoo._cli", "kerazoo.interpret", "kerazoo.experiments"),
    # a report only reads the files a run folder holds
    "kerazoo.report": (
        "kerazoo.training",
        "kerazoo.interpret",
        "kerazoo.evaluation",
        "kerazoo._cli",
    ),
}


@pytest.mark.parametrize("package", sorted(NEVER))
def test_packages_never_reach_what_lies_downstream_or_beside(package: str) -> None:
    mods = [m for m in MODULES if m == package or m.startswith(package + ".")]
    assert mods
    bad = sorted(
        f"{m} -> {n}"
        for m in mods
        for n in _kerazoo_edges(imports(m)[1], m)
        if n.startswith(NEVER[package])
    )
    assert not bad, f"{package} reaches {bad}"


@pytest.mark.parametrize("contract", ["kerazoo._task", "kerazoo._params", "kerazoo._errors"])
def test_contracts_import_no_framework(contract: str) -> None:
    reached = {contract} | _loaded_at_import({contract})
    bad = sorted(
        (m, n)
        for m in reached
        for n in (imports(m)[1] if m == contract else imports(m)[0])
        if n.split(".")[0] in ("keras", "tensorflow")
    )
    assert not bad, f"{contract} imports a framework: {bad}"


def test_import_kerazoo_loads_no_framework() -> None:
    code = f"import sys, kerazoo; print([m for m in {FRAMEWORKS!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_and_function_sizes(module: str) -> None:
    source = MODULES[module].read_text(encoding="utf-8")
    lines = len(source.splitlines())
    assert lines <= MAX_MODULE_LINES, f"{module} has {lines} lines (at most {MAX_MODULE_LINES})"
    long = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                length -= first.end_lineno - first.lineno + 1  # the docstring does not count
            if length > MAX_FUNCTION_LINES:
                long.append(f"{node.name}() at line {node.lineno}: {length} lines")
    assert not long, f"{module}: functions over {MAX_FUNCTION_LINES} lines: {long}"
