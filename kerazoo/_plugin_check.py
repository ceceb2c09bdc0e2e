"""``kerazoo plugins --check``: load every plugin in a child process, with a time limit.

A plugin that hangs, calls ``os._exit()``, crashes the interpreter or raises
``KeyboardInterrupt`` while it is imported is reported with its name, and the verdict is
remembered for the registry (:mod:`kerazoo._plugin_health`), as after the automatic check
that runs when the installed plugins change. The children are :mod:`kerazoo._plugin_children`.
"""

from __future__ import annotations

import dataclasses

from kerazoo import _plugin_health as plugin_health
from kerazoo._entry_points import GROUPS, Entry
from kerazoo._plugin_children import check_entries, check_timeout
from kerazoo._registry import Registry, current

__all__ = ["check_plugins"]


def check_plugins(timeout: float = 20.0, registry: Registry | None = None) -> list[Entry]:
    """Load every registered plugin in a child process; one :class:`Entry` per entry point.

    Each entry's ``status`` is ``"loaded"`` or ``"failed"``; a failure's ``error`` says
    why, including a plugin whose import did not finish within ``timeout`` seconds (its
    process is killed), one that ended its process (``os._exit``), one killed by a signal
    (a crash in native code), one that raised ``KeyboardInterrupt``, and a name that breaks
    the naming rule (never imported). Nothing is imported into the calling process.

    Args:
        timeout: seconds each plugin may take to import and pass its checks.
        registry: the registry whose plugins to check; ``None`` means the default one.

    Returns:
        The entries, in the order ``kerazoo plugins`` lists them.

    Example:
        >>> from kerazoo._plugin_check import check_plugins
        >>> [e.name for e in check_plugins(timeout=20) if e.status == "failed"]  # doctest: +SKIP
        []
    """
    check_timeout(timeout)
    reg = registry if registry is not None else current()
    entries = [e for kind in GROUPS for e in reg.entries(kind)]
    reports = check_entries(entries, reg.search_path(), timeout)
    plugin_health.remember(reg, reports)
    checked = [
        dataclasses.replace(
            e,
            status=reports[e.key]["status"],
            error=reports[e.key]["error"],
            trace=reports[e.key]["trace"],
            obj=None,
        )
        for e in entries
    ]
    return checked + reg.refused()
