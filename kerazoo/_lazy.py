"""Public names imported on first use, declared once in a package's ``__init__.pyi``.

lazy_loader (as scikit-image uses it) reads the stub and imports each name when it is first
reached; this wrapper keeps Python's own wording for a name that does not exist, so
``kerazoo.trian`` fails as any module attribute does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import lazy_loader

Attached = tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]


def attach_stub(package: str, file: str, *, extra: tuple[str, ...] = ()) -> Attached:
    """``(__getattr__, __dir__, __all__)`` for ``package`` from the stub beside ``file``;
    ``extra`` names (defined in the package itself) join ``__all__``."""
    lazy_getattr, _, names = lazy_loader.attach_stub(package, file)
    return _checked(package, lazy_getattr, names, extra)


def attach(package: str, submodules: list[str]) -> Attached:
    """The same for a package whose public names are only ``submodules``."""
    lazy_getattr, _, names = lazy_loader.attach(package, submodules=submodules)
    return _checked(package, lazy_getattr, names, ())


def _checked(
    package: str, lazy_getattr: Callable[[str], Any], names: list[str], extra: tuple[str, ...]
) -> Attached:
    public = [*names, *extra]

    def __getattr__(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return lazy_getattr(name)

    def __dir__() -> list[str]:
        return list(public)

    return __getattr__, __dir__, public
