"""Several processes in one search, on keras-tuner's own chief/worker mode.

keras-tuner runs a search distributed when three variables are set in each process:
``KERASTUNER_TUNER_ID`` (``chief`` for the one that holds the oracle, any other name for a
worker), ``KERASTUNER_ORACLE_IP`` and ``KERASTUNER_ORACLE_PORT`` (where the chief serves the
oracle over gRPC). The chief draws every trial and records every result; each worker asks it
for a trial, trains it, reports, and asks again until the chief says the search is over. A
worker that dies mid-trial and comes back with the same id is given the same trial again.

This module sets those variables for kerazoo's roles and looks after the processes:

* ``kerazoo tune ... --workers K``: this process is the chief, on a free loopback port, and
  starts K workers on this machine (``kerazoo tune --worker I --oracle 127.0.0.1:PORT
  --out OUT``). A worker that exits with an error is started again (the same id, so it
  reruns its trial), at most :data:`RESTARTS` times; every worker is stopped when the
  search ends, fails or is interrupted, and a worker whose chief has gone stops itself.
* ``--chief HOST:PORT`` / ``--worker I --oracle HOST:PORT``: one role each, for a real
  cluster. The workers read the search from the chief's ``OUT/tune.json``, so ``--out`` is
  one folder every machine sees (a shared file system), where the workers also write each
  trial's history and best weights, which the chief collects at the end.

Private; use :func:`kerazoo.tune` and ``tune_worker``.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kerazoo._errors import InvalidOptionError, KerazooError, option

__all__ = [
    "RESTARTS",
    "Workers",
    "cap_workers",
    "oracle_role",
    "parse_address",
    "require_grpc",
    "serve",
    "watch_parent",
]

#: How many times a local worker that exits with an error is started again.
RESTARTS = 2
#: The environment variable through which a local worker learns its chief's pid.
PARENT = "KERAZOO_TUNE_CHIEF_PID"
_ENV = ("KERASTUNER_TUNER_ID", "KERASTUNER_ORACLE_IP", "KERASTUNER_ORACLE_PORT")


def usable_cores() -> int:
    """The CPU cores this process may run on (its affinity mask, else every core)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # no affinity on this platform
        return max(1, os.cpu_count() or 1)


def cap_workers(workers: int, trials: int, allow_oversubscribe: bool = False) -> int:
    """How many local workers to start for ``workers=K``: at most one per trial, and at
    most one per usable CPU core unless ``allow_oversubscribe``; a cap is said in a warning.

    Each worker is a whole TensorFlow process that trains one trial at a time, so a worker
    without a trial only idles, and more workers than cores slow every trial down (hundreds
    of them can bring a machine down) without ending the search sooner.

    Example:
        >>> cap_workers(500, trials=1)                                 # doctest: +SKIP
        1
    """
    cores = usable_cores()
    if allow_oversubscribe or trials <= cores:
        most, rule = trials, f"one per trial ({trials} in the search)"
    else:
        most = cores
        rule = (
            f"one per usable CPU core ({cores} here); give {option('allow_oversubscribe')} "
            "to start more"
        )
    if workers <= most:
        return workers
    warnings.warn(
        f"{option('workers', workers)} capped to {most} worker{'s' if most != 1 else ''}: "
        f"{rule}, each worker being a whole TensorFlow process.",
        stacklevel=3,
    )
    return most


def require_grpc() -> None:
    """keras-tuner's chief and workers talk over gRPC, which it uses without declaring it."""
    try:
        import google.protobuf  # noqa: F401
        import grpc  # noqa: F401
    except ImportError as exc:
        raise KerazooError(
            f"Several tuning processes need gRPC and protobuf ({exc}): pip install "
            "'kerazoo[cluster]'."
        ) from None


