"""The files kerazoo writes and the run files it reads back: one place for both rules.

Writing: :func:`atomic_file` writes to a temporary name in the same folder, then renames it
over the target, so a kill at any moment leaves either the previous file or the new one,
never half of one. A target that exists and is not a regular file (a device such as
``/dev/null``, a FIFO, a socket, a folder) is refused before anything is written, as is a
folder path where one of the parents is a file (:func:`check_output_file`,
:func:`check_output_folder`): the rename would otherwise replace the device or FIFO with a
regular file. A write that fails (a full disk, a read-only place) is an
:class:`~kerazoo.OutputError` naming the file and the cause.

Reading: :func:`read_regular_file` reads a file of a folder only when it is a regular file
that really lies inside the folder (a link out of it, a FIFO or a device is refused unread)
and is not larger than a limit.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from kerazoo._errors import DataError, KerazooError, OutputError

__all__ = [
    "atomic_file",
    "check_output_file",
    "check_output_folder",
    "copy_atomic",
    "link_atomic",
    "fsync_dir",
    "output_error",
    "read_regular_file",
    "remove_stale_temps",
    "write_text_atomic",
]

#: The names :func:`atomic_file` gives its temporary files: ``.NAME.RANDOM.tmpSUFFIX``.
TEMP_PATTERN = ".*.*.tmp*"

#: Errors that say the place is full or cannot take files (not that the path is wrong).
NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS})
#: Errors of the path written: with these, an ``OSError`` from a writer is about its target.
_WRITE_ERRNOS = NO_ROOM | {
    errno.EACCES,
    errno.EPERM,
    errno.EISDIR,
    errno.ENOTDIR,
    errno.ENAMETOOLONG,
    errno.ENOENT,
    errno.EEXIST,
}


def _umask() -> int:
    # the only way to read the umask is to set it; done once, at import
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: New files get the permissions any other program's files get (``mkstemp`` gives 0600).
FILE_MODE = 0o666 & ~_umask()

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISREG, "a regular file"),
)


def file_kind(mode: int) -> str:
    """What an ``st_mode`` is, in words: ``"a FIFO (named pipe)"``, ``"a folder"``...

    Example:
        >>> file_kind(os.stat(".").st_mode)
        'a folder'
    """
    return next((name for test, name in _KINDS if test(mode)), "a special file")


def _stat(path: Path) -> os.stat_result | None:
    """``os.stat`` (through links), or None when nothing is there (or a parent is a file)."""
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


def _check_parents(path: Path) -> None:
    """Refuse a path whose nearest existing parent is not a folder."""
    for parent in path.parents:
        st = _stat(parent)
        if st is None and parent != parent.parent:
            continue
        if st is not None and not stat.S_ISDIR(st.st_mode):
            raise OutputError(
                f"Cannot write {path}: {parent} is {file_kind(st.st_mode)}, not a folder. "
                "Give a path inside a folder, or move that file away.",
                path,
            )
        return


def check_output_file(target: str | os.PathLike[str]) -> Path:
    """Refuse to write ``target`` unless it is new or an existing regular file.

    A device (``/dev/null``, ``/dev/full``), FIFO, socket or folder at ``target`` (or at the
    end of a link there) is refused, and so is a path under a file. :func:`atomic_file` runs
    this check; a command that works long before it writes calls it first, too.

    Returns:
        ``target`` as a ``Path``.

    Raises:
        OutputError: naming the file, what it is, and what to give instead.

    Example:
        >>> check_output_file("/dev/null")
        Traceback (most recent call last):
        kerazoo._errors.OutputError: Refusing to write /dev/null: it is a character device, ...
    """
    target = Path(target)
    st = _stat(target)
    if st is not None and not stat.S_ISREG(st.st_mode):
        kind = file_kind(st.st_mode)
        hint = (
            "Give a file name inside it, or another file."
            if stat.S_ISDIR(st.st_mode)
            else "kerazoo writes a new file and renames it over the old one, which would "
            f"replace {kind} with a regular file. Give the name of a new or regular file."
        )
        raise OutputError(
            f"Refusing to write {target}: it is {kind}, not a regular file. {hint}", target
        )
    if st is None:
        _check_parents(target)
    return target


def check_output_folder(folder: str | os.PathLike[str]) -> Path:
    """Refuse to write into ``folder`` unless it is a folder or can be made as one.

    Returns:
        ``folder`` as a ``Path``.

    Raises:
        OutputError: ``folder`` (or a parent) exists and is a file, a device, a FIFO...

    Example:
        >>> check_output_folder("/dev/null")
        Traceback (most recent call last):
        kerazoo._errors.OutputError: Refusing to write into /dev/null: it is a character ...
    """
    folder = Path(folder)
    st = _stat(folder)
    if st is not None and not stat.S_ISDIR(st.st_mode):
        raise OutputError(
            f"Refusing to write into {folder}: it is {file_kind(st.st_mode)}, not a folder. "
            "Give the path of a new folder (or of an existing one).",
            folder,
        )
    if st is None:
        _check_parents(folder)
    return folder


def output_error(target: str | os.PathLike[str], exc: OSError) -> OutputError:
    """The one-line error for ``exc``, raised while writing ``target``.

    Example:
        >>> str(output_error("r.html", OSError(errno.ENOSPC, "No space left on device")))
        'Cannot write r.html: No space left on device. Free some space, or write elsewhere.'
    """
    if isinstance(exc, OutputError):
        return exc
    cause = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        fix = "Free some space, or write elsewhere."
    elif exc.errno == errno.EROFS:
        fix = "The file system is read-only: write elsewhere."
    elif exc.errno in (errno.EACCES, errno.EPERM):
        fix = "Write into a folder you may write to."
    else:
        fix = "Write into an ordinary folder of a disk."
    return OutputError(f"Cannot write {target}: {cause}. {fix}", target, exc)


def _about_target(exc: BaseException, *paths: Path) -> bool:
    """Whether an error raised while writing is about the written file (not another one)."""
    if not isinstance(exc, OSError) or isinstance(exc, KerazooError):
        return False
    if exc.errno in NO_ROOM:
        return True
    names = {os.path.abspath(p) for p in paths}
    named = [n for n in (exc.filename, exc.filename2) if n]
    if named:
        return any(os.path.abspath(os.fsdecode(n)) in names for n in named)
    return exc.errno in _WRITE_ERRNOS


def atomic_file(
    target: str | os.PathLike[str], write: Callable[[Path], None], overwrite: bool = True
) -> Path:
    """Call ``write(tmp)`` on a temporary path beside ``target``, then rename it over ``target``.

    The temporary file is fsynced before the rename and removed if ``write`` fails (even on
    KeyboardInterrupt); the folder is fsynced after, so the rename itself survives a crash.
    ``target`` is checked first (:func:`check_output_file`) and again just before the rename.

    Args:
        target: the file to write (its folder is made if needed).
        write: writes the content to the path it is given.
        overwrite: replace an existing regular file; with False an existing file (even one
            made while ``write`` ran) is left alone and the write refused.

    Returns:
        ``target`` as a ``Path``.

    Raises:
        OutputError: ``target`` is not a regular file, exists with ``overwrite=False``, or
            could not be written (full disk, read-only place...).

    Example:
        >>> atomic_file("out.txt", lambda tmp: tmp.write_text("hello"))  # doctest: +SKIP
    """
    target = check_output_file(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=f".tmp{target.suffix}", dir=target.parent
        )
        os.close(fd)
    except OSError as exc:
        raise output_error(target, exc) from None
    tmp = Path(name)
    try:
        write(tmp)
        os.chmod(tmp, FILE_MODE)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        check_output_file(target)  # a FIFO made there while ``write`` ran is kept too
        if overwrite:
            os.replace(tmp, target)
        else:
            _rename_new(tmp, target)
        fsync_dir(target.parent)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if _about_target(exc, tmp, target, target.parent):
            raise output_error(target, exc) from None  # type: ignore[arg-type]
        raise
    return target


def _rename_new(tmp: Path, target: Path) -> None:
    """Give ``tmp`` the name ``target`` only if nothing has that name (never overwrite)."""
    try:
        os.link(tmp, target)  # fails if target exists, atomically
    except FileExistsError:
        raise OutputError(
            f"Refusing to overwrite {target}: the file exists already. Write into a new or "
            "empty folder, or move that file away.",
            target,
        ) from None
    except OSError:  # a file system without hard links: claim the name, then rename
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        os.close(fd)
        os.replace(tmp, target)
        return
    tmp.unlink()


def write_text_atomic(target: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``target`` atomically."""
    return atomic_file(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def copy_atomic(src: str | os.PathLike[str], target: str | os.PathLike[str]) -> Path:
    """Copy ``src`` over ``target`` atomically."""
    return atomic_file(target, lambda tmp: shutil.copyfile(src, tmp))


def link_atomic(src: str | os.PathLike[str], target: str | os.PathLike[str]) -> Path:
    """Give ``target`` the content of ``src`` atomically: as a second name of the same file
    (a hard link, no bytes copied) where the file system allows it, else as a copy.

    Only for a ``src`` that is never changed in place (kerazoo replaces its files by
    renaming a new one over them, so ``target`` keeps the content it had).
    """
    target = check_output_file(target)
    try:
        fd, name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=f".tmp{target.suffix}", dir=target.parent
        )
        os.close(fd)
        os.unlink(name)
        os.link(src, name)
    except OSError:
        return copy_atomic(src, target)
    try:
        os.replace(name, target)
        fsync_dir(target.parent)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(name)
        if _about_target(exc, Path(name), target, target.parent):
            raise output_error(target, exc) from None  # type: ignore[arg-type]
        raise
    return target


