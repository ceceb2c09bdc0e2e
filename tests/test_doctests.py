"""The ``>>>`` examples in kerazoo's docstrings run, and their printed output is checked.

Every module of ``kerazoo`` and of the built-in plugins is searched with the standard
library's :mod:`doctest` (ELLIPSIS and NORMALIZE_WHITESPACE on). An example that would
train a network or needs a file the reader does not have is marked ``# doctest: +SKIP`` in
its docstring; the rest run for real, on tiny data. The plugin template's files are package
data, not modules of kerazoo: their examples run in the generated plugin's own tests.
"""

from __future__ import annotations

import doctest
import importlib
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"kerazoo": ROOT / "kerazoo", "kerazoo_builtin": ROOT / "plugins" / "kerazoo_builtin"}
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _modules() -> list[str]:
    names = []
    for package, folder in PACKAGES.items():
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(folder).with_suffix("").parts
            if "files" in parts and parts[0] == "plugin_template":
                continue  # the template: data copied by `kerazoo new-plugin`
            if parts[-1] == "__main__":
                continue  # runs the command line when imported
            parts = parts[:-1] if parts[-1] == "__init__" else parts
            names.append(".".join((package, *parts)))
    return names


def run_examples(module_name: str, tmp_path: Path) -> tuple[int, str]:
    """Run one module's examples in ``tmp_path``; return (examples run, failure report)."""
    module = importlib.import_module(module_name)
    tests = doctest.DocTestFinder(exclude_empty=True).find(module, module_name)
    out: list[str] = []
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    cwd = os.getcwd()
    os.chdir(tmp_path)  # examples that write files write them here
    try:
        for test in tests:
            runner.run(test, out=out.append)
    finally:
        os.chdir(cwd)
    return runner.summarize(verbose=False).attempted, "".join(out)


MODULES = _modules()


def test_every_module_is_searched() -> None:
    assert "kerazoo._params" in MODULES and "kerazoo.testing" in MODULES
    assert "kerazoo_builtin.architectures.lenet" in MODULES
    assert not any("kz_example" in m for m in MODULES)


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples_run(module_name: str, tmp_path: Path) -> None:
    _, failures = run_examples(module_name, tmp_path)
    assert not failures, failures


def test_a_wrong_output_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kerazoo import _params as params

    doc = params.parse_size.__doc__
    monkeypatch.setattr(params.parse_size, "__doc__", doc.replace("(27, 11)", "(11, 27)"))
    attempted, failures = run_examples("kerazoo._params", tmp_path)
    assert attempted >= 2
    assert (
        'Failed example:\n    parse_size("27x11")\nExpected:\n    (11, 27)\nGot:\n    (27, 11)'
        in (failures)
    )
