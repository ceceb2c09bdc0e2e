"""Entry points: find the names plugins register, check each name, import one on demand.

Datasets come from the entry-point group ``kerazoo.datasets``, architectures from
``kerazoo.architectures``, look views (:class:`kerazoo.View`) from ``kerazoo.views``
and training callbacks (a ``keras.callbacks.Callback`` class, or a function making one) from
``kerazoo.callbacks``. A registered name becomes part of folder names, Keras layer names
and command lines, so a name that breaks :data:`kerazoo._naming.PLUGIN_NAME_RULE` (``../x``,
``a/b``, ``$x``, a control character) is refused here, before anything uses it. Loading an
entry imports its module and checks that the class keeps the plugin contract.

Plain Python; the :class:`kerazoo._registry.Registry` decides when to load.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from kerazoo._conflicts import norm
from kerazoo._errors import PluginError
from kerazoo._naming import PLUGIN_NAME_RULE, plugin_name_problem, printable
from kerazoo._params import Param
from kerazoo._task import TASK_KINDS
from kerazoo._views import View, check_subject
from kerazoo.data._dataset import Dataset
from kerazoo.models._architecture import Architecture

__all__ = [
    "GROUPS",
    "Entry",
    "PluginWarning",
    "discover",
    "import_entry",
    "load_entry",
    "refused_message",
]

GROUPS = {
    "dataset": "kerazoo.datasets",
    "architecture": "kerazoo.architectures",
    "view": "kerazoo.views",
    "callback": "kerazoo.callbacks",
}
# the kinds whose entry points are classes derived from a kerazoo base class
_BASES: dict[str, type] = {"dataset": Dataset, "architecture": Architecture, "view": View}
# members a plugin class must define itself rather than inherit from the base
_REQUIRED: dict[str, tuple[str, ...]] = {
    "dataset": ("task", "image_shape", "make"),
    "architecture": ("build_body",),
    "view": ("run",),
}
_TABLE: dict[str, str] = {"dataset": "options", "architecture": "hyperparameters"}


class PluginWarning(UserWarning):
    """A plugin failed to load; the others still work."""


@dataclass
class Entry:
    """One entry point: a name registered by one distribution."""

    kind: str
    name: str
    value: str
    dist: str
    version: str
    status: str = "not loaded"  # "loaded", "failed", "not loaded"
    error: str = ""
    trace: str = ""
    obj: Any = field(default=None, repr=False)
    where: str = field(default="", repr=False)  # the folder its distribution is installed in

    @property
    def source(self) -> str:
        return f"{self.dist} {self.version}".strip()

    @property
    def key(self) -> tuple[str, str, str, str]:
        """``(kind, name, dist, value)``: the same entry point in another process."""
        return (self.kind, self.name, self.dist, self.value)


def discover(path: Sequence[str] | None, kind: str) -> tuple[list[Entry], list[Entry]]:
    """Every entry point of ``kind`` in the distributions found on ``path``.

    Args:
        path: folders as for ``sys.path``; ``None`` means ``sys.path`` itself.
        kind: ``"dataset"`` or ``"architecture"``.

    Returns:
        ``(entries, refused)``: the usable entries, and those whose name breaks the rule
        (already ``failed``, their ``error`` saying why); never imported.
    """
    seen: set[str] = set()
    found: list[Entry] = []
    refused: list[Entry] = []
    for dist in metadata.distributions(**({} if path is None else {"path": list(path)})):
        name = dist.metadata["Name"] or "unknown"
        if norm(name) in seen:  # as importlib: the first copy on the path wins
            continue
        seen.add(norm(name))
        for ep in dist.entry_points.select(group=GROUPS[kind]):
            where = str(dist.locate_file(""))
            entry = Entry(kind, ep.name, ep.value, name, dist.version, where=where)
            problem = plugin_name_problem(ep.name)
            if problem is None:
                found.append(entry)
            else:
                entry.status, entry.error = "failed", problem
                refused.append(entry)
    return found, refused


def refused_message(refused: Sequence[Entry]) -> str:
    """One warning for the names refused at discovery, naming each one's package."""
    names = "; ".join(
        f"{e.kind} '{printable(e.name)}' registered by {e.source} ({e.value})" for e in refused
    )
    return (
        f"{len(refused)} plugin name{'s are' if len(refused) > 1 else ' is'} skipped: {names}. "
        f"A name is {PLUGIN_NAME_RULE}. Ask the package's author to rename the entry point, "
        "or uninstall the package."
    )


