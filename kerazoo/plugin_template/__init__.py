"""A complete third-party plugin package to start from: ``kerazoo new-plugin NAME``.

The template lives in ``files/`` beside this module, installed with kerazoo, as an ordinary
package named ``kz_example`` that works as it is: copy the folder by hand, or let
:func:`write_plugin` copy it with every ``kz_example`` (and ``kz-example``) renamed.

Example:
    >>> from kerazoo.plugin_template import TEMPLATE, check_package_name
    >>> (TEMPLATE / "pyproject.toml").is_file()
    True
    >>> check_package_name("kz_dots")
    'kz_dots'
"""

from __future__ import annotations

import keyword
import os
import re
import shutil
import sys
from pathlib import Path

from kerazoo._errors import InvalidOptionError

__all__ = ["PLACEHOLDER", "TEMPLATE", "check_package_name", "write_plugin"]

#: The template, an installed folder: ``pyproject.toml``, ``README.md``, ``src/``, ``tests/``.
TEMPLATE = Path(__file__).parent / "files"
#: The import name the template uses; its distribution name is the same with dashes.
PLACEHOLDER = "kz_example"
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_TAKEN = {"kerazoo", "kerazoo_builtin", "keras", "tensorflow", "numpy", "test", "tests"}


def _suggestion(name: str) -> str:
    fixed = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_") or "plugin"
    clashes = fixed in _TAKEN or fixed in sys.stdlib_module_names or keyword.iskeyword(fixed)
    return fixed if fixed[0].isalpha() and not clashes else f"kz_{fixed}"


def check_package_name(name: str) -> str:
    """Return ``name`` when it can be the plugin's import package, else explain the fix.

    A name is lowercase letters, digits and underscores, starting with a letter (PEP 8's
    package names; ``import NAME`` must work), and not a keyword, a standard-library module
    or a package kerazoo needs.

    Raises:
        InvalidOptionError: saying why, with a name that would work.

    Example:
        >>> check_package_name("kz-dots")
        Traceback (most recent call last):
        ...
        kerazoo._errors.InvalidOptionError: The plugin NAME must be a Python package name ...
    """
    why = ""
    if not _NAME.fullmatch(name):
        why = "lowercase letters, digits and underscores, starting with a letter"
    elif keyword.iskeyword(name):
        why = "not a Python keyword"
    elif name in sys.stdlib_module_names or name in _TAKEN:
        why = "not a standard-library module or one kerazoo needs, which it would shadow"
    if why:
        raise InvalidOptionError(
            f"The plugin NAME must be a Python package name ({why}): it is what "
            f"'import NAME' imports. Got {name!r}. Try: kerazoo new-plugin {_suggestion(name)}"
        )
    return name


def write_plugin(name: str, out: str | os.PathLike[str] = ".") -> Path:
    """Copy the template to ``out/name`` with ``kz_example`` renamed to ``name`` everywhere.

    The distribution is ``name`` with dashes (``kz_dots`` -> ``kz-dots``); the registered
    dataset and architecture are ``<name>_bars`` and ``<name>_net``. Nothing is overwritten.

    Args:
        name: the import package, e.g. ``"kz_dots"`` (checked by :func:`check_package_name`).
        out: the folder to create the package folder in.

    Returns:
        The new package folder.

    Raises:
        InvalidOptionError: a bad name, or ``out/name`` exists already.

    Example:
        >>> import tempfile
        >>> root = write_plugin("kz_dots", tempfile.mkdtemp())
        >>> sorted(p.name for p in (root / "src" / "kz_dots").iterdir())
        ['__init__.py', 'architectures.py', 'datasets.py']
    """
    check_package_name(name)
    target = Path(out) / name
    if target.exists() or target.is_symlink():
        raise InvalidOptionError(
            f"'{target}' already exists: kerazoo new-plugin never overwrites a folder. Remove "
            "it, or choose another NAME or --out DIR."
        )
    dist = name.replace("_", "-")
    files = [p for p in sorted(TEMPLATE.rglob("*")) if p.is_file() and _wanted(p)]
    for src in files:
        rel = Path(
            *(name if part == PLACEHOLDER else part for part in src.relative_to(TEMPLATE).parts)
        )
        text = src.read_text(encoding="utf-8")
        text = text.replace(PLACEHOLDER, name).replace(PLACEHOLDER.replace("_", "-"), dist)
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(text, encoding="utf-8")
        shutil.copymode(src, dest)
    return target


def _wanted(path: Path) -> bool:
    """Template files only: no caches a test run may have left in the installed folder."""
    caches = {"__pycache__", ".pytest_cache", ".ruff_cache"}
    return not caches & set(path.parts) and path.suffix not in (".pyc", ".pyo")
