"""Ctrl-C and SIGTERM stop a command within seconds, and are never lost.

Python raises ``KeyboardInterrupt`` wherever the main thread is when SIGINT arrives. Inside
a ``__del__`` method or a weakref or garbage-collection callback (TensorFlow and XLA run
several during training) it cannot go up: Python prints "Exception ignored in ..." and
carries on, and the command went on training as if nothing had been pressed. Within
:func:`stop_on_signals`:

- SIGINT and SIGTERM (a scheduler's stop, a chief stopping its workers) raise
  ``KeyboardInterrupt``, and the request is remembered;
- one lost in such a callback is raised again at once in the main thread (Python hands it
  to ``sys.unraisablehook``, which asks for it again instead of printing it), and
  :class:`StopWhenAsked` raises it at the next batch end if it was lost some other way;
- a second signal, a second or more after the first, exits at once with code 130 (a run
  or search that is killed resumes from its last checkpoint all the same).

Outside it (a script, a notebook) nothing changes: signals keep Python's behaviour. In the
``kerazoo`` command, :func:`quiet_start` covers the first second, while Python imports
kerazoo itself, before any of kerazoo's code can catch anything.
"""

from __future__ import annotations

import _thread
import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

__all__ = ["STOPPED", "quiet_start", "stop_asked", "stop_on_signals"]

#: The exit code of a command stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells use).
STOPPED = 130
_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# asked: when the first signal came (monotonic), 0.0 for none; again: the next SIGINT is
# the one this module asked for (an interrupt that was lost), not the user's second.
_STATE: dict[str, Any] = {"depth": 0, "asked": 0.0, "again": False, "hooking": False}


def stop_asked() -> bool:
    """Whether a signal asked this command to stop (inside :func:`stop_on_signals`)."""
    return bool(_STATE["asked"])


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise ``KeyboardInterrupt`` that nothing loses.

    Only the main thread can set signal handlers; elsewhere the block changes nothing.
    Blocks may nest: the outermost one installs and restores the handlers.

    Example:
        >>> with stop_on_signals():
        ...     pass
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if _STATE["depth"]:  # an outer block has the handlers
        _STATE["depth"] += 1
        try:
            yield
        finally:
            _STATE["depth"] -= 1
        return
    previous = {s: signal.getsignal(s) for s in _SIGNALS}
    hook = sys.unraisablehook
    for s in _SIGNALS:
        signal.signal(s, _on_signal)
    sys.unraisablehook = _unraisable(hook)
    _STATE.update(depth=1, asked=0.0, again=False, hooking=False)
    try:
        yield
    finally:
        _STATE.update(depth=0, asked=0.0, again=False, hooking=False)
        for s, handler in previous.items():
            signal.signal(s, handler)
        sys.unraisablehook = hook


def quiet_start() -> None:
    """In the ``kerazoo`` command only (``kerazoo ...``, ``python -m kerazoo ...``; not a
    script that imports kerazoo): Ctrl-C or SIGTERM while Python is still importing the
    command exits at once with code 130 and one line instead of a traceback from inside an
    import. :func:`stop_on_signals` takes over once the command runs.
    """
    argv = list(getattr(sys, "orig_argv", []))
    if "-m" in argv:
        command = argv[argv.index("-m") + 1 : argv.index("-m") + 2] == ["kerazoo"]
    else:
        command = os.path.basename(sys.argv[0] if sys.argv else "") == "kerazoo"
    if not command or threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _exit_now)
    if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _exit_now)


def _exit_now(signum: int, frame: Any) -> None:
    with contextlib.suppress(OSError):
        os.write(2, b"kerazoo: interrupted\n")
    os._exit(STOPPED)


def _on_signal(signum: int, frame: Any) -> None:
    if _STATE["again"] and signum == signal.SIGINT:
        if _STATE["hooking"]:  # raised here, it would be lost once more: a bit later
            _raise_again()
            return
        _STATE["again"] = False
        raise KeyboardInterrupt
    now = time.monotonic()
    if _STATE["asked"] and now - _STATE["asked"] > 1.0:
        with contextlib.suppress(OSError):
            os.write(2, b"\nkerazoo: stopped at once (asked twice)\n")
        os._exit(STOPPED)
    _STATE["asked"] = _STATE["asked"] or now
    raise KeyboardInterrupt


def _unraisable(hook: Any) -> Any:
    """``sys.unraisablehook``: an interrupt lost in a callback is raised again, not printed."""

    def unraisable(info: Any) -> None:
        _STATE["hooking"] = True
        try:
            if isinstance(info.exc_value, KeyboardInterrupt) and stop_asked():
                _raise_again()
            else:
                hook(info)
        finally:
            _STATE["hooking"] = False

    return unraisable


def _raise_again() -> None:
    """Have :func:`_on_signal` raise in the main thread once this callback has returned.

    ``_thread.interrupt_main`` called from the main thread would run the handler at once,
    inside the callback, where it is lost again; from another thread, a moment later, it
    runs where the main thread is then (again here, if that is another such callback).
    """
    _STATE["again"] = True

    def fire() -> None:
        if _STATE["again"] and _STATE["depth"]:  # not once the block has ended
            _thread.interrupt_main(signal.SIGINT)

    timer = threading.Timer(0.01, fire)
    timer.daemon = True
    timer.start()