def load_entry(entry: Entry, path: Sequence[str] | None) -> Any:
    """Import ``entry``'s class into ``entry`` (``status`` ``"loaded"``, ``obj`` set), or
    record why it failed (``status`` ``"failed"``, ``error``, ``trace``) and return ``None``.
    The class itself is never written to: what the registry knows stays in ``entry``. A
    plugin may fail in any way, ``sys.exit()`` included; only ``KeyboardInterrupt`` passes
    through.
    """
    try:
        obj = import_entry(entry, path)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:
        entry.status = "failed"
        entry.error = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, SystemExit):
            entry.error = f"SystemExit: the plugin called sys.exit({exc.code!r}) on import"
        entry.trace = traceback.format_exc()
        return None
    entry.obj, entry.status = obj, "loaded"
    return obj


def import_entry(entry: Entry, path: Sequence[str] | None) -> Any:
    """Import the class behind ``entry`` and check it keeps the plugin contract.

    Raises:
        PluginError: the object is not a fitting kerazoo class; anything the plugin's own
            import raises passes through.
    """
    ep = metadata.EntryPoint(entry.name, entry.value, GROUPS[entry.kind])
    if path is not None:
        _import_from(path, ep.module)
    obj = ep.load()
    _validate(entry, obj)
    return obj


def _validate(entry: Entry, obj: Any) -> None:
    where = f"{entry.kind} plugin {entry.name!r} ({entry.value}, from {entry.source})"
    if entry.kind == "callback":
        if not callable(obj):
            raise PluginError(
                f"The {where} is {obj!r}, which cannot be called. Point the entry point at a "
                "keras.callbacks.Callback class, or a function that returns one."
            )
        return
    base = _BASES[entry.kind]
    public = f"kerazoo.{base.__name__}"
    if not (isinstance(obj, type) and issubclass(obj, base)):
        raise PluginError(
            f"The {where} is {obj!r}, which is not a subclass of {public}. "
            f"Point the entry point at a class derived from {public}."
        )
    for member in _REQUIRED[entry.kind]:
        if getattr(obj, member, None) is getattr(base, member):
            raise PluginError(
                f"The {where} does not define {member!r}, which every {public} must implement."
            )
    if entry.kind == "view":
        check_subject(obj, where)
    if entry.kind not in _TABLE:
        return
    table = getattr(obj, _TABLE[entry.kind])
    if not isinstance(table, dict) or not all(isinstance(p, Param) for p in table.values()):
        raise PluginError(
            f"The {where} has {_TABLE[entry.kind]!r} = {table!r}; it must be a dict of "
            "kerazoo.Param."
        )
    if entry.kind == "architecture":
        bad = [t for t in obj.tasks if t not in TASK_KINDS]
        if bad or not obj.tasks:
            raise PluginError(
                f"The {where} declares tasks {obj.tasks!r}; each must be one of "
                f"{', '.join(TASK_KINDS)}."
            )


def _import_from(path: Sequence[str], module: str) -> None:
    """Import ``module``'s top-level package from ``path`` when it is not importable already."""
    top = module.partition(".")[0]
    if top in sys.modules:
        return
    spec = importlib.machinery.PathFinder.find_spec(top, list(path))
    if spec is None or spec.loader is None:
        return  # let the ordinary import find it, or say it is missing
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[top] = loaded
    try:
        spec.loader.exec_module(loaded)
    except BaseException:
        del sys.modules[top]
        raise
