"""The JSON that ``kerazoo train --json`` and ``kerazoo tune --json`` print comes from the
result objects: the same dict from Python."""

from __future__ import annotations

import json
from pathlib import Path

from kerazoo.experiments._tune_results import TrialResult, TuneResult
from kerazoo.training._run import Run


def test_run_summary_reads_its_status_and_gives_metrics_and_test(tmp_path: Path) -> None:
    (tmp_path / "run.json").write_text(json.dumps({"status": "finished"}))
    history = {"loss": [0.9, 0.5], "val_accuracy": [0.6, 0.8]}
    run = Run(None, history, tmp_path, {}, test={"accuracy": 0.75}, baseline={"learned": True})
    assert run.summary() == {
        "status": "finished",
        "dir": str(tmp_path),
        "model": str(tmp_path / "model.keras"),
        "epochs": 2,
        "metrics": {"loss": 0.5, "val_accuracy": 0.8},
        "test": {"accuracy": 0.75},
        "baseline": {"learned": True},
    }
    assert run.summary_line() == (
        f"loss 0.5, val_accuracy 0.8, test_accuracy 0.75. Model saved to {run.model_path}"
    )


def test_tune_summary_gives_the_best_trial_and_every_trial(tmp_path: Path) -> None:
    trials = [
        TrialResult("1", {"filters": 8}, 0.9, 2, 3.5, "finished", {"loss": [0.1]}),
        TrialResult("0", {"filters": 4}, None, 1, None, "diverged"),
    ]
    result = TuneResult(
        trials, "val_accuracy", "max", ["filters"], {}, tmp_path, tmp_path / "best", {"a": 1.0}
    )
    doc = result.summary()
    assert doc["best"] == {
        "trial": "1",
        "value": 0.9,
        "hyperparameters": {"filters": 8},
        "model": str(tmp_path / "best" / "model.keras"),
        "test": {"a": 1.0},
    }
    assert [t["status"] for t in doc["trials"]] == ["finished", "diverged"]
    assert "history" not in doc["trials"][0]
    json.dumps(doc)  # JSON-ready as it is
    empty = TuneResult([trials[1]], "val_accuracy", "max", [], {}, tmp_path)
    assert empty.summary()["best"] is None
