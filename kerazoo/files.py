"""Atomic files: write to a temporary name in the same folder, then rename over the target.

A kill at any moment leaves either the previous file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["atomic_file", "copy_atomic", "fsync_dir", "remove_stale_temps", "write_text_atomic"]

#: The names :func:`atomic_file` gives its temporary files: ``.NAME.RANDOM.tmpSUFFIX``.
TEMP_PATTERN = ".*.*.tmp*"


def _umask() -> int:
    # the only way to read the umask is to set it; done once, at import
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: New files get the permissions any other program's files get (``mkstemp`` gives 0600).
FILE_MODE = 0o666 & ~_umask()


def atomic_file(target: str | os.PathLike[str], write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary path beside ``target``, then rename it over ``target``.

    The temporary file is fsynced before the rename and removed if ``write`` fails (even on
    KeyboardInterrupt); the folder is fsynced after, so the rename itself survives a crash.

    Example:
        >>> atomic_file("out.txt", lambda tmp: tmp.write_text("hello"))  # doctest: +SKIP
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=f".tmp{target.suffix}", dir=target.parent
    )
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        os.chmod(tmp, FILE_MODE)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, target)
        fsync_dir(target.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return target


def write_text_atomic(target: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``target`` atomically."""
    return atomic_file(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def copy_atomic(src: str | os.PathLike[str], target: str | os.PathLike[str]) -> Path:
    """Copy ``src`` over ``target`` atomically."""
    return atomic_file(target, lambda tmp: shutil.copyfile(src, tmp))


def fsync_dir(folder: str | os.PathLike[str]) -> None:
    """Flush a folder's entries (a rename) to disk, where the platform allows it."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def remove_stale_temps(folder: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporary files that a killed :func:`atomic_file` left in ``folder``.

    Only call this while no other process writes there (a run holds its folder's lock).

    Returns:
        The files removed.

    Example:
        >>> remove_stale_temps("runs/a")                      # doctest: +SKIP
        [PosixPath('runs/a/.checkpoint.keras.k2j4_x.tmp.keras')]
    """
    removed = []
    for path in sorted(Path(folder).glob(TEMP_PATTERN)):
        if path.is_file():
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(path)
    return removed
