"""Plugin discovery over entry points.

Datasets come from the entry-point group ``kerazoo.datasets`` and architectures from
``kerazoo.architectures``. The built-in plugins register through the same groups in
kerazoo's own ``pyproject.toml``; nothing here knows any plugin by name.

Plugins load lazily: nothing is imported until a name is looked up or listed. A plugin that
fails to import is reported (with its traceback in ``kerazoo plugins --verbose``) and the
rest keeps working; ``KERAZOO_STRICT_PLUGINS=1`` makes such a failure fatal. A name
registered by two packages is listed twice, and is an error naming every package (see
:mod:`kerazoo._conflicts`) when it is used, unless the user says which wins, with ``source=``
or ``KERAZOO_PREFER``. A name that breaks the naming rule is skipped with a warning (see
:mod:`kerazoo._entry_points`), and a plugin whose import takes its process down (a hang,
``os._exit``, a crash, ``KeyboardInterrupt``) is found in a child process and not imported
here (see :mod:`kerazoo._plugin_health`).
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

from kerazoo._conflicts import BUILTIN_DIST, conflict_message, find_conflicts, norm, preferences
from kerazoo._entry_points import (
    GROUPS,
    Entry,
    PluginWarning,
    discover,
    load_entry,
    refused_message,
)
from kerazoo._errors import PluginConflictError, PluginError, UnknownNameError, unknown_choice
from kerazoo._naming import natural_key, printable
from kerazoo.data._dataset import Dataset
from kerazoo.models._architecture import Architecture

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
    "make",
    "natural_key",
    "plugin_report",
    "refresh",
    "remake",
    "using",
]


_SEPARATE = " (found in a separate process; `kerazoo plugins --check` checks again)"


def _strict() -> bool:
    return os.environ.get("KERAZOO_STRICT_PLUGINS", "").lower() in {"1", "true", "yes", "on"}


class Registry:
    """The plugins one program sees: discovered entry points, loaded lazily, checked once.

    kerazoo keeps one default instance, which the module functions (:func:`list_datasets`,
    :func:`get_dataset`, ...) use. Make another to look at other folders, and make it the
    default for a while with :func:`using`.

    Args:
        path: folders to discover installed distributions in (and to import their plugin
            modules from), as for ``sys.path``; ``None`` (the default) means ``sys.path``
            itself, read at discovery time.
        isolate: before the first import, ask :mod:`kerazoo._plugin_health` which plugins
            take down the process importing them (checked in child processes when what is
            installed changed), and never import those here.

    Example:
        >>> reg = Registry(path=["site-packages-elsewhere"])    # doctest: +SKIP
        >>> reg.list_datasets()                                  # doctest: +SKIP
        ['stripes']
    """

    def __init__(
        self, path: Sequence[str | os.PathLike[str]] | None = None, isolate: bool = True
    ) -> None:
        self.path = None if path is None else [os.fspath(p) for p in path]
        self.isolate = isolate
        self._entries: dict[str, list[Entry]] = {}
        self._refused: dict[str, list[Entry]] = {}
        self._checked = False

    def refresh(self) -> None:
        """Forget what was discovered, so newly installed plugins are seen."""
        self._entries.clear()
        self._refused.clear()
        self._checked = False

    def search_path(self) -> list[str]:
        """The folders plugins are discovered in: ``path``, or ``sys.path`` as it is now."""
        return list(self.path if self.path is not None else sys.path)

    def entries(self, kind: str) -> list[Entry]:
        """Every usable entry point of ``kind`` (``"dataset"`` or ``"architecture"``).

        A name that breaks the naming rule is left out, with one :class:`PluginWarning`
        naming its package; :meth:`refused` gives those entries.
        """
        if kind not in self._entries:
            self._entries[kind], self._refused[kind] = discover(self.path, kind)
            if self._refused[kind]:
                warnings.warn(refused_message(self._refused[kind]), PluginWarning, stacklevel=3)
        return self._entries[kind]

    def refused(self) -> list[Entry]:
        """The entry points whose names were refused (``failed``, ``error`` says why)."""
        for kind in GROUPS:
            self.entries(kind)
        return [e for kind in GROUPS for e in self._refused[kind]]

    def _isolate(self) -> None:
        """Mark failed, without importing them, the plugins that take their process down."""
        if self._checked or not self.isolate:
            return
        self._checked = True
        from kerazoo._plugin_health import fatal_failures  # children only when needed

        fatal = fatal_failures(self)
        for entry in (e for kind in GROUPS for e in self.entries(kind)):
            if entry.key in fatal and entry.status == "not loaded":
                entry.status = "failed"
                entry.error = fatal[entry.key][0] + _SEPARATE
                entry.trace = fatal[entry.key][1]

    def load(self, entry: Entry) -> Any:
        """The class behind ``entry``, or ``None`` (with a :class:`PluginWarning`) if it fails."""
        if entry.status == "loaded":
            return entry.obj
        self._isolate()
        if entry.status != "failed" and load_entry(entry, self.path) is not None:
            return entry.obj
        message = (
            f"The {entry.kind} plugin {entry.name!r} from {entry.source} failed to load: "
            f"{printable(entry.error).rstrip('.')}. Reinstall or fix that package, or uninstall "
            "it; `kerazoo plugins --verbose` shows the traceback."
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
                kind,
                name,
                names,
                listed="Available",
                empty="(none installed)",
                error=UnknownNameError,
            )
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
        return self.get_entry(kind, name, source).obj

    def get_entry(self, kind: str, name: str, source: str | None = None) -> Entry:
        """The loaded :class:`Entry` registered as ``name`` (its ``obj`` is the class); an
        error says why it cannot be used."""
        entry = self.pick(kind, name, source)
        if self.load(entry) is None:
            raise PluginError(
                f"The {kind} {name!r} from {entry.source} cannot be used: "
                f"{(entry.error or '').rstrip('.')}. "
                "`kerazoo plugins --verbose` shows the traceback."
            )
        return entry

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
        return make(self.get_entry("dataset", name, source), **options)

    def get_architecture(
        self, name: str, source: str | None = None, **hyperparameters: Any
    ) -> Architecture:
        """As :func:`kerazoo.get_architecture`, for this registry."""
        return make(self.get_entry("architecture", name, source), **hyperparameters)

    def plugin_report(self) -> list[Entry]:
        """As :func:`plugin_report`, for this registry."""
        entries = [e for kind in GROUPS for e in self.entries(kind)]
        for e in entries:
            with warnings.catch_warnings(), contextlib.suppress(PluginError):
                warnings.simplefilter("ignore", PluginWarning)
                self.load(e)  # strict mode raises PluginError: the report still shows it
        return entries + self.refused()


def make(entry: Entry, **options: Any) -> Any:
    """An instance of ``entry``'s class that knows the entry it was made from.

    Its ``name`` and ``plugin`` are the entry's name and package, set on the instance before
    its ``__init__`` runs (so option errors name it too); the class is never written to, so
    two entry points for one class (an alias) each keep their own name and package.
    """
    cls = entry.obj
    obj = cls.__new__(cls)
    obj.name, obj.plugin = entry.name, entry.source
    obj.__init__(**options)
    return obj


def remake(obj: Dataset | Architecture, **options: Any) -> Any:
    """Another instance of ``obj``'s plugin, with other options, and the same registered name
    and package as ``obj`` (a keras-tuner trial's architecture, for one)."""
    cls = type(obj)
    new = cls.__new__(cls)
    new.name, new.plugin = obj.name, obj.plugin
    new.__init__(**options)
    return new


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
        >>> kerazoo.list_datasets("*_lights")
        ['traffic_lights']
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
    """The class registered as dataset ``name`` (for its options table and description).

    An instance made by calling it does not know its registered name; make instances with
    :func:`get_dataset`.
    """
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
    return _default.get_dataset(name, source, **options)


def get_architecture(name: str, source: str | None = None, **hyperparameters: Any) -> Architecture:
    """An architecture by name, configured with ``hyperparameters``.

    Example:
        >>> import kerazoo
        >>> arch = kerazoo.get_architecture("lenet")
    """
    return _default.get_architecture(name, source, **hyperparameters)


def plugin_report() -> list[Entry]:
    """Load every registered plugin and return one :class:`Entry` per entry point.

    Used by ``kerazoo plugins``: each entry has its distribution, version, status
    (``loaded`` or ``failed``), error and traceback; entry points whose names break the
    naming rule come last, ``failed``. Never raises for a broken plugin.
    """
    return _default.plugin_report()
