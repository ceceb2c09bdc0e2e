"""``kerazoo zoo verify``: the recipe, trained again, lands within 2 sd of its card."""

from __future__ import annotations

from pathlib import Path

import pytest

import kerazoo
from tests.fixtures.processes import run_cli


@pytest.mark.slow
def test_verify_the_cheapest_entry_lands_within_2_sd(tmp_path: Path) -> None:
    out = run_cli("zoo", "verify", "lenet-traffic-lights", "--seeds", "2", "--out", str(tmp_path))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "within 2 sd" in out.stdout and "NOT" not in out.stdout
    assert (tmp_path / "seed-1" / "model.keras").is_file()


def test_verify_refuses_no_seeds() -> None:
    with pytest.raises(kerazoo.InvalidOptionError, match="seeds must be 1 or more, got 0"):
        kerazoo.verify_zoo("lenet-shapes", seeds=0)


def test_a_recipe_is_a_kerazoo_train_command() -> None:
    from kerazoo.zoo._recipe import metric_value, seed_command

    assert seed_command("kerazoo train shapes lenet --seed 0 --epochs 2", 3) == [
        "train",
        "shapes",
        "lenet",
        "--epochs",
        "2",
        "--seed",
        "3",
    ]
    with pytest.raises(kerazoo.InvalidOptionError, match="A zoo recipe is a 'kerazoo train"):
        seed_command("kerazoo evaluate runs/a", 0)
    with pytest.raises(kerazoo.DataError, match="run.json has no number at 'test.accuracy'"):
        metric_value({"test": None}, "test.accuracy")
