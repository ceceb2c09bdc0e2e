"""The public surface: every name in ``kerazoo.__all__`` resolves, and importing stays light."""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

import kerazoo


def test_every_public_name_resolves() -> None:
    missing = [name for name in kerazoo.__all__ if getattr(kerazoo, name, None) is None]
    assert missing == []
    assert set(kerazoo.__all__) <= set(dir(kerazoo))


def test_moved_names_are_public_at_the_top() -> None:
    """What the docs show users lives on ``kerazoo`` itself, not on an internal module path."""
    assert kerazoo.augment.TRANSFORMS == ("hflip", "vflip", "rot90", "shift")
    assert callable(kerazoo.make_batches) and callable(kerazoo.encode_inputs)
    assert callable(kerazoo.to_channels_last)
    assert kerazoo.natural_key("net2") < kerazoo.natural_key("net10")


def test_lazy_names_do_not_import_keras_until_used() -> None:
    code = (
        "import sys, kerazoo; kerazoo.augment; kerazoo.natural_key; kerazoo.interpret;"
        "print(sorted(m for m in ('keras', 'tensorflow', 'jax', 'torch') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- what is public, and nothing else ------------------------------------------------------
ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "kerazoo"
#: The documented namespaces. Every other module's path has a part starting with "_".
PUBLIC = (
    "kerazoo",
    "kerazoo.interpret",
    "kerazoo.data",
    "kerazoo.data.augment",
    "kerazoo.data.decode",
    "kerazoo.testing",
    "kerazoo.plugin_template",
)
REFERENCE = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs/reference").glob("*.md"))


def _dotted(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _only_a_docstring(path: Path) -> bool:
    body = ast.parse(path.read_text(encoding="utf-8")).body
    return all(isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant) for n in body)


def test_every_module_outside_the_documented_namespaces_is_private() -> None:
    """A module reached without a ``_`` in its path is public: it must be documented. The
    other packages (``kerazoo.training``, ...) hold only a docstring."""
    exposed = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _dotted(path)
        if "plugin_template.files" in name or any(p.startswith("_") for p in name.split(".")):
            continue
        if name not in PUBLIC and not (path.name == "__init__.py" and _only_a_docstring(path)):
            exposed.append(name)
    assert exposed == [], f"public without documentation (make them private, '_name.py'): {exposed}"


@pytest.mark.parametrize("module", PUBLIC)
def test_the_api_reference_lists_every_public_name(module: str) -> None:
    names = importlib.import_module(module).__all__
    missing = [n for n in names if not re.search(rf"(?<![\w]){re.escape(n)}(?![\w])", REFERENCE)]
    assert missing == [], f"{module}: not in docs/reference/: {missing}"


def _kerazoo_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "kerazoo"}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "kerazoo":
            found |= {node.module} | {
                f"{node.module}.{a.name}" for a in node.names if a.name.startswith("_")
            }
    return found


@pytest.mark.parametrize(
    "folder",
    ["plugins/kerazoo_builtin", "kerazoo/plugin_template/files", "tests/fixtures", "examples"],
)
def test_plugins_and_examples_use_only_public_names(folder: str) -> None:
    """The built-in plugins use kerazoo as a third-party package must: public names only."""
    private = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / folder).rglob("*.py")
        for name in _kerazoo_imports(path)
        if name not in PUBLIC
    }
    assert sorted(private) == []