def parse_address(text: str, flag: str) -> tuple[str, int]:
    """``"HOST:PORT"`` -> ``(host, port)``.

    Example:
        >>> parse_address("10.0.0.5:8000", "--oracle")
        ('10.0.0.5', 8000)
    """
    host, sep, port = str(text).rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InvalidOptionError(
            f"{flag} {text!r} is not HOST:PORT. Give the address and port, e.g. {flag} "
            "10.0.0.5:8000 (the chief's address as the workers reach it)."
        )
    return host, int(port)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on ``host`` now (the OS picks it)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def oracle_role(tuner_id: str, host: str, port: int) -> Iterator[None]:
    """Set keras-tuner's three variables for this process's role; put them back after."""
    saved = {k: os.environ.get(k) for k in _ENV}
    os.environ.update(dict(zip(_ENV, (tuner_id, host, str(port)), strict=True)))
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class Workers:
    """K local ``kerazoo tune --worker`` processes, restarted on errors, always stopped.

    Args:
        folder: the search's ``--out``.
        count: how many.
        port: the chief's loopback port.
        quiet: pass ``--quiet`` (no line per trial).
    """

    def __init__(self, folder: Path, count: int, port: int, quiet: bool) -> None:
        self.folder, self.port, self.quiet = folder, port, quiet
        self.procs: dict[int, subprocess.Popen] = {}
        self.restarts = dict.fromkeys(range(1, count + 1), 0)
        self.failed: dict[int, int] = {}  # worker -> its last exit code, once given up
        for index in self.restarts:
            self.start(index)

    def start(self, index: int) -> None:
        cmd = [
            sys.executable,
            "-m",
            "kerazoo",
            "tune",
            "--worker",
            str(index),
            "--oracle",
            f"127.0.0.1:{self.port}",
            "--out",
            str(self.folder),
        ]
        if self.quiet:
            cmd.append("--quiet")
        env = {**os.environ, PARENT: str(os.getpid())}
        for key in _ENV:  # a worker's role comes from its flags, not from this process
            env.pop(key, None)
        self.procs[index] = subprocess.Popen(cmd, env=env)

    def done(self) -> bool:
        """Whether every worker has exited for good (restarting those that failed)."""
        for index, proc in list(self.procs.items()):
            code = proc.poll()
            if code is None or code == 0:
                continue
            if self.restarts[index] < RESTARTS:
                self.restarts[index] += 1
                print(
                    f"kerazoo tune: worker {index} exited with code {code}; starting it "
                    f"again (its trial reruns), {self.restarts[index]} of {RESTARTS}",
                    file=sys.stderr,
                    flush=True,
                )
                self.start(index)
            else:
                self.failed[index] = code
                del self.procs[index]
        return all(p.poll() is not None for p in self.procs.values())

    def stop(self) -> None:
        """Stop every worker still running: SIGTERM, then SIGKILL after 10 seconds."""
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 10
        for proc in self.procs.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(max(0.1, deadline - time.monotonic()))
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def serve(tuner: Any, epochs: int, workers: Workers | None) -> None:
    """Run the chief: keras-tuner's oracle server, until the search is over.

    keras-tuner's chief ``search`` serves until every worker has been told to stop, polling
    every 20 seconds once the last trial is drawn; it runs in a thread here, so that the
    chief of local workers ends as soon as they have all exited, and notices one that dies.
    """
    errors: list[BaseException] = []

    def run() -> None:
        try:
            tuner.search(epochs=epochs, verbose=0)
        except BaseException as exc:  # handed to the main thread
            errors.append(exc)

    thread = threading.Thread(target=run, name="kerazoo-tune-chief", daemon=True)
    thread.start()
    try:
        while True:
            if errors:
                raise KerazooError(f"The chief's oracle server stopped: {errors[0]}")
            if workers is None and not thread.is_alive():
                return
            if workers is not None and workers.done():
                return
            time.sleep(0.2)
    finally:
        if workers is not None:
            workers.stop()
            if workers.failed:
                shown = ", ".join(f"worker {i} (exit code {c})" for i, c in workers.failed.items())
                print(
                    f"kerazoo tune: gave up on {shown} after {RESTARTS} restarts; their "
                    "trials are left unfinished: run the same command again to rerun them.",
                    file=sys.stderr,
                    flush=True,
                )


def watch_parent() -> None:
    """In a worker started by a local chief: exit when that chief has gone (killed), instead
    of waiting for keras-tuner's one-hour gRPC timeout."""
    parent = os.environ.get(PARENT)
    if not parent or not parent.isdigit():
        return

    def watch() -> None:
        while os.getppid() == int(parent):
            time.sleep(0.5)
        os._exit(3)

    threading.Thread(target=watch, name="kerazoo-watch-chief", daemon=True).start()
