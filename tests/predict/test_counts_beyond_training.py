"""Counts beyond the range a model was trained on: ``kerazoo predict`` and ``kerazoo
evaluate`` show them as the model computes them (rounded, never clipped to that range), and
say once that they are extrapolated."""

from __future__ import annotations

import json
from pathlib import Path

import keras
import numpy as np
import pytest
from keras import layers
from PIL import Image

import kerazoo
from kerazoo import save_model
from tests.fixtures.processes import run_cli

#: circles of radius 1 (5 pixels each, never touching) in 24x24 images
CIRCLES = {"size": 24, "min_radius": 1, "max_radius": 1, "target": "count"}
WARNING = "predicted counts lie outside the range the model was trained on (1 to 5)"


@pytest.fixture(scope="module")
def counter_1_5(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An exact counter of radius-1 circles (lit pixels / 5) whose metadata says it was
    trained on 1-5 circles."""
    inp = keras.Input((24, 24, 1), dtype="uint8")
    dense = layers.Dense(1)
    model = keras.Model(inp, dense(layers.Flatten()(layers.Rescaling(1 / 255)(inp))))
    dense.set_weights([np.full((24 * 24, 1), 1 / 5, np.float32), np.zeros(1, np.float32)])
    meta = {
        "task": {
            "kind": "regression",
            "value_range": [1, 5],
            "integer": True,
            "encoding": "regression",
            "output": "values",
        },
        "input": {"height": 24, "width": 24, "channels": 1, "data_format": "channels_last"},
        "dataset": {
            "name": "circles",
            "options": {**CIRCLES, "min_count": 1, "max_count": 5},
            "seed": 0,
        },
        "architecture": {"name": "handmade", "hyperparameters": {}},
    }
    return save_model(model, tmp_path_factory.mktemp("counter") / "model.keras", meta)


def _warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("kerazoo: warning:")]


def test_predict_prints_counts_above_the_trained_range_and_says_so_once(counter_1_5, tmp_path):
    ds = kerazoo.get_dataset("circles", **CIRCLES, min_count=8, max_count=12)
    samples = ds.generate(5, seed=1)
    for i, image in enumerate(samples.images):
        Image.fromarray(image[..., 0]).save(tmp_path / f"{i}.png")
    proc = run_cli("predict", str(counter_1_5), str(tmp_path), "--batch-size", "2")
    assert proc.returncode == 0, proc.stderr
    printed = [int(line.split(": ")[1].split()[0]) for line in proc.stdout.splitlines()]
    assert printed == samples.labels.astype(int).tolist()  # 8..12, not 5
    (warned,) = _warnings(proc.stderr)  # one note for the call, not one per image or batch
    assert f"5 of 5 {WARNING}" in warned and "not clipped" in warned


def test_evaluate_scores_the_extrapolated_counts(counter_1_5, tmp_path) -> None:
    out = tmp_path / "ev"
    proc = run_cli(
        "evaluate",
        str(counter_1_5),
        "circles",
        "--data",
        "min_count=8",
        "--data",
        "max_count=12",
        "-n",
        "40",
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["metrics"]["exact"] == 1.0 and metrics["metrics"]["mae"] < 1e-4
    assert metrics["reference"]["metrics"]["exact"] == 1.0  # its own 1-5: nothing outside
    (warned,) = _warnings(proc.stderr)
    assert f"40 of 40 {WARNING}" in warned
