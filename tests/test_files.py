"""Atomic files and the temporary files a kill leaves behind."""

from __future__ import annotations

import os
import stat

from kerazoo.files import atomic_file, remove_stale_temps, write_text_atomic


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

    try:
        atomic_file(target, fail)
    except OSError:
        pass
    assert target.read_text() == "old"
    assert remove_stale_temps(tmp_path) == []


def test_files_get_the_usual_permissions_not_private_ones(tmp_path) -> None:
    """Run files are shared like any other file the user makes (umask), not 0600."""
    mask = os.umask(0o022)
    os.umask(mask)
    path = write_text_atomic(tmp_path / "run.json", "{}")
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask
