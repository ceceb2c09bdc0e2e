"""`kerazoo tune` end to end: each tuner, the command's table, and resuming after a kill."""

from __future__ import annotations

import csv
import json
import signal
import time
import warnings
from pathlib import Path

import pytest

from kerazoo.experiments._tune import tune
from tests.fixtures.processes import run_cli, start_cli

TINY = {"data": {"size": 16}, "train_size": 128, "val_size": 32, "test_size": 32}
FLAGS = ["--data", "size=16", "--train-size", "128", "--val-size", "32", "--test-size", "32"]


def test_hyperband_continues_the_most_promising_models(tmp_path: Path) -> None:
    """max_epochs 3, factor 3: three 1-epoch trials, then the best one trained to epoch 3.
    Keras' "Skipping variable loading for optimizer" warning, raised when keras-tuner loads
    the parent's weights into the new trial's model, is not shown to the user."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        result = tune(
            "shapes",
            "lenet",
            tuner="hyperband",
            trials=4,
            epochs=3,
            out=tmp_path / "hb",
            space={"learning_rate": "1e-3:1e-1", "batch_size": "16:64"},
            verbose=False,
            **TINY,
        )
    assert not [w for w in seen if "Skipping variable loading" in str(w.message)]
    assert len(result.trials) == 4 and result.best is not None
    assert sorted(t.epochs for t in result.trials) == [1, 1, 1, 3]
    longest = next(t for t in result.trials if t.epochs == 3)
    assert len(longest.history["loss"]) == 2  # epochs 2 and 3, on its parent's weights
    with open(result.dir / "histories.csv", newline="") as fh:
        epochs = [r["epoch"] for r in csv.DictReader(fh) if r["trial"] == longest.trial]
    assert epochs == ["2", "3"]
    parents = [t for t in result.trials if t.epochs == 1]
    chosen = max(parents, key=lambda t: t.objective)
    assert {k: v for k, v in longest.hyperparameters.items()} == chosen.hyperparameters
    assert result.model_path.is_file()


def test_bayesian_optimisation_runs(tmp_path: Path) -> None:
    pytest.importorskip("sklearn", reason="keras-tuner's BayesianOptimization needs it")
    result = tune(
        "shapes",
        "lenet",
        tuner="bayesian",
        trials=3,
        epochs=1,
        out=tmp_path / "bo",
        hp={"filters": 4},
        space={"learning_rate": "1e-3:1e-1", "optimizer": "adam,sgd"},
        verbose=False,
        **TINY,
    )
    assert [t.status for t in result.trials] == ["finished"] * 3
    assert {t.hyperparameters["optimizer"] for t in result.trials} <= {"adam", "sgd"}
    oracle = json.loads((result.dir / "tuner" / "oracle.json").read_text())
    assert oracle["num_initial_points"] == 2  # the third trial came from the Gaussian process


def _ended_trials(folder: Path) -> int:
    """Trials keras-tuner recorded as ended (``oracle.json`` is saved after the trial's
    ``trial.json`` and kerazoo's ``history.json``): a kill from then on cannot rerun them."""
    try:
        return len(json.loads((folder / "tuner" / "oracle.json").read_text())["end_order"])
    except (OSError, ValueError, KeyError):
        return 0


def _wait_for_trials(proc, folder: Path, n: int) -> None:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if _ended_trials(folder) >= n:
            return
        time.sleep(0.05)
    raise AssertionError(f"{n} trials did not end while the search ran: {proc.communicate()}")


def test_a_killed_search_continues_where_it_stopped(tmp_path: Path) -> None:
    out = tmp_path / "search"
    args = [
        "tune",
        "shapes",
        "lenet",
        "--trials",
        "3",
        "--epochs",
        "1",
        "--out",
        str(out),
        "--space",
        "batch_size=16:64",
        "--lr",
        "0.01",
        *FLAGS,
    ]
    proc = start_cli(*args)
    _wait_for_trials(proc, out, 1)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = {p.parent.name: p.read_text() for p in out.glob("tuner/trial_*/history.json")}
    assert 1 <= len(before) < 3 and not (out / "trials.csv").exists()

    done = run_cli(*args)
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert f"continuing: {len(before)} of 3 trials already run" in text, text
    assert text.count("\ntrial ") + text.startswith("trial ") == 3 - len(before), text
    after = {p.parent.name: p.read_text() for p in out.glob("tuner/trial_*/history.json")}
    assert len(after) == 3 and all(after[k] == v for k, v in before.items())  # not run again
    with open(out / "trials.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 3 and all(r["learning_rate"] == "0.01" for r in rows)
    # the printed table: best first, then where the model is
    table = text[text.index("rank  trial  val_accuracy") :].splitlines()
    shown = [line.split()[2] for line in table[1:4]]
    assert shown == [f"{float(r['val_accuracy']):.4g}" for r in rows]
    assert f"Best model: {out / 'best' / 'model.keras'}" in text
    assert "Traceback" not in done.stderr and "tensorflow" not in done.stderr.lower()

    again = run_cli(*args, "--json")
    doc = json.loads(again.stdout)
    assert again.returncode == 0 and len(doc["trials"]) == 3
    assert doc["best"]["model"] == str(out / "best" / "model.keras")
    assert doc["best"]["value"] == doc["trials"][0]["value"]


@pytest.mark.parametrize("killed", ["before tuner0.json", "after tuner0.json", "as trial 1 began"])
def test_a_search_killed_as_a_trial_ends_continues_without_running_it_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], killed: str
) -> None:
    """At the end of a trial keras-tuner saves ``oracle.json`` with the trial ended but still
    listed as ongoing, then writes ``tuner0.json`` (the file whose presence makes it
    reload); the next trial's ``trial.json`` is written before ``oracle.json`` lists it. A
    kill in those windows, where the test above lands now and then under load, left a
    folder that the next run did not reload (it started over), reloaded with the ended trial
    queued to run again, or reloaded with the started trial never run ("running" in the
    table). The folder each kill leaves is made here from a finished search."""
    out = tmp_path / "search"
    opts = {"trials": 1, "epochs": 1, "out": out, "space": {"batch_size": "16:64"}, **TINY}
    tune("shapes", "lenet", **opts)
    tuner = out / "tuner"
    first = (tuner / "trial_0" / "history.json").read_text()
    oracle = json.loads((tuner / "oracle.json").read_text())
    (tuner / "oracle.json").write_text(json.dumps({**oracle, "ongoing_trials": {"tuner0": "0"}}))
    if killed == "before tuner0.json":
        (tuner / "tuner0.json").unlink()
    if killed == "as trial 1 began":
        started = json.loads((tuner / "trial_0" / "trial.json").read_text())
        started.update(trial_id="1", status="RUNNING", score=None, metrics={"metrics": {}})
        (tuner / "trial_1").mkdir()
        (tuner / "trial_1" / "trial.json").write_text(json.dumps(started))
    capsys.readouterr()

    result = tune("shapes", "lenet", **{**opts, "trials": 2})
    text = capsys.readouterr().out
    assert "continuing: 1 of 2 trials already run" in text, text
    assert text.count("\ntrial ") == 1 and "\ntrial 1: " in text, text
    assert [t.status for t in result.trials] == ["finished", "finished"]
    assert (tuner / "trial_0" / "history.json").read_text() == first  # not run again


