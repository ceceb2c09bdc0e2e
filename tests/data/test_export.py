"""Exporting samples as PNG files: all or nothing, progress on long exports."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import kerazoo
from kerazoo.data import _export as export
from kerazoo.data._export import export_samples


def test_long_export_shows_progress(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(export, "PROGRESS_FROM", 10)
    ds = kerazoo.get_dataset("shapes", size=8, min_scale=0.7)
    err = io.StringIO()
    export_samples(ds.generate(20, seed=0), ds.task, tmp_path / "p", progress=err)
    err = err.getvalue()
    assert "exported 2/20 images" in err and "exported 20/20 images" in err


def test_export_leaves_only_the_finished_folder(tmp_path: Path) -> None:
    ds = kerazoo.get_dataset("shapes", size=16)
    (tmp_path / "empty").mkdir()
    csv_path = export_samples(ds.generate(6, seed=1), ds.task, tmp_path / "empty")
    assert csv_path == tmp_path / "empty" / "labels.csv"
    assert [p.name for p in tmp_path.iterdir()] == ["empty"]  # no temporary folder left
    assert len(list((tmp_path / "empty").rglob("*.png"))) == 6


def test_a_failed_export_leaves_no_partial_folder(tmp_path: Path, monkeypatch) -> None:
    ds = kerazoo.get_dataset("shapes", size=16)
    data = ds.generate(6, seed=1)

    def fail(*args, **kwargs):
        raise KeyboardInterrupt("stopped while writing labels.csv")

    monkeypatch.setattr(export.csv, "writer", fail)  # dies after the PNGs, before the CSV
    with pytest.raises(KeyboardInterrupt, match="stopped while writing labels.csv"):
        export_samples(data, ds.task, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_export_refuses_a_folder_with_files(tmp_path: Path) -> None:
    ds = kerazoo.get_dataset("shapes", size=16)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "old.png").write_bytes(b"x")
    with pytest.raises(kerazoo.DataError, match=r"exists and is not an empty folder"):
        export_samples(ds.generate(2), ds.task, tmp_path / "full")
    assert [p.name for p in (tmp_path / "full").iterdir()] == ["old.png"]
