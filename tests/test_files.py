"""Atomic files, the temporary files a kill leaves behind, and what is never written or read."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from kerazoo._errors import DataError, OutputError
from kerazoo._files import (
    atomic_file,
    check_output_folder,
    link_atomic,
    read_regular_file,
    remove_stale_temps,
    write_text_atomic,
)


def test_stale_temporary_files_are_removed_and_nothing_else(tmp_path) -> None:
    atomic_file(tmp_path / "model.keras", lambda tmp: tmp.write_bytes(b"model"))
    stale = [tmp_path / ".model.keras.k2j4x9ab.tmp.keras", tmp_path / ".run.json.q1w2e3r4.tmp"]
    for path in stale:
        path.write_bytes(b"half")
    kept = [tmp_path / "model.keras", tmp_path / ".hidden", tmp_path / "notes.tmp"]
    kept[1].write_text("mine")
    kept[2].write_text("mine")
    assert remove_stale_temps(tmp_path) == sorted(stale)
    assert not any(p.exists() for p in stale) and all(p.exists() for p in kept)
    assert (tmp_path / "model.keras").read_bytes() == b"model"


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path) -> None:
    target = tmp_path / "history.csv"
    target.write_text("old")

    def fail(tmp):
        tmp.write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OutputError, match=r"Cannot write .*history\.csv: No space left on device"):
        atomic_file(target, fail)
    assert target.read_text() == "old"
    assert remove_stale_temps(tmp_path) == []


def test_files_get_the_usual_permissions_not_private_ones(tmp_path) -> None:
    """Run files are shared like any other file the user makes (umask), not 0600."""
    mask = os.umask(0o022)
    os.umask(mask)
    path = write_text_atomic(tmp_path / "run.json", "{}")
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask


# -- what is refused, and what is read -----------------------------------------------------
def special_file(path, kind: str):
    """Make a real special file at ``path``: a character device like /dev/null, a FIFO, a
    listening socket's file, or a folder."""
    import socket

    if kind == "device":
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # the numbers of /dev/null
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))
        sock.close()
    else:
        os.mkdir(path)
    return os.stat(path).st_mode


KINDS = {
    "device": "a character device",
    "fifo": r"a FIFO \(named pipe\)",
    "socket": "a socket",
    "folder": "a folder",
}


@pytest.mark.parametrize("kind", KINDS)
def test_a_special_file_is_refused_and_left_as_it_is(tmp_path, kind: str) -> None:
    target = tmp_path / "out.html"
    mode = special_file(target, kind)
    with pytest.raises(OutputError, match=rf"Refusing to write .*out\.html: it is {KINDS[kind]}"):
        write_text_atomic(target, "<html>")
    assert os.stat(target).st_mode == mode and os.listdir(tmp_path) == ["out.html"]
    link = tmp_path / "link.html"  # a link to it is the same thing
    link.symlink_to(target)
    with pytest.raises(OutputError, match=rf"it is {KINDS[kind]}"):
        write_text_atomic(link, "<html>")
    assert os.stat(target).st_mode == mode and link.is_symlink()


def test_a_file_where_a_folder_is_meant_is_refused(tmp_path) -> None:
    (tmp_path / "notes").write_text("mine")
    with pytest.raises(OutputError, match=r"notes is a regular file, not a folder"):
        write_text_atomic(tmp_path / "notes" / "sub" / "r.html", "x")
    with pytest.raises(OutputError, match=r"Refusing to write into .*notes: it is a regular"):
        check_output_folder(tmp_path / "notes")
    assert (tmp_path / "notes").read_text() == "mine"


def test_a_full_disk_read_only_place_or_proc_is_an_output_error(tmp_path) -> None:
    def full(tmp):
        tmp.write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OutputError, match=r"Cannot write .*a\.txt: No space left on device\. Fr"):
        atomic_file(tmp_path / "a.txt", full)
    with pytest.raises(OutputError, match=r"Cannot write /proc/kerazoo\.png: No such file"):
        write_text_atomic("/proc/kerazoo.png", "x")
    with pytest.raises(OutputError, match=r"Cannot write /sys/kerazoo\.png: Permission denied"):
        write_text_atomic("/sys/kerazoo.png", "x")
    assert os.listdir(tmp_path) == []


def test_overwrite_false_never_replaces_a_file(tmp_path) -> None:
    target = tmp_path / "a.png"
    atomic_file(target, lambda tmp: tmp.write_bytes(b"new"), overwrite=False)
    with pytest.raises(OutputError, match=r"Refusing to overwrite .*a\.png: the file exists"):
        atomic_file(target, lambda tmp: tmp.write_bytes(b"other"), overwrite=False)
    assert target.read_bytes() == b"new" and os.listdir(tmp_path) == ["a.png"]


def test_stale_temporary_files_in_sub_folders_are_removed(tmp_path) -> None:
    (tmp_path / "evaluation").mkdir()
    stale = tmp_path / "evaluation" / ".samples.png.a1b2c3d4.tmp.png"
    stale.write_bytes(b"half")
    (tmp_path / "evaluation" / "samples.png").write_bytes(b"whole")
    assert remove_stale_temps(tmp_path) == [stale]
    assert sorted(os.listdir(tmp_path / "evaluation")) == ["samples.png"]


def test_only_regular_files_inside_the_folder_are_read(tmp_path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("root:x:0:0")
    run = tmp_path / "run"
    run.mkdir()
    (run / "history.csv").symlink_to(outside)
    (run / "inside.csv").write_text("epoch\n1\n")
    (run / "same.csv").symlink_to(run / "inside.csv")
    special_file(run / "pipe.csv", "fifo")
    special_file(run / "null.csv", "device")
    assert read_regular_file(run, "same.csv", 100) == b"epoch\n1\n"
    with pytest.raises(DataError, match=r"it leads outside .*run \(to .*secret\.txt\)"):
        read_regular_file(run, "history.csv", 100)
    with pytest.raises(DataError, match=r"it is a FIFO \(named pipe\), not a regular file"):
        read_regular_file(run, "pipe.csv", 100)  # and does not wait for a writer
    with pytest.raises(DataError, match=r"it is a character device, not a regular file"):
        read_regular_file(run, "null.csv", 100)
    with pytest.raises(DataError, match=r"larger than 4 bytes"):
        read_regular_file(run, "inside.csv", 4)


def test_a_linked_file_keeps_its_bytes_when_the_original_is_replaced(tmp_path) -> None:
    src = write_text_atomic(tmp_path / "checkpoint.keras", "epoch 1")
    link_atomic(src, tmp_path / "best.keras")
    assert (tmp_path / "best.keras").read_text() == "epoch 1"
    write_text_atomic(src, "epoch 2")  # a new file renamed over the old one
    assert (tmp_path / "best.keras").read_text() == "epoch 1"
    link_atomic(src, tmp_path / "best.keras")  # replaces an existing name
    assert (tmp_path / "best.keras").read_text() == "epoch 2"
    assert sorted(os.listdir(tmp_path)) == ["best.keras", "checkpoint.keras"]