def test_a_diverged_trial_is_a_row_not_a_traceback(tmp_path: Path) -> None:
    done = run_cli(
        "tune",
        "shapes",
        "lenet",
        "--trials",
        "1",
        "--epochs",
        "1",
        "--optimizer",
        "sgd",
        "--lr",
        "10",
        "--init-scale",
        "10",
        "--batch-size",
        "4",
        "--out",
        str(tmp_path / "search"),
        *FLAGS,
    )
    assert done.returncode == 1  # no trial finished: no best model
    assert "diverged" in done.stdout and "No trial finished" in done.stdout
    assert "Traceback" not in done.stderr, done.stderr


@pytest.mark.slow
def test_progress_and_best_use_the_trial_numbers_of_the_table(tmp_path: Path) -> None:
    out = str(tmp_path / "s")
    done = run_cli(
        "tune",
        "shapes",
        "lenet",
        "--trials",
        "2",
        "--epochs",
        "1",
        "--out",
        out,
        "--space",
        "batch_size=16:64",
        "--lr",
        "0.01",
        *FLAGS,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    progress = [line for line in lines if line.startswith("trial ")]
    with open(tmp_path / "s" / "trials.csv", newline="") as fh:
        ids = sorted(row["trial"] for row in csv.DictReader(fh))
    assert sorted(line.split()[1].rstrip(":") for line in progress) == ids, progress
    assert all("of 2 trials run" in line for line in progress), progress
    best = next(line for line in lines if line.startswith("Best: trial "))
    assert best.split()[2].rstrip(",") in ids
