"""``--lr find`` inside a run: its ramp is bounded by a share of the run's training steps, and
the run says what the ramp cost (steps, seconds, share of the run)."""

from __future__ import annotations

import json
import re

import pytest

import kerazoo
from kerazoo.training._lr_find_budget import LEAST, MOST, SHARE, RampCost, ramp_steps


def test_the_ramp_takes_a_tenth_of_the_run_within_its_bounds() -> None:
    assert SHARE == 0.10
    assert ramp_steps(12 * 63) == 75  # LeNet, 4000 images, batch 64, 12 epochs
    assert ramp_steps(3) == LEAST  # a tiny run still gets a readable curve
    assert ramp_steps(10**6) == MOST  # a long one no more than the stand-alone finder's


def test_the_cost_line_states_steps_seconds_and_share() -> None:
    cost = RampCost(steps=37, seconds=0.61, run_steps=378, step_seconds=0.016)
    assert cost.share == pytest.approx(0.61 / (378 * 0.016))
    assert cost.line().startswith("lr find: 37 steps, 0.6 s, 10% of this run")
    assert json.loads(json.dumps(cost.to_dict()))["share"] == pytest.approx(cost.share)


def test_a_run_with_lr_find_says_what_the_ramp_cost(tmp_path, capsys) -> None:
    sizes = {"train_size": 64, "val_size": 16, "test_size": 0, "batch_size": 16}
    run = kerazoo.train(
        "shapes",
        "lenet",
        data={"size": 32},
        epochs=2,
        learning_rate="find",
        out=tmp_path / "r",
        verbose=2,
        **sizes,
    )
    printed = capsys.readouterr().out
    said = re.search(r"lr find: (\d+) steps, ([0-9.]+) s, (\d+)% of this run", printed)
    assert said, printed
    found = json.loads((run.dir / "run.json").read_text())["lr_find"]
    cost = found["cost"]
    assert int(said[1]) == cost["steps"] == len(found["lrs"])
    step = found["lrs"][1] / found["lrs"][0]  # 2 epochs of 4 steps: the least ramp
    assert step == pytest.approx((10 / 1e-7) ** (1 / (LEAST - 1)))
    assert cost["run_steps"] == 8 and cost["seconds"] > 0
    assert int(said[3]) == round(100 * cost["share"])
