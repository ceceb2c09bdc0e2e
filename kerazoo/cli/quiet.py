"""TensorFlow's start-up log lines, hidden from the command line unless ``--verbose``."""

from __future__ import annotations

import contextlib
import importlib.abc
import os
import sys
from typing import Any

__all__ = ["quiet_tensorflow"]


def quiet_tensorflow() -> None:
    """Hide TensorFlow's start-up log lines, unless the user chose a log level.

    What prints what (TensorFlow 2.21 on a CPU-only machine), and what silences it:

    - ``cpu_feature_guard`` (I), "failed call to cuInit" (E) and later C++ INFO/WARNING/ERROR
      lines obey ``TF_CPP_MIN_LOG_LEVEL``: 3 hides them (2 keeps the E-level cuInit line).
    - "WARNING: All log messages before absl::InitializeLog() is called are written to
      STDERR", the oneDNN notice (``port.cc``) and "Could not find cuda drivers"
      (``cudart_stub.cc``) are absl log lines written by static initialisers while the shared
      libraries load, before TensorFlow reads any variable: ``TF_CPP_MIN_LOG_LEVEL``,
      ``GLOG_minloglevel`` and ``ABSL_MIN_LOG_LEVEL`` leave them (measured), and
      ``TF_ENABLE_ONEDNN_OPTS=0`` would hide one only by switching oneDNN off. So file
      descriptor 2 points at devnull while ``import tensorflow`` runs (Python's own
      ``sys.stderr`` keeps the real stream, so warnings and errors still show).

    ``TF_CPP_MIN_LOG_LEVEL`` is set to 3 only when unset. A user who set it below 3 asked
    for TensorFlow's log lines and sees all of them, as ``kerazoo --verbose`` shows them.
    """
    level = os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if level.strip() not in ("3", "4"):
        return
    if "tensorflow" not in sys.modules and not any(
        isinstance(f, _QuietTensorFlow) for f in sys.meta_path
    ):
        sys.meta_path.insert(0, _QuietTensorFlow())


class _QuietTensorFlow(importlib.abc.MetaPathFinder):
    """Finds ``tensorflow`` with the other finders; its loader runs with fd 2 at devnull."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != "tensorflow":
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


@contextlib.contextmanager
def _c_stderr_to_devnull() -> Any:
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no real fd 2 (a notebook): leave it
        yield
        return
    python_stderr = sys.stderr
    sys.stderr = open(saved, "w", closefd=False, errors="backslashreplace")  # noqa: SIM115
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(devnull)
        # ``saved`` stays open: a logging handler made during the import (TensorFlow's
        # retracing warnings use one) keeps the stream above, which must keep writing to
        # the real stderr; closing it gave "Bad file descriptor" tracebacks later.
        sys.stderr = python_stderr
