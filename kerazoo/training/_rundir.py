"""The run directory and its ``run.json``: everything needed to repeat or resume a run.

Example:
    >>> default_run_dir("shapes", "lenet").parent
    PosixPath('runs')
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import platform
import sys
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import kerazoo
from kerazoo._errors import InvalidOptionError, KerazooError, option
from kerazoo._files import remove_stale_temps, write_text_atomic
from kerazoo.training._settings import SETTINGS, changed_settings

__all__ = [
    "LOCK_NAME",
    "check_new_run_dir",
    "default_run_dir",
    "hold_run_dir",
    "lock_run_dir",
    "read_learning_rate",
    "read_run_json",
    "record_resume",
    "set_run_status",
    "update_run_json",
    "write_run_json",
]

#: The lock file of a run directory; it holds the pid of the process running there.
LOCK_NAME = ".kerazoo.lock"


def default_run_dir(dataset: str, architecture: str) -> Path:
    """``runs/DATASET-ARCH-YYYYmmdd-HHMMSS``."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"{dataset}-{architecture}-{stamp}"


def check_new_run_dir(run_dir: Path) -> None:
    """Refuse a directory that already holds files (a run is never overwritten)."""
    if run_dir.exists() and any(p.name != LOCK_NAME for p in run_dir.iterdir()):
        raise InvalidOptionError(
            f"The run directory {run_dir} already exists and is not empty. Pass "
            "--resume to continue that run, or choose another --out."
        )


@contextlib.contextmanager
def hold_run_dir(run_dir: Path, resume: bool) -> Iterator[None]:
    """Make, lock and clean the run directory for the run inside the ``with`` block.

    * the directory is made if needed and locked (:func:`lock_run_dir`); a new run checks
      again, under the lock, that no other run has written there meanwhile;
    * a resumed run first removes the temporary files a kill left behind;
    * a file that cannot be written (full disk, read-only folder) is a
      :class:`~kerazoo.KerazooError` saying so, with ``history.csv`` cut back to the
      epochs of ``checkpoint.keras``, so that the two agree and ``resume`` continues;
    * a run that fails or is interrupted before writing anything leaves no directory;
    * an interrupted run's ``KeyboardInterrupt`` carries ``run_dir`` (to say how to resume).

    Example:
        >>> with hold_run_dir(Path("runs/a"), resume=False):        # doctest: +SKIP
        ...     pass  # train here
    """
    created = not run_dir.exists()
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        with lock_run_dir(run_dir):
            try:
                if resume:
                    remove_stale_temps(run_dir)
                else:
                    check_new_run_dir(run_dir)
                yield
            except BaseException:
                if created and not any(p.name != LOCK_NAME for p in run_dir.iterdir()):
                    (run_dir / LOCK_NAME).unlink(missing_ok=True)
                    run_dir.rmdir()  # nothing was written: leave no empty run behind
                raise
    except KeyboardInterrupt as exc:
        kept = (run_dir / "run.json").is_file()
        exc.run_dir = run_dir if kept else None  # type: ignore[attr-defined]
        raise
    except OSError as exc:
        if not _is_write_error(run_dir, exc):
            raise
        raise write_error(run_dir, exc) from None


_NO_ROOM = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS}


def _is_write_error(run_dir: Path, exc: OSError) -> bool:
    """Whether ``exc`` is about writing the run's own files (not, say, reading a dataset)."""
    if exc.errno in _NO_ROOM:
        return True
    names = [n for n in (exc.filename, exc.filename2) if n]
    top = Path(os.path.abspath(run_dir))
    return any(top == (p := Path(os.path.abspath(n))) or top in p.parents for n in names)


def write_error(run_dir: Path, exc: OSError) -> KerazooError:
    """The error for a run file that could not be written; first align history and checkpoint.

    ``history.csv`` is written before ``checkpoint.keras`` each epoch, so a checkpoint that
    failed leaves the history one epoch ahead: it is cut back in place (no new space needed).
    """
    epochs = _checkpoint_epochs(run_dir)
    with contextlib.suppress(OSError):
        _truncate_history(run_dir / "history.csv", epochs)
    where = f"{exc.filename}: " if exc.filename else ""
    kept = (
        f"checkpoint.keras and history.csv keep epoch {epochs}; once there is room, continue "
        f"with --resume --out {run_dir}."
        if epochs
        else "No epoch was saved."
    )
    return KerazooError(
        f"Cannot write the run files in {run_dir}: {where}{exc.strerror or exc}. A run "
        f"needs a writable --out with free space (free some, or choose another --out). {kept}"
    )


