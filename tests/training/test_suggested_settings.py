"""A dataset's suggested settings: used where the user gives none, said, and checked."""

from __future__ import annotations

import json
from typing import Any, ClassVar

import pytest

import kerazoo
from kerazoo.testing import ContractError, check_dataset
from tests.fixtures.tiny_data import Bars

TINY = {"train_size": 32, "val_size": 8, "test_size": 0, "batch_size": 16, "verbose": 2}


class SlowBars(Bars):
    description = "bars that suggest three epochs"
    suggested_settings: ClassVar[dict[str, Any]] = {"epochs": 3, "batch_size": 8}


def test_unset_settings_take_the_suggestion_and_the_run_says_so(tmp_path, capsys) -> None:
    run = kerazoo.train(SlowBars(), "lenet", out=tmp_path / "a", **TINY)
    said = capsys.readouterr().out
    assert "suggests epochs 3: used (give epochs to change)" in said
    assert len(run.history["loss"]) == 3
    saved = json.loads((tmp_path / "a" / "run.json").read_text())["settings"]
    assert saved["epochs"] == 3 and saved["batch_size"] == 16  # the user's batch size won


def test_a_setting_the_user_gives_wins(tmp_path, capsys) -> None:
    run = kerazoo.train(SlowBars(), "lenet", out=tmp_path / "b", epochs=1, **TINY)
    assert "suggests" not in capsys.readouterr().out
    assert len(run.history["loss"]) == 1


def test_the_contract_check_refuses_a_suggestion_that_is_no_setting() -> None:
    class Wrong(Bars):
        description = "bars with a misspelled suggestion"
        suggested_settings: ClassVar[dict[str, Any]] = {"epoch": 3}

    with pytest.raises(ContractError, match=r"suggested_settings \{'epoch': 3\}.*epochs"):
        check_dataset(Wrong())
