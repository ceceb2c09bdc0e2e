"""TensorFlow's start-up log lines: hidden while ``tensorflow`` imports and finds its devices.

What prints what (TensorFlow 2.21 on a CPU-only machine), measured:

- "WARNING: All log messages before absl::InitializeLog() is called are written to
  STDERR", "Could not find cuda drivers" (``cudart_stub.cc``) and the oneDNN notice
  (``port.cc``) are absl log lines written by static initialisers while TensorFlow's shared
  libraries load (twice: two libraries carry them), before any variable is read:
  ``TF_CPP_MIN_LOG_LEVEL``, ``GLOG_minloglevel`` and ``ABSL_MIN_LOG_LEVEL`` leave them.
- ``cpu_feature_guard`` (I) comes during the import; "failed call to cuInit" (E) when the
  devices are first listed, which a level of 2 (what hides INFO and WARNING) still shows.

So file descriptor 2 points at devnull while ``import tensorflow`` runs and, right after,
while TensorFlow lists its physical devices (which initialises the CUDA platform, the cuInit
line, without creating any device: memory growth and visible devices can still be set).
Python's ``sys.stderr`` keeps the real stream meanwhile, so Python warnings and errors still
show. Nothing is hidden when ``TF_CPP_MIN_LOG_LEVEL`` is 0 or 1: that user asked for
TensorFlow's INFO lines.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import os
import sys
from typing import Any

__all__ = ["hide_startup_lines", "show_startup_lines", "shows_startup_lines"]


def shows_startup_lines() -> bool:
    """Whether the user asked for TensorFlow's INFO lines (``TF_CPP_MIN_LOG_LEVEL`` 0 or 1)."""
    return os.environ.get("TF_CPP_MIN_LOG_LEVEL", "").strip() in ("0", "1")


def hide_startup_lines() -> None:
    """Hide the lines TensorFlow prints while it imports and finds its devices, if it is
    imported from now on (by kerazoo or by the caller) and the user did not ask for them.

    Example:
        >>> hide_startup_lines()
        >>> import tensorflow                                          # doctest: +SKIP
    """
    if shows_startup_lines() or "tensorflow" in sys.modules:
        return
    if not any(isinstance(f, _QuietTensorFlow) for f in sys.meta_path):
        sys.meta_path.insert(0, _QuietTensorFlow())


def show_startup_lines() -> None:
    """Undo :func:`hide_startup_lines` (``kerazoo --verbose``) while TensorFlow is not imported."""
    for finder in [f for f in sys.meta_path if isinstance(f, _QuietTensorFlow)]:
        sys.meta_path.remove(finder)


class _QuietTensorFlow(importlib.abc.MetaPathFinder):
    """Finds ``tensorflow`` with the other finders; its loader runs with fd 2 at devnull."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != "tensorflow" or shows_startup_lines():
            return None
        for finder in sys.meta_path:
            spec = None if finder is self else finder.find_spec(name, path, target)
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _QuietLoader(spec.loader)
                return spec
        return None


class _QuietLoader(importlib.abc.Loader):
    """The real loader of ``tensorflow``; executing the module prints nothing from C++."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def create_module(self, spec: Any) -> Any:
        return self.loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        module.__loader__ = module.__spec__.loader = self.loader
        for finder in [f for f in sys.meta_path if isinstance(f, _QuietTensorFlow)]:
            sys.meta_path.remove(finder)  # once loaded, nothing more to hide
        with _c_stderr_to_devnull():
            self.loader.exec_module(module)
            with contextlib.suppress(Exception):  # a real problem shows again on first use
                module.config.list_physical_devices()


@contextlib.contextmanager
def _c_stderr_to_devnull() -> Any:
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no real fd 2 (a notebook): leave it
        yield
        return
    python_stderr, replaced = sys.stderr, _writes_to_fd2(sys.stderr)
    if replaced:  # else (a notebook, a capture) Python's stream is not fd 2 anyway
        sys.stderr = open(saved, "w", closefd=False, errors="backslashreplace")  # noqa: SIM115
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(devnull)
        # ``saved`` stays open when replaced: a logging handler made during the import
        # (TensorFlow's retracing warnings use one) keeps the stream above, which must keep
        # writing to the real stderr; closing it gave "Bad file descriptor" tracebacks later.
        if not replaced:
            os.close(saved)
        sys.stderr = python_stderr


def _writes_to_fd2(stream: Any) -> bool:
    try:
        return stream.fileno() == 2
    except (OSError, ValueError, AttributeError):
        return False
