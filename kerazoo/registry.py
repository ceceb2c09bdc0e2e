"""Plugin discovery over entry points.

Datasets come from the entry-point group ``kerazoo.datasets`` and architectures from
``kerazoo.architectures``. The built-in plugins register through the same groups in
kerazoo's own ``pyproject.toml``; nothing here knows any plugin by name.

Plugins load lazily: nothing is imported until a name is looked up or listed. A plugin that
fails to import is reported (with its traceback in ``kerazoo plugins --verbose``) and the
rest keeps working; ``KERAZOO_STRICT_PLUGINS=1`` makes such a failure fatal. A name
registered by two packages is an error naming both, unless the user says which wins, with
``source=`` or ``KERAZOO_PREFER``.
"""

from __future__ import annotations

import fnmatch
import os
import re
import traceback
import warnings
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from kerazoo.data.dataset import Dataset
from kerazoo.errors import PluginConflictError, PluginError, UnknownNameError, did_you_mean
from kerazoo.models.architecture import Architecture
from kerazoo.naming import natural_key
from kerazoo.params import Param
from kerazoo.task import TASK_KINDS

__all__ = [
    "GROUPS",
    "PluginWarning",
    "get_architecture",
    "get_dataset",
    "list_architectures",
    "list_datasets",
    "natural_key",
    "plugin_report",
    "refresh",
]

