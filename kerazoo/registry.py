"""Plugin discovery over entry points.

Datasets come from the entry-point group ``kerazoo.datasets`` and architectures from
``kerazoo.architectures``. The built-in plugins register through the same groups in
kerazoo's own ``pyproject.toml``; nothing here knows any plugin by name.

Plugins load lazily: nothing is imported until a name is looked up or listed. A plugin that
fails to import is reported (with its traceback in ``kerazoo plugins --verbose``) and the
rest keeps working; ``KERAZOO_STRICT_PLUGINS=1`` makes such a failure fatal. A name
registered by two packages is listed twice, and is an error naming every package (see
:mod:`kerazoo.conflicts`) when it is used, unless the user says which wins, with ``source=``
or ``KERAZOO_PREFER``.
"""

from __future__ import annotations

import contextlib
import fnmatch
import importlib.machinery
import importlib.util
import os
import sys
import traceback
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from kerazoo.conflicts import BUILTIN_DIST, conflict_message, find_conflicts, norm, preferences
from kerazoo.data.dataset import Dataset
from kerazoo.errors import PluginConflictError, PluginError, UnknownNameError, unknown_choice
from kerazoo.models.architecture import Architecture
from kerazoo.naming import natural_key
from kerazoo.params import Param
from kerazoo.task import TASK_KINDS