def _checkpoint_epochs(run_dir: Path) -> int:
    from kerazoo.saving._archive import read_metadata

    try:
        meta = read_metadata(run_dir / "checkpoint.keras") or {}
    except (KerazooError, OSError):
        return 0
    return int((meta.get("training") or {}).get("epochs") or 0)


def read_history(run_dir: Path) -> dict[str, list[float]]:
    """The run's ``history.csv`` as ``{column: [epoch 1, epoch 2, ...]}`` (``epoch`` among
    them); empty when there is none or it cannot be read. Cells that are not numbers are
    left out of their column.

    Example:
        >>> read_history(Path("no-such-run"))
        {}
    """
    import csv

    try:
        rows = list(csv.DictReader((run_dir / "history.csv").read_text().splitlines()))
    except (OSError, UnicodeDecodeError):
        return {}
    return {k: [float(r[k]) for r in rows if is_number(r.get(k))] for k in (rows or [{}])[0]}


def is_number(value: Any) -> bool:
    """Whether ``float(value)`` gives a number (a CSV cell, a log value)."""
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _truncate_history(path: Path, epochs: int) -> None:
    """Keep the header and the first ``epochs`` rows of ``history.csv``, in place."""
    with open(path, "rb+") as fh:
        lines = fh.read().splitlines(keepends=True)
        if len(lines) > epochs + 1:
            fh.truncate(sum(len(line) for line in lines[: epochs + 1]))