def fsync_dir(folder: str | os.PathLike[str]) -> None:
    """Flush a folder's entries (a rename) to disk, where the platform allows it."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def remove_stale_temps(folder: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporary files that a killed :func:`atomic_file` left in ``folder`` and
    its sub-folders (``evaluation/``, ``snapshots/``...); linked and hidden folders are not
    searched.

    Only call this while no other process writes there (a run holds its folder's lock).

    Returns:
        The files removed, in order.

    Example:
        >>> remove_stale_temps("runs/a")                      # doctest: +SKIP
        [PosixPath('runs/a/.checkpoint.keras.k2j4_x.tmp.keras')]
    """
    removed = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]  # not kerazoo's: left alone
        for name in files:
            path = Path(root, name)
            if path.match(TEMP_PATTERN) and path.is_file() and not path.is_symlink():
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed.append(path)
    return sorted(removed)


def read_regular_file(folder: str | os.PathLike[str], name: str, max_bytes: int) -> bytes:
    """The bytes of ``folder/name``, read only if it is a regular file inside ``folder``.

    The path is resolved (links followed) and must still lie inside ``folder``; the file is
    opened without following a last link and without blocking (a FIFO cannot hang the
    read), and refused unless it is a regular file of at most ``max_bytes`` bytes.

    Raises:
        DataError: it leads outside the folder, is not a regular file, or is too large; the
            message is the reason alone (``"it is a FIFO (named pipe), not a regular
            file"``), for the caller to put after the file's name.
        OSError: it cannot be opened or read.

    Example:
        >>> read_regular_file("runs/a", "run.json", 10_000_000)[:1]     # doctest: +SKIP
        b'{'
    """
    root = Path(folder).resolve()
    real = (Path(folder) / name).resolve()
    if real == root or not real.is_relative_to(root):
        raise DataError(f"it leads outside {folder} (to {real}), so it is not read")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    with open(os.open(real, flags | getattr(os, "O_CLOEXEC", 0)), "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise DataError(f"it is {file_kind(st.st_mode)}, not a regular file")
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DataError(f"it is larger than {max_bytes:,} bytes, the most read from it")
    return data
