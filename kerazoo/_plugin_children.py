"""Import plugins in child processes, with a time limit, so no plugin can stop the caller.

A plugin is ordinary Python run at import time: it can hang, call ``os._exit()``, crash the
interpreter or raise ``KeyboardInterrupt``, and no ``try`` in the process that imports it can
stop all of that. This module imports the plugins of each distribution in a separate
``python`` process (``python -m kerazoo._plugin_children`` is the child), one after the other,
and gives each at most ``timeout`` seconds. When the child dies or hangs, the plugin it was
importing is named as failed, the child is killed, and a new child goes on with the rest.

:mod:`kerazoo._plugin_check` (``kerazoo plugins --check``) uses it, and so does the registry
when the installed plugins changed since the last check (see :mod:`kerazoo._plugin_health`).
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from kerazoo._entry_points import GROUPS, Entry, discover, load_entry
from kerazoo._errors import InvalidOptionError, option

__all__ = ["check_entries", "check_timeout"]

_MARK = "KERAZOO-PLUGIN-CHECK "  # the child's report lines on stdout start with this
Report = dict[str, Any]  # {"status", "error", "trace", "fatal"}


def check_timeout(timeout: float) -> None:
    if not (isinstance(timeout, int | float) and timeout > 0):
        raise InvalidOptionError(
            f"{option('timeout')} must be a positive number of seconds, got {timeout!r}. "
            f"Example: {option('timeout', 20)}."
        )


def check_entries(
    entries: Sequence[Entry], path: Sequence[str], timeout: float
) -> dict[tuple[str, str, str, str], Report]:
    """Import ``entries`` in child processes (one per distribution, at the same time).

    Args:
        entries: the entry points to load.
        path: folders to discover distributions in and import from, as ``sys.path``.
        timeout: seconds each entry may take.

    Returns:
        ``{entry.key: report}``; a report has ``status``, ``error``, ``trace`` and
        ``fatal`` (true when the plugin took its process down: a hang, an exit, a crash,
        ``KeyboardInterrupt``).
    """
    check_timeout(timeout)
    groups: dict[str, list[Entry]] = {}
    for e in entries:
        groups.setdefault(e.dist, []).append(e)
    children: set[subprocess.Popen[str]] = set()
    stop = threading.Event()
    out: dict[tuple[str, str, str, str], Report] = {}
    workers = max(1, min(len(groups), os.cpu_count() or 2))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        try:
            for found in pool.map(
                lambda g: _check_group(g, path, timeout, children, stop), groups.values()
            ):
                out.update(found)
        except BaseException:  # Ctrl-C of the user: end every child now, then stop
            stop.set()
            for proc in list(children):
                _kill(proc)
            raise
    return out


def _check_group(
    entries: list[Entry],
    path: Sequence[str],
    timeout: float,
    children: set[subprocess.Popen[str]],
    stop: threading.Event,
) -> dict[tuple[str, str, str, str], Report]:
    """One distribution's entries: a child imports them in turn; a new child after a death."""
    reports: dict[tuple[str, str, str, str], Report] = {}
    left = list(entries)
    while left and not stop.is_set():
        proc = _start(left, path)
        children.add(proc)
        try:
            done, busy, how = _follow(proc, left, timeout, stop)
        finally:
            children.discard(proc)
        reports.update(done)
        left = [e for e in left if e.key not in reports]
        if left and not stop.is_set():  # the child died or hung inside ``busy``
            culprit = busy if busy is not None else left[0]
            failed = {"status": "failed", "error": how[0], "trace": how[1], "fatal": True}
            reports[culprit.key] = failed
            left.remove(culprit)
    return reports


def _start(entries: list[Entry], path: Sequence[str]) -> subprocess.Popen[str]:
    """A child that imports ``entries`` in turn; the request goes on its stdin."""
    env = dict(os.environ)
    home = str(Path(__file__).resolve().parent.parent)  # where this kerazoo is imported from
    env["PYTHONPATH"] = os.pathsep.join(p for p in (home, env.get("PYTHONPATH")) if p)
    env.pop("KERAZOO_STRICT_PLUGINS", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "kerazoo._plugin_children"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=hasattr(os, "killpg"),
    )
    request = json.dumps({"path": list(path), "entries": [e.key for e in entries]})
    if proc.stdin is not None:  # always: stdin=PIPE
        with contextlib.suppress(OSError), proc.stdin:  # a child gone already: _follow says
            proc.stdin.write(request)  # then closed: a plugin reading stdin meets its end
    return proc


