"""A run whose model learned nothing says so: its test metric against the trivial baseline
(most common class, training mean, mean image), in ``Run.baseline``, ``run.json`` and one
warning with the likely causes and commands to try."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

import kerazoo
from kerazoo._task import Task
from kerazoo.data._dataset import Samples
from kerazoo.training._baseline import NotLearnedWarning, compare_with_baseline
from tests.fixtures.processes import run_cli

SMALL = [
    "--data",
    "size=16",
    "--batch-size",
    "16",
    "--train-size",
    "48",
    "--val-size",
    "16",
    "--test-size",
    "60",
    "--epochs",
    "1",
]


def _samples(labels, images=None) -> Samples:
    labels = np.asarray(labels)
    if images is None:
        images = np.zeros((len(labels), 2, 2, 1), np.uint8)
    return Samples(images, labels, None)


def test_the_baseline_of_each_task_kind() -> None:
    names = Task.classification(["a", "b", "c"])
    train, test = _samples([2, 2, 0, 1]), _samples([2, 0, 0, 2])
    check = compare_with_baseline(names, train, test, {"accuracy": 0.5})
    assert (check.baseline, check.needed, check.learned) == (0.5, pytest.approx(0.55), False)
    assert check.predictor == "always predicting the most common class 'c'"
    assert compare_with_baseline(names, train, test, {"accuracy": 0.75}).learned

    counts = Task.regression(1, 5, integer=True)
    train, test = _samples([1.0, 3.0, 5.0]), _samples([1.0, 5.0])  # mean 3: MAE 2
    check = compare_with_baseline(counts, train, test, {"mae": 1.9})
    assert (check.metric, check.baseline, check.needed, check.learned) == ("mae", 2.0, 1.8, False)
    assert "test mae 1.9 against 2 for always predicting the training mean 3" in check.describe()
    assert compare_with_baseline(counts, train, test, {"mae": 0.2}).learned

    images = np.stack([np.zeros((2, 2, 1), np.uint8), np.full((2, 2, 1), 255, np.uint8)])
    auto = Task.reconstruction()
    check = compare_with_baseline(
        auto, Samples(images, None, None), Samples(images, None, None), {"mse": 0.24}
    )
    assert check.baseline == pytest.approx((127.5 / 255) ** 2, abs=0.01) and not check.learned
    # nothing to compare: a baseline already perfect, no test images, no metric
    same = _samples([1, 1])
    assert compare_with_baseline(names, same, same, {"accuracy": 1.0}) is None
    assert compare_with_baseline(names, train, _samples([]), {"accuracy": 1.0}) is None
    assert compare_with_baseline(names, train, test, {}) is None


def test_a_run_that_cannot_learn_warns_once_with_causes_and_commands(tmp_path) -> None:
    out = tmp_path / "still"
    proc = run_cli("train", "shapes", "lenet", "--lr", "1e-7", *SMALL, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    warned = [line for line in proc.stderr.splitlines() if line.startswith("kerazoo: warning:")]
    assert len(warned) == 1, proc.stderr
    (line,) = warned
    assert "The model learned little or nothing: test accuracy" in line
    assert "for always predicting the most common class" in line
    assert "learning rate far too high or too low" in line
    assert "kerazoo lr-find shapes lenet --data size=16" in line
    assert f"kerazoo train --resume --out {out} --epochs" in line
    assert f"kerazoo look stats {out}" in line
    baseline = json.loads((out / "run.json").read_text())["baseline"]
    assert baseline["metric"] == "accuracy" and baseline["learned"] is False
    assert baseline["model"] < baseline["needed"]


@pytest.mark.slow
def test_a_run_that_learns_does_not_warn(tmp_path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", NotLearnedWarning)
        run = kerazoo.train(
            "shapes",
            "lenet",
            data={"size": 16},
            learning_rate=0.01,
            epochs=3,
            train_size=192,
            val_size=32,
            test_size=60,
            batch_size=32,
            verbose=0,
            out=tmp_path / "r",
        )
    assert run.baseline["learned"] is True
    assert run.baseline["model"] >= run.baseline["needed"] > run.baseline["baseline"]
    assert json.loads((run.dir / "run.json").read_text())["baseline"] == run.baseline