@contextlib.contextmanager
def lock_run_dir(run_dir: Path) -> Iterator[None]:
    """Hold the run directory for one process: a second one is refused at once.

    The lock is an ``fcntl.flock`` on :data:`LOCK_NAME` in the directory, so the operating
    system releases it when the process exits, however it ends (a kill included); the file
    stays, holding the pid of the last process that ran there. ``flock`` is POSIX (Linux,
    macOS); where Python has no ``fcntl`` (Windows) the directory is not locked.

    Args:
        run_dir: an existing run directory.

    Raises:
        InvalidOptionError: another process holds the directory (its pid is named).

    Example:
        >>> with lock_run_dir(Path("runs/a")):                      # doctest: +SKIP
        ...     pass  # train here
    """
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    fd = os.open(run_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise InvalidOptionError(
                f"The run directory {run_dir} is in use by another kerazoo process (pid "
                f"{holder}): one run per directory. Wait for it to end (or stop it), then "
                "pass --resume to continue that run, or choose another --out."
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the file releases the lock


def write_run_json(
    run_dir: Path,
    dataset: Any,
    architecture: Any,
    settings: Mapping[str, Any],
    resolved: Mapping[str, Any],
) -> Path:
    """Write ``run.json``: versions, command, dataset, architecture, resolved choices, settings.

    Args:
        run_dir: the run directory.
        dataset: the :class:`kerazoo.Dataset` trained on.
        architecture: the Architecture trained.
        settings: every training setting (:data:`kerazoo.training._settings.SETTINGS`).
        resolved: ``task``, ``input`` and ``compile`` as the builder decided them.
    """
    import keras

    doc = {
        "kerazoo": kerazoo.__version__,
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "python": platform.python_version(),
        "command": _command(),
        "dataset": {
            "name": dataset.name,
            "options": dataset.options_json(),
            "seed": settings["seed"],
            "plugin": dataset.plugin,
        },
        "architecture": {
            "name": architecture.name,
            "hyperparameters": architecture.hyperparameters_json(),
            "plugin": architecture.plugin,
        },
        "resolved": {k: resolved.get(k) for k in ("task", "input", "compile")},
        "settings": dict(settings),
        "status": "running",
    }
    return write_text_atomic(run_dir / "run.json", json.dumps(doc, indent=2) + "\n")


def _command() -> list[str] | None:
    """The command line, when this process is the ``kerazoo`` command."""
    return sys.argv if Path(sys.argv[0]).name in ("kerazoo", "__main__.py") else None


def record_resume(run_dir: Path, done: int, epochs: int) -> None:
    """Record in ``run.json`` that the run was resumed: ``resumed`` lists each resume's
    command, the epoch it started from, the epochs then asked for and when; the settings'
    ``epochs`` becomes the new total (a later resume continues to it).

    Example:
        >>> record_resume(Path("runs/a"), done=2, epochs=5)          # doctest: +SKIP
    """
    path = run_dir / "run.json"
    if not path.is_file():
        return
    doc = json.loads(path.read_text())
    resumes = doc.get("resumed") if isinstance(doc.get("resumed"), list) else []
    started = datetime.now().isoformat(timespec="seconds")
    resumes.append(
        {"command": _command(), "from_epoch": int(done), "epochs": int(epochs), "started": started}
    )
    settings = doc.get("settings") if isinstance(doc.get("settings"), dict) else {}
    update_run_json(run_dir, resumed=resumes, settings={**settings, "epochs": int(epochs)})


#: What ``run.json`` says about how the run ended: ``running`` while it runs (and after a
#: SIGKILL), ``interrupted`` by Ctrl-C or SIGTERM, ``failed`` by an error other than a NaN loss.
STATUSES = ("running", "finished", "diverged", "interrupted", "failed")


def set_run_status(run_dir: Path, status: str, **fields: Any) -> None:
    """Record how the run ended in ``run.json`` (with ``fields`` such as the test metrics).

    Nothing is written when the run has no ``run.json`` (it ended before writing anything).

    Example:
        >>> set_run_status(Path("runs/a"), "finished", test={"accuracy": 0.97})  # doctest: +SKIP
    """
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
    update_run_json(
        run_dir, **fields, status=status, ended=datetime.now().isoformat(timespec="seconds")
    )


def update_run_json(run_dir: Path, **fields: Any) -> None:
    """Add or replace top-level ``fields`` of ``run.json`` (nothing when it is missing)."""
    path = run_dir / "run.json"
    if not path.is_file():
        return
    doc = json.loads(path.read_text())
    doc.update(fields)
    write_text_atomic(path, json.dumps(doc, indent=2) + "\n")


def read_learning_rate(run_dir: Path) -> dict[str, Any]:
    """``run.json``'s ``learning_rate`` record: ``{"used": rate, "backoffs": [...]}``, each
    back-off ``{"epoch", "loss", "from", "to", "restarted_from_epoch"}`` (empty when none)."""
    path = run_dir / "run.json"
    if not path.is_file():
        return {}
    record = json.loads(path.read_text()).get("learning_rate")
    return record if isinstance(record, dict) else {}


def read_run_json(
    run_dir: Path, given: Mapping[str, Any], explicit: bool = False
) -> dict[str, Any]:
    """Read a run's ``run.json`` to resume it; ``given`` settings may only raise ``epochs``.

    Args:
        run_dir: the run directory.
        given: settings passed with the resume request.
        explicit: every value in ``given`` was set by the user (command-line flags); else
            values equal to their defaults count as not given.

    Returns:
        ``{"settings": {...}, "dataset": {...}, "architecture": {...}}`` with every setting.

    Raises:
        InvalidOptionError: no ``run.json``, or a changed setting other than ``epochs``.
    """
    path = run_dir / "run.json"
    if not path.is_file():
        raise InvalidOptionError(
            f"Cannot resume {run_dir}: it has no run.json, so it is not a kerazoo run "
            "directory (or the run was killed before its first epoch; start it again)."
        )
    saved = json.loads(path.read_text())
    settings = {name: param.default for name, param in SETTINGS.items()}
    settings["test_size"] = 0  # runs from before the test split had none
    settings.update(saved["settings"])
    changed = changed_settings(settings, given, explicit)
    if changed:
        was = ", ".join(option(k, settings.get(k)) for k in changed)
        raise InvalidOptionError(
            f"A resumed run keeps its settings; only epochs may change. {run_dir} was "
            f"started with {was}. Leave those out, or start a new run with another --out."
        )
    epochs = given.get("epochs")
    if epochs is not None:
        settings["epochs"] = epochs  # resuming may extend a run
    return {
        "settings": settings,
        "dataset": saved["dataset"],
        "architecture": saved["architecture"],
    }
