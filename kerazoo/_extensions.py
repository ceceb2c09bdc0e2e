"""Look views and training callbacks from installed packages, through the plugin registry.

Views come from the entry-point group ``kerazoo.views`` (a :class:`kerazoo.View`
class) and callbacks from ``kerazoo.callbacks`` (a ``keras.callbacks.Callback`` class, or a
function that returns one, called with no arguments). They are discovered, listed, checked
for conflicts and for broken packages exactly as datasets and architectures are (see
:mod:`kerazoo._registry`); kerazoo's own views register the same way.

Example:
    >>> from kerazoo import _extensions as extensions
    >>> "maps" in extensions.list_views()
    True
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kerazoo._errors import PluginError
from kerazoo._registry import current, make
from kerazoo._views import View

__all__ = ["get_callback", "get_view", "list_callbacks", "list_views", "make_callbacks"]


def list_views(pattern: str | None = None) -> list[str]:
    """Names of the installed look views (``kerazoo look NAME``), naturally sorted."""
    return current().names("view", pattern)


def get_view(name: str, source: str | None = None) -> View:
    """The look view registered as ``name``, made fresh (its ``name`` and ``plugin`` set).

    Raises:
        UnknownNameError: no view has that name (the message lists those installed).
        PluginConflictError: two packages register it and nothing says which wins.
        PluginError: its package failed to load.
    """
    return make(current().get_entry("view", name, source))


def list_callbacks(pattern: str | None = None) -> list[str]:
    """Names of the installed training callbacks (``kerazoo train --callback NAME``)."""
    return current().names("callback", pattern)


def get_callback(name: str, source: str | None = None) -> Any:
    """A new instance of the training callback registered as ``name``.

    Raises:
        UnknownNameError: no callback has that name (the message lists those installed).
        PluginError: its package failed to load, or what it made is not a Keras callback.
    """
    import keras

    entry = current().get_entry("callback", name, source)
    try:
        made = entry.obj()
    except Exception as exc:
        raise PluginError(
            f"The callback {name!r} from {entry.source} failed when made: "
            f"{type(exc).__name__}: {exc}. This is a bug in that package: report it there."
        ) from exc
    if not isinstance(made, keras.callbacks.Callback):
        raise PluginError(
            f"The callback {name!r} from {entry.source} ({entry.value}) made {made!r}, which "
            "is not a keras.callbacks.Callback. Its entry point must name a Callback class or "
            "a function that returns one."
        )
    return made


def make_callbacks(callbacks: Iterable[Any] | None) -> list[Any]:
    """``callbacks`` with each name (a ``str``) replaced by a new instance of that installed
    callback; Keras callback objects pass through unchanged.

    Example:
        >>> make_callbacks(None)
        []
    """
    return [get_callback(c) if isinstance(c, str) else c for c in callbacks or ()]