GROUPS = {"dataset": "kerazoo.datasets", "architecture": "kerazoo.architectures"}
_BASES: dict[str, type] = {"dataset": Dataset, "architecture": Architecture}
# members a plugin class must define itself rather than inherit from the base
_REQUIRED: dict[str, tuple[str, ...]] = {
    "dataset": ("task", "image_shape", "make"),
    "architecture": ("build_body",),
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

    @property
    def source(self) -> str:
        return f"{self.dist} {self.version}".strip()


_cache: dict[str, list[Entry]] = {}


def refresh() -> None:
    """Forget what was discovered, so newly installed plugins are seen."""
    _cache.clear()


def _strict() -> bool:
    return os.environ.get("KERAZOO_STRICT_PLUGINS", "").lower() in {"1", "true", "yes", "on"}


def _entries(kind: str) -> list[Entry]:
    if kind not in _cache:
        seen: set[tuple[str, str, str]] = set()
        found: list[Entry] = []
        for ep in metadata.entry_points(group=GROUPS[kind]):
            dist = getattr(ep, "dist", None)
            dname = dist.metadata["Name"] if dist is not None else "unknown"
            dver = dist.version if dist is not None else ""
            key = (ep.name, ep.value, dname)
            if key in seen:  # one distribution seen twice on sys.path
                continue
            seen.add(key)
            found.append(Entry(kind, ep.name, ep.value, dname, dver))
        _cache[kind] = found
    return _cache[kind]


def _validate(entry: Entry, obj: Any) -> None:
    base = _BASES[entry.kind]
    where = f"{entry.kind} plugin {entry.name!r} ({entry.value}, from {entry.source})"
    if not (isinstance(obj, type) and issubclass(obj, base)):
        raise PluginError(
            f"The {where} is {obj!r}, which is not a subclass of kerazoo.{base.__name__}. "
            f"Point the entry point at a class derived from kerazoo.{base.__name__}."
        )
    for member in _REQUIRED[entry.kind]:
        if getattr(obj, member, None) is getattr(base, member):
            raise PluginError(
                f"The {where} does not define {member!r}, which every "
                f"kerazoo.{base.__name__} must implement."
            )
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


def _load(entry: Entry) -> Any:
    if entry.status == "loaded":
        return entry.obj
    if entry.status != "failed":
        try:
            obj = metadata.EntryPoint(entry.name, entry.value, GROUPS[entry.kind]).load()
            _validate(entry, obj)
        except Exception as exc:  # a plugin may fail in any way; report, don't crash
            entry.status = "failed"
            entry.error = f"{type(exc).__name__}: {exc}"
            entry.trace = traceback.format_exc()
        else:
            obj.name = entry.name
            obj.plugin = entry.source
            entry.obj, entry.status = obj, "loaded"
            return obj
    message = (
        f"The {entry.kind} plugin {entry.name!r} from {entry.source} failed to load: "
        f"{entry.error}. Reinstall or fix that package, or uninstall it; "
        "`kerazoo plugins --verbose` shows the traceback."
    )
    if _strict():
        raise PluginError(message + " (KERAZOO_STRICT_PLUGINS is set, so this is fatal.)")
    warnings.warn(message, PluginWarning, stacklevel=4)
    return None


def _preferences() -> tuple[dict[str, str], list[str]]:
    """Parse ``KERAZOO_PREFER="name=dist,dist2"`` into per-name and global preferences."""
    per_name: dict[str, str] = {}
    overall: list[str] = []
    for item in os.environ.get("KERAZOO_PREFER", "").split(","):
        item = item.strip()
        if "=" in item:
            k, v = item.split("=", 1)
            per_name[k.strip()] = v.strip()
        elif item:
            overall.append(item)
    return per_name, overall


def _norm(dist: str) -> str:
    return re.sub(r"[-_.]+", "-", dist).lower()


def _pick(kind: str, name: str, source: str | None) -> Entry:
    entries = _entries(kind)
    matches = [e for e in entries if e.name == name]
    if not matches:
        names = sorted({e.name for e in entries}, key=natural_key)
        raise UnknownNameError(
            f"Unknown {kind} {name!r}.{did_you_mean(name, names)} "
            f"Available: {', '.join(names) or '(none installed)'}."
        )
    per_name, overall = _preferences()
    wanted = [source] if source else ([per_name[name]] if name in per_name else overall)
    if wanted:
        chosen = [e for w in wanted for e in matches if _norm(e.dist) == _norm(w)]
        if chosen:
            return chosen[0]
        if source or name in per_name:
            raise UnknownNameError(
                f"The {kind} {name!r} is not registered by package {wanted[0]!r}; it is "
                f"registered by {', '.join(e.dist for e in matches)}."
            )
    if len(matches) > 1:
        packages = " and ".join(f"{e.source} ({e.value})" for e in matches)
        raise PluginConflictError(
            f"The {kind} name {name!r} is registered by {packages}. Say which one to use: "
            f"pass source='{matches[0].dist}' in Python, or set "
            f"KERAZOO_PREFER={name}={matches[0].dist} (or uninstall one of them)."
        )
    return matches[0]


def _get_class(kind: str, name: str, source: str | None) -> Any:
    entry = _pick(kind, name, source)
    obj = _load(entry)
    if obj is None:
        raise PluginError(
            f"The {kind} {name!r} from {entry.source} cannot be used: {entry.error}. "
            "`kerazoo plugins --verbose` shows the traceback."
        )
    return obj


def _list(kind: str, pattern: str | None) -> list[str]:
    names: set[str] = set()
    for e in _entries(kind):
        if pattern is not None and not fnmatch.fnmatchcase(e.name, pattern):
            continue
        if _load(e) is not None:
            names.add(e.name)
    return sorted(names, key=natural_key)


def list_datasets(pattern: str | None = None) -> list[str]:
    """Names of the installed datasets, naturally sorted; ``pattern`` is an fnmatch wildcard.

    A plugin that fails to load is left out with a :class:`PluginWarning`.

    Example:
        >>> import kerazoo
        >>> kerazoo.list_datasets("c*")   # doctest: +SKIP
        ['circles']
    """
    return _list("dataset", pattern)


def list_architectures(pattern: str | None = None) -> list[str]:
    """Names of the installed architectures, naturally sorted; ``pattern`` is a wildcard.

    Example:
        >>> import kerazoo
        >>> kerazoo.list_architectures("*vgg*")   # doctest: +SKIP
        ['chopped_vgg']
    """
    return _list("architecture", pattern)


def dataset_class(name: str, source: str | None = None) -> type[Dataset]:
    """The class registered as dataset ``name`` (for its options table and description)."""
    return _get_class("dataset", name, source)


def architecture_class(name: str, source: str | None = None) -> type[Architecture]:
    """The class registered as architecture ``name``."""
    return _get_class("architecture", name, source)


def get_dataset(name: str, source: str | None = None, **options: Any) -> Dataset:
    """A dataset by name, configured with ``options`` (unknown or bad options are errors).

    Args:
        name: registered name, e.g. ``"circles"``.
        source: the package to take it from, when two packages register ``name``.
        **options: the dataset's options; see ``kerazoo list datasets --verbose``.

    Example:
        >>> import kerazoo
        >>> ds = kerazoo.get_dataset("circles", min_count=45, max_count=50)  # doctest: +SKIP
    """
    return dataset_class(name, source)(**options)


def get_architecture(name: str, source: str | None = None, **hyperparameters: Any) -> Architecture:
    """An architecture by name, configured with ``hyperparameters``.

    Example:
        >>> import kerazoo
        >>> arch = kerazoo.get_architecture("lenet")   # doctest: +SKIP
    """
    return architecture_class(name, source)(**hyperparameters)


def plugin_report() -> list[Entry]:
    """Load every registered plugin and return one :class:`Entry` per entry point.

    Used by ``kerazoo plugins``: each entry has its distribution, version, status
    (``loaded`` or ``failed``), error and traceback. Never raises for a broken plugin.
    """
    out: list[Entry] = []
    for kind in GROUPS:
        for e in _entries(kind):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", PluginWarning)
                try:
                    _load(e)
                except PluginError:  # strict mode: the report still shows it
                    pass
            out.append(e)
    return out