__all__ = [
    "GROUPS",
    "PluginWarning",
    "Registry",
    "architecture_class",
    "current",
    "dataset_class",
    "get_architecture",
    "get_dataset",
    "list_architectures",
    "list_datasets",
    "natural_key",
    "plugin_report",
    "refresh",
    "using",
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


def _strict() -> bool:
    return os.environ.get("KERAZOO_STRICT_PLUGINS", "").lower() in {"1", "true", "yes", "on"}


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


class Registry:
    """The plugins one program sees: discovered entry points, loaded lazily, checked once.

    kerazoo keeps one default instance, which the module functions (:func:`list_datasets`,
    :func:`get_dataset`, ...) use. Make another to look at other folders, and make it the
    default for a while with :func:`using`.

    Args:
        path: folders to discover installed distributions in (and to import their plugin
            modules from), as for ``sys.path``; ``None`` (the default) means ``sys.path``
            itself, read at discovery time.

    Example:
        >>> reg = Registry(path=["site-packages-elsewhere"])    # doctest: +SKIP
        >>> reg.list_datasets()                                  # doctest: +SKIP
        ['stripes']
    """

    def __init__(self, path: Sequence[str | os.PathLike[str]] | None = None) -> None:
        self.path = None if path is None else [os.fspath(p) for p in path]
        self._entries: dict[str, list[Entry]] = {}

    def refresh(self) -> None:
        """Forget what was discovered, so newly installed plugins are seen."""
        self._entries.clear()

    def entries(self, kind: str) -> list[Entry]:
        """Every entry point of ``kind`` (``"dataset"`` or ``"architecture"``), unloaded."""
        if kind not in self._entries:
            seen: set[str] = set()
            found: list[Entry] = []
            for dist in metadata.distributions(
                **({} if self.path is None else {"path": self.path})
            ):
                name = dist.metadata["Name"] or "unknown"
                if norm(name) in seen:  # as importlib: the first copy on the path wins
                    continue
                seen.add(norm(name))
                for ep in dist.entry_points.select(group=GROUPS[kind]):
                    found.append(Entry(kind, ep.name, ep.value, name, dist.version))
            self._entries[kind] = found
        return self._entries[kind]

    def _import(self, entry: Entry) -> Any:
        ep = metadata.EntryPoint(entry.name, entry.value, GROUPS[entry.kind])
        if self.path is not None:
            _import_from(self.path, ep.module)
        return ep.load()

    def load(self, entry: Entry) -> Any:
        """The class behind ``entry``, or ``None`` (with a :class:`PluginWarning`) if it fails."""
        if entry.status == "loaded":
            return entry.obj
        if entry.status != "failed":
            try:
                obj = self._import(entry)
                _validate(entry, obj)
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # a plugin may fail in any way, sys.exit() included
                entry.status = "failed"
                entry.error = f"{type(exc).__name__}: {exc}"
                if isinstance(exc, SystemExit):
                    entry.error = f"SystemExit: the plugin called sys.exit({exc.code!r}) on import"
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

    def pick(self, kind: str, name: str, source: str | None = None) -> Entry:
        """The one entry registered as ``name``, honouring ``source`` and KERAZOO_PREFER."""
        entries = self.entries(kind)
        matches = [e for e in entries if e.name == name]
        if not matches:
            names = sorted({e.name for e in entries}, key=natural_key)
            raise unknown_choice(
                kind, name, names, listed="Available", empty="(none installed)",
                error=UnknownNameError,
            )  # fmt: skip
        per_name, overall = preferences()
        wanted = [source] if source else ([per_name[name]] if name in per_name else overall)
        if wanted:
            chosen = [e for w in wanted for e in matches if norm(e.dist) == norm(w)]
            if chosen:
                return chosen[0]
            if source or name in per_name:
                raise UnknownNameError(
                    f"The {kind} {name!r} is not registered by package {wanted[0]!r}; it is "
                    f"registered by {', '.join(e.dist for e in matches)}."
                )
        if len(matches) > 1:
            raise PluginConflictError(conflict_message(kind, name, matches, self.conflicts(True)))
        return matches[0]

    def conflicts(self, unsettled: bool = False) -> dict[tuple[str, str], list[Entry]]:
        """Every ``(kind, name)`` registered by more than one package, with its entries.

        With ``unsettled=True``, only those ``KERAZOO_PREFER`` does not settle.
        """
        return find_conflicts((e for k in GROUPS for e in self.entries(k)), unsettled)

    def get_class(self, kind: str, name: str, source: str | None = None) -> Any:
        """The loaded class registered as ``name``; an error says why it cannot be used."""
        entry = self.pick(kind, name, source)
        obj = self.load(entry)
        if obj is None:
            raise PluginError(
                f"The {kind} {name!r} from {entry.source} cannot be used: {entry.error}. "
                "`kerazoo plugins --verbose` shows the traceback."
            )
        return obj

    def loadable(self, kind: str, pattern: str | None = None) -> list[Entry]:
        """Entries of ``kind`` matching the wildcard ``pattern`` that load, naturally sorted.

        A name registered by two packages gives two entries (``kerazoo list`` shows both).
        """
        found = [
            e
            for e in self.entries(kind)
            if (pattern is None or fnmatch.fnmatchcase(e.name, pattern))
            and self.load(e) is not None
        ]
        return sorted(found, key=lambda e: (natural_key(e.name), e.dist != BUILTIN_DIST))

    def names(self, kind: str, pattern: str | None = None) -> list[str]:
        """Loadable names of ``kind`` matching the wildcard ``pattern``, naturally sorted."""
        return list(dict.fromkeys(e.name for e in self.loadable(kind, pattern)))

    def list_datasets(self, pattern: str | None = None) -> list[str]:
        """As :func:`kerazoo.list_datasets`, for this registry."""
        return self.names("dataset", pattern)

    def list_architectures(self, pattern: str | None = None) -> list[str]:
        """As :func:`kerazoo.list_architectures`, for this registry."""
        return self.names("architecture", pattern)

    def get_dataset(self, name: str, source: str | None = None, **options: Any) -> Dataset:
        """As :func:`kerazoo.get_dataset`, for this registry."""
        return self.get_class("dataset", name, source)(**options)

    def get_architecture(
        self, name: str, source: str | None = None, **hyperparameters: Any
    ) -> Architecture:
        """As :func:`kerazoo.get_architecture`, for this registry."""
        return self.get_class("architecture", name, source)(**hyperparameters)

    def plugin_report(self) -> list[Entry]:
        """As :func:`plugin_report`, for this registry."""
        entries = [e for kind in GROUPS for e in self.entries(kind)]
        for e in entries:
            with warnings.catch_warnings(), contextlib.suppress(PluginError):
                warnings.simplefilter("ignore", PluginWarning)
                self.load(e)  # strict mode raises PluginError: the report still shows it
        return entries


_default = Registry()


@contextlib.contextmanager
def using(registry: Registry) -> Iterator[Registry]:
    """Make ``registry`` the default inside the block (tests, tools that look elsewhere).

    Example:
        >>> with using(Registry(path=["plugins-site", *sys.path])):   # doctest: +SKIP
        ...     get_dataset("stripes")
    """
    global _default
    previous, _default = _default, registry
    try:
        yield registry
    finally:
        _default = previous


def current() -> Registry:
    """The default registry: the one the module functions and the CLI use."""
    return _default


def refresh() -> None:
    """Forget what was discovered, so newly installed plugins are seen."""
    _default.refresh()


def list_datasets(pattern: str | None = None) -> list[str]:
    """Names of the installed datasets, naturally sorted; ``pattern`` is an fnmatch wildcard.

    A plugin that fails to load is left out with a :class:`PluginWarning`.

    Example:
        >>> import kerazoo
        >>> kerazoo.list_datasets("c*")
        ['circles']
    """
    return _default.names("dataset", pattern)


def list_architectures(pattern: str | None = None) -> list[str]:
    """Names of the installed architectures, naturally sorted; ``pattern`` is a wildcard.

    Example:
        >>> import kerazoo
        >>> kerazoo.list_architectures("*vgg*")
        ['chopped_vgg']
    """
    return _default.names("architecture", pattern)


def dataset_class(name: str, source: str | None = None) -> type[Dataset]:
    """The class registered as dataset ``name`` (for its options table and description)."""
    return _default.get_class("dataset", name, source)


def architecture_class(name: str, source: str | None = None) -> type[Architecture]:
    """The class registered as architecture ``name``."""
    return _default.get_class("architecture", name, source)


def get_dataset(name: str, source: str | None = None, **options: Any) -> Dataset:
    """A dataset by name, configured with ``options`` (unknown or bad options are errors).

    Args:
        name: registered name, e.g. ``"circles"``.
        source: the package to take it from, when two packages register ``name``.
        **options: the dataset's options; see ``kerazoo list datasets --verbose``.

    Example:
        >>> import kerazoo
        >>> ds = kerazoo.get_dataset("circles", min_count=45, max_count=50)
    """
    return dataset_class(name, source)(**options)


def get_architecture(name: str, source: str | None = None, **hyperparameters: Any) -> Architecture:
    """An architecture by name, configured with ``hyperparameters``.

    Example:
        >>> import kerazoo
        >>> arch = kerazoo.get_architecture("lenet")
    """
    return architecture_class(name, source)(**hyperparameters)


def plugin_report() -> list[Entry]:
    """Load every registered plugin and return one :class:`Entry` per entry point.

    Used by ``kerazoo plugins``: each entry has its distribution, version, status
    (``loaded`` or ``failed``), error and traceback. Never raises for a broken plugin.
    """
    return _default.plugin_report()
