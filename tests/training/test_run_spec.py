"""One value per run: its settings, data splits, architecture and folder, fixed once made."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import kerazoo
from kerazoo.training._settings import check_settings
from kerazoo.training._spec import RunSpec


def _spec(folder: Path) -> tuple[RunSpec, dict]:
    settings = check_settings({"train_size": 8, "val_size": 4, "test_size": 2, "seed": 3})
    dataset = kerazoo.get_dataset("shapes", size=16)
    arch = kerazoo.get_architecture("lenet", filters=4)
    return RunSpec.create(dataset, arch, settings, folder), settings


def test_a_run_value_cannot_be_changed(tmp_path: Path) -> None:
    run, settings = _spec(tmp_path / "run")
    assert (len(run.splits.train), len(run.splits.val), len(run.splits.test)) == (8, 4, 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.dir = tmp_path / "elsewhere"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.splits = None  # type: ignore[misc]
    with pytest.raises(TypeError):
        run.settings["epochs"] = 9  # type: ignore[index]
    settings["epochs"] = 9  # the caller's dict is the caller's: the run took a copy
    assert run.settings["epochs"] == 5 and run.dir == tmp_path / "run"


def test_another_run_is_a_new_value(tmp_path: Path) -> None:
    run, _ = _spec(tmp_path / "run")
    best = run.replace(dir=tmp_path / "best", epochs=2)
    assert (best.dir, best.settings["epochs"], best.settings["seed"]) == (tmp_path / "best", 2, 3)
    assert (run.dir, run.settings["epochs"]) == (tmp_path / "run", 5)
    assert best.splits is run.splits and best.architecture is run.architecture
    with pytest.raises(TypeError, match="no_such_setting"):
        run.replace(no_such_setting=1)
