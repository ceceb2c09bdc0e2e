"""Which plugins cannot be imported in this process: checked in child processes once, then
remembered until the installed plugins change.

Importing a plugin runs its code. One that hangs, calls ``os._exit()``, crashes the
interpreter or raises ``KeyboardInterrupt`` would take down the command that imports it
(``kerazoo list`` included), so the registry asks here first. The answer is remembered in a
small file (``$KERAZOO_CACHE_DIR``, else ``$XDG_CACHE_HOME/kerazoo``, else
``~/.cache/kerazoo``), keyed by what is installed: every registered entry point with its
distribution, version and install folder, and the files of the plugins' top-level modules.
While that key holds, the file is trusted and nothing is started; when it changes, every
plugin is imported in child processes (:mod:`kerazoo._plugin_children`), each with
``$KERAZOO_PLUGIN_TIMEOUT`` seconds (default 20). Only failures that took their process down
are remembered: an ordinary exception is seen again, with its traceback, in this process.

Plain Python; nothing here imports a plugin.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.machinery
import json
import os
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from kerazoo._entry_points import GROUPS, Entry

__all__ = ["cache_file", "fatal_failures", "remember"]

_KEEP = 32  # keys remembered (one per set of installed plugins a user switches between)
_DEFAULT_TIMEOUT = 20.0


def cache_file() -> Path | None:
    """Where the verdicts are remembered; ``None`` when there is no home folder for them."""
    folder = os.environ.get("KERAZOO_CACHE_DIR")
    if not folder:
        try:
            base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
        except (RuntimeError, KeyError):  # no HOME and no password entry
            return None
        folder = os.path.join(base, "kerazoo")
    return Path(folder) / "plugin-health.json"


def _timeout() -> float:
    try:
        value = float(os.environ.get("KERAZOO_PLUGIN_TIMEOUT", _DEFAULT_TIMEOUT))
    except ValueError:
        return _DEFAULT_TIMEOUT
    return value if value > 0 else _DEFAULT_TIMEOUT


def _stamp(module: str, path: Sequence[str]) -> list[Any]:
    """What changes when a plugin's top-level module is edited, replaced or reinstalled."""
    top = module.partition(".")[0]
    try:
        spec = importlib.machinery.PathFinder.find_spec(top, list(path))
    except (ImportError, ValueError, OSError):
        spec = None
    origin = getattr(spec, "origin", None)
    if not origin or not os.path.exists(origin):
        return [top, None]
    stamp = [top, origin]
    for p in (origin, os.path.dirname(origin)):
        st = os.stat(p)
        stamp += [st.st_mtime_ns, st.st_size]
    return stamp


def _key(entries: Sequence[Entry], path: Sequence[str]) -> str:
    modules = sorted({e.value.partition(":")[0].strip() for e in entries})
    described = {
        "python": [sys.executable, sys.version],
        "kerazoo": str(Path(__file__).resolve().parent),
        "entries": sorted([*e.key, e.version, e.where] for e in entries),
        "modules": [_stamp(m, path) for m in modules],
    }
    return hashlib.sha256(json.dumps(described, default=str).encode()).hexdigest()


def _read() -> dict[str, Any]:
    target = cache_file()
    if target is None:
        return {}
    try:
        data = json.loads(target.read_text())
    except (OSError, ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(key: str, failures: Mapping[str, Any]) -> None:
    data = {k: v for k, v in _read().items() if isinstance(v, dict) and k != key}
    data[key] = {"checked": time.time(), "failures": dict(failures)}
    newest = sorted(data, key=lambda k: data[k].get("checked", 0))[-_KEEP:]
    target = cache_file()
    if target is None:
        return
    with contextlib.suppress(OSError):  # no cache: the next command checks again
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".plugin-health.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as f:
                json.dump({k: data[k] for k in newest}, f)
            os.replace(tmp, target)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _id(key: Sequence[str]) -> str:
    return json.dumps(list(key))


def _fatal(reports: Mapping[tuple[str, str, str, str], Mapping[str, Any]]) -> dict[str, Any]:
    return {
        _id(k): {"error": r["error"], "trace": r["trace"]}
        for k, r in reports.items()
        if r.get("fatal")
    }


def remember(registry: Any, reports: Mapping[tuple[str, str, str, str], Mapping[str, Any]]) -> None:
    """Remember the failures in ``reports`` (from a check of every entry of ``registry``)."""
    entries = [e for kind in GROUPS for e in registry.entries(kind)]
    _write(_key(entries, registry.search_path()), _fatal(reports))


def fatal_failures(registry: Any) -> dict[tuple[str, str, str, str], tuple[str, str]]:
    """``{entry.key: (error, trace)}`` for the entries of ``registry`` that take down the
    process importing them: from the remembered check, or from a new one (in child
    processes) when what is installed changed since.
    """
    entries = [e for kind in GROUPS for e in registry.entries(kind)]
    if not entries:
        return {}
    path = registry.search_path()
    key = _key(entries, path)
    found = _read().get(key)
    failures = found.get("failures") if isinstance(found, dict) else None
    if not isinstance(failures, dict):
        from kerazoo._plugin_children import check_entries

        failures = _fatal(check_entries(entries, path, _timeout()))
        _write(key, failures)
    known = {_id(e.key): e.key for e in entries}
    return {
        known[k]: (str(v.get("error", "")), str(v.get("trace", "")))
        for k, v in failures.items()
        if k in known and isinstance(v, dict)
    }
