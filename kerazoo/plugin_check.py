"""Load each plugin in a child process of its own, with a time limit.

A plugin is ordinary Python run at import time: it can hang, call ``os._exit()`` or crash
the interpreter, and no ``try`` in the process that imports it can stop that. This module
imports every registered plugin in a separate ``python`` process, waits at most ``timeout``
seconds for each, and reports a hang, a hard exit or a death by signal with the plugin's
name. ``kerazoo plugins --check`` uses it; ``python -m kerazoo.plugin_check`` is the child.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kerazoo.errors import InvalidOptionError, PluginError, option
from kerazoo.registry import Entry, PluginWarning, Registry, current

__all__ = ["check_plugins"]

_MARK = "KERAZOO-PLUGIN-CHECK "  # the child's last line of stdout: its report, as JSON


def check_plugins(timeout: float = 20.0, registry: Registry | None = None) -> list[Entry]:
    """Load every registered plugin in its own process; one :class:`Entry` per entry point.

    Each entry's ``status`` is ``"loaded"`` or ``"failed"``; a failure's ``error`` says
    why, including a plugin whose import did not finish within ``timeout`` seconds (its
    process is killed), one that ended its process (``os._exit``), and one killed by a
    signal (a crash in native code). Nothing is imported into the calling process.

    Args:
        timeout: seconds each plugin may take to import and pass its checks.
        registry: the registry whose plugins to check; ``None`` means the default one.

    Returns:
        The entries, in the order ``kerazoo plugins`` lists them.

    Example:
        >>> from kerazoo.plugin_check import check_plugins
        >>> [e.name for e in check_plugins(timeout=20) if e.status == "failed"]  # doctest: +SKIP
        []
    """
    if not timeout > 0:
        raise InvalidOptionError(
            f"{option('timeout')} must be a positive number of seconds, got {timeout!r}. "
            f"Example: {option('timeout', 20)}."
        )
    reg = registry if registry is not None else current()
    path = reg.path if reg.path is not None else list(sys.path)
    entries = [e for kind in ("dataset", "architecture") for e in reg.entries(kind)]
    workers = max(2, min(len(entries), os.cpu_count() or 2))
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(lambda e: _check_one(e, path, timeout), entries))


def _check_one(entry: Entry, path: Sequence[str], timeout: float) -> Entry:
    request = json.dumps({"path": list(path), "kind": entry.kind, "name": entry.name,
                          "dist": entry.dist, "value": entry.value})  # fmt: skip
    env = dict(os.environ)
    home = str(Path(__file__).resolve().parent.parent)  # where this kerazoo is imported from
    env["PYTHONPATH"] = os.pathsep.join(p for p in (home, env.get("PYTHONPATH")) if p)
    env.pop("KERAZOO_STRICT_PLUGINS", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "kerazoo.plugin_check", request],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=env, start_new_session=hasattr(os, "killpg"),
    )  # fmt: skip
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        proc.communicate()
        return _failed(entry, f"timed out after {timeout:g} s: importing it did not finish, "
                       "so its process was killed (the plugin hangs at import)")  # fmt: skip
    for line in reversed(out.splitlines()):
        if line.startswith(_MARK):
            found = json.loads(line[len(_MARK) :])
            return dataclasses.replace(entry, **found)
    if proc.returncode < 0:
        try:
            how = f"was killed by signal {signal.Signals(-proc.returncode).name}"
        except ValueError:
            how = f"was killed by signal {-proc.returncode}"
    else:
        how = f"exited with code {proc.returncode}"
    tail = err.strip().splitlines()[-1:] or [""]
    return _failed(entry, f"its process {how} while importing it (os._exit or a crash), "
                   f"before it could be checked{': ' + tail[0] if tail[0] else ''}",
                   trace=err)  # fmt: skip


def _failed(entry: Entry, error: str, trace: str = "") -> Entry:
    return dataclasses.replace(entry, status="failed", error=error, trace=trace, obj=None)


def _kill(proc: subprocess.Popen[str]) -> None:
    """Kill the child and anything it started (it leads its own process group)."""
    try:
        if hasattr(os, "killpg"):
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover - not POSIX
            proc.kill()
    except ProcessLookupError:
        pass


def _child(request: str) -> None:
    """Load the one plugin ``request`` names and print its report (runs in the child)."""
    want = json.loads(request)
    reg = Registry(path=want["path"])
    for entry in reg.entries(want["kind"]):
        if (entry.name, entry.dist, entry.value) == (want["name"], want["dist"], want["value"]):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", PluginWarning)
                try:
                    reg.load(entry)
                except PluginError:
                    pass  # the entry holds the failure
            report = {"status": entry.status, "error": entry.error, "trace": entry.trace}
            break
    else:
        report = {"status": "failed", "error": "no longer registered", "trace": ""}
    sys.stdout.write("\n" + _MARK + json.dumps(report) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    _child(sys.argv[1])