def _follow(
    proc: subprocess.Popen[str], entries: list[Entry], timeout: float, stop: threading.Event
) -> tuple[dict[tuple[str, str, str, str], Report], Entry | None, tuple[str, str]]:
    """Read the child's reports until it ends or hangs.

    Returns:
        ``(reports, busy, (error, trace))``: what it reported, the entry it was importing
        when it ended or was killed (``None``: between entries), and how it ended.
    """
    lines: queue.Queue[str | None] = queue.Queue()
    err: collections.deque[str] = collections.deque(maxlen=200)  # the last lines are enough
    _drain(proc.stdout, lines.put, end=lambda: lines.put(None))
    _drain(proc.stderr, err.append)
    reports: dict[tuple[str, str, str, str], Report] = {}
    busy: Entry | None = None
    deadline = time.monotonic() + timeout
    while True:
        try:
            line = lines.get(timeout=max(0.0, min(0.2, deadline - time.monotonic())))
        except queue.Empty:
            if stop.is_set() or time.monotonic() >= deadline:
                return reports, busy, _stopped(proc, timeout, err)
            continue
        if line is None:  # stdout closed: the child ends (or closed it and hangs on)
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                return reports, busy, _stopped(proc, timeout, err)
            return reports, busy, _ended(proc.returncode, "".join(err))
        what, index, report = _parse(line, len(entries))
        if what == "begin":
            busy, deadline = entries[index], time.monotonic() + timeout
        elif what == "done":
            reports[entries[index].key] = report
            busy = None


def _stopped(
    proc: subprocess.Popen[str], timeout: float, err: collections.deque[str]
) -> tuple[str, str]:
    _kill(proc)
    proc.wait()
    return _timed_out(timeout), "".join(err)


def _parse(line: str, count: int) -> tuple[str, int, Report]:
    """``(what, index, report)`` of a report line; ``("", 0, {})`` for anything else (what a
    plugin prints, or a line that only looks like a report)."""
    if not line.startswith(_MARK):
        return "", 0, {}
    what, _, rest = line[len(_MARK) :].rstrip("\n").partition(" ")
    index, _, body = rest.partition(" ")
    try:
        i = int(index)
        report = json.loads(body) if what == "done" else {}
    except ValueError:
        return "", 0, {}
    fields = ("status", "error", "trace")
    if not 0 <= i < count or (
        what == "done"
        and not (isinstance(report, dict) and all(isinstance(report.get(k), str) for k in fields))
    ):
        return "", 0, {}
    if what == "done":
        report = {**{k: report[k] for k in fields}, "fatal": report.get("fatal") is True}
    return what, i, report


def _drain(stream: Any, put: Any, end: Any = None) -> None:
    """Read ``stream`` line by line in a daemon thread (a full pipe would stop the child)."""

    def read() -> None:
        with stream:
            for line in stream:
                put(line)
        if end is not None:
            end()

    threading.Thread(target=read, daemon=True).start()


def _timed_out(timeout: float) -> str:
    return (
        f"timed out after {timeout:g} s: importing it did not finish, so its process was "
        "killed (the plugin hangs at import)"
    )


def _ended(code: int, err: str) -> tuple[str, str]:
    if code < 0:
        try:
            how = f"was killed by signal {signal.Signals(-code).name}"
        except ValueError:
            how = f"was killed by signal {-code}"
    else:
        how = f"exited with code {code}"
    tail = err.strip().splitlines()[-1:] or [""]
    return (
        f"its process {how} while importing it (os._exit or a crash), before it could be "
        f"checked{': ' + tail[0] if tail[0] else ''}"
    ), err


def _kill(proc: subprocess.Popen[str]) -> None:
    """Kill the child and anything it started (it leads its own process group)."""
    try:
        if hasattr(os, "killpg"):
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover - not POSIX
            proc.kill()
    except ProcessLookupError:
        pass


def _say(*words: str) -> None:
    sys.stdout.write("\n" + _MARK + " ".join(words) + "\n")
    sys.stdout.flush()


def _child() -> None:
    """Load the entries the request on stdin names, one after the other (runs in the child)."""
    want = json.loads(sys.stdin.read())
    path = want["path"]
    known = {e.key: e for kind in GROUPS for e in discover(path, kind)[0]}
    for index, key in enumerate(want["entries"]):
        _say("begin", str(index))
        entry = known.get(tuple(key))
        if entry is None:
            report = {"status": "failed", "error": "no longer registered", "trace": ""}
        else:
            report = _load(entry, path)
        _say("done", str(index), json.dumps({"fatal": False, **report}))


def _load(entry: Entry, path: Sequence[str]) -> dict[str, Any]:
    """Load one entry; a KeyboardInterrupt here is the plugin's (no terminal reaches us)."""
    try:
        load_entry(entry, path)
    except KeyboardInterrupt:
        return {
            "status": "failed",
            "error": "KeyboardInterrupt: the plugin raised KeyboardInterrupt on import "
            "(no Ctrl-C was pressed)",
            "trace": traceback.format_exc(),
            "fatal": True,
        }
    return {"status": entry.status, "error": entry.error, "trace": entry.trace}


if __name__ == "__main__":
    _child()
