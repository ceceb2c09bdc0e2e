"""`kerazoo.experiments._tune`: searches at tiny sizes, their tables, and the best model."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kerazoo._cli import main
from kerazoo._errors import IncompatibleError, InvalidOptionError, UnknownNameError
from kerazoo.experiments._tune import tune
from kerazoo.experiments._tune_results import TrialResult, sort_trials
from kerazoo.training._settings import SETTINGS

TINY = {"data": {"size": 16}, "epochs": 1, "train_size": 128, "val_size": 32, "test_size": 32}


@pytest.fixture(scope="module")
def search(tmp_path_factory: pytest.TempPathFactory):
    """3 random trials of lenet on 16x16 shapes; filters and the learning rate fixed."""
    out = tmp_path_factory.mktemp("tune") / "search"
    return tune(
        "shapes",
        "lenet",
        trials=3,
        out=out,
        hp={"filters": 4},
        learning_rate=0.01,
        space={"batch_size": "16:64"},
        verbose=False,
        **TINY,
    )


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_table_is_sorted_and_holds_every_value(search) -> None:
    rows = _rows(search.dir / "trials.csv")
    assert len(rows) == 3 and {r["status"] for r in rows} == {"finished"}
    values = [float(r["val_accuracy"]) for r in rows]
    assert values == sorted(values, reverse=True)
    # every architecture hyperparameter and every searched setting is a column
    from kerazoo import get_architecture

    names = set(type(get_architecture("lenet")).hyperparameters)
    names |= {n for n, p in SETTINGS.items() if p.tune}
    assert names <= set(rows[0]) and {"trial", "epochs", "seconds"} <= set(rows[0])
    assert all(float(r["seconds"]) > 0 and r["epochs"] == "1" for r in rows)


def test_json_and_histories_hold_each_trials_epochs(search) -> None:
    doc = json.loads((search.dir / "trials.json").read_text())
    assert doc["objective"] == "val_accuracy" and doc["direction"] == "max"
    assert [t["trial"] for t in doc["trials"]] == [t.trial for t in search.trials]
    for t in doc["trials"]:
        assert set(t["history"]) >= {"loss", "val_loss", "accuracy", "val_accuracy"}
        assert len(t["history"]["val_accuracy"]) == 1
        assert t["objective"] == max(t["history"]["val_accuracy"])
    rows = _rows(search.dir / "histories.csv")
    assert len(rows) == 3 and {r["epoch"] for r in rows} == {"1"}


def test_fixed_values_stay_fixed(search) -> None:
    assert search.fixed == {"filters": 4, "learning_rate": 0.01}
    assert "filters" not in search.searched and "learning_rate" not in search.searched
    assert "optimizer" in search.searched and "filters2" in search.searched
    for t in search.trials:
        assert t.hyperparameters["filters"] == 4 and t.hyperparameters["learning_rate"] == 0.01
        assert 16 <= t.hyperparameters["batch_size"] <= 64
        assert 0.5 <= t.hyperparameters["init_scale"] <= 2.0  # the default search range
    meta = json.loads((search.best_dir / "run.json").read_text())
    assert meta["architecture"]["hyperparameters"]["filters"] == 4
    assert meta["settings"]["learning_rate"] == 0.01


def test_the_best_model_is_an_ordinary_run(search, tmp_path: Path, capsys) -> None:
    best = search.best
    assert search.model_path == search.dir / "best" / "model.keras"
    run = json.loads((search.best_dir / "run.json").read_text())
    assert run["status"] == "finished" and run["tune"]["trial"] == best.trial
    assert set(run["test"]) >= {"accuracy", "cross_entropy"} and run["test"] == search.test
    assert (search.best_dir / "evaluation" / "metrics.json").is_file()
    for name, value in best.hyperparameters.items():  # the best trial's values, as saved
        where = run["architecture"]["hyperparameters"] | run["settings"]
        assert where[name] == value, name
    image = tmp_path / "x.png"
    Image.fromarray(np.zeros((16, 16), np.uint8)).save(image)
    capsys.readouterr()
    assert main(["predict", str(search.best_dir), str(image)]) == 0
    assert capsys.readouterr().out.split()[1] in ("circle", "square", "triangle")
    assert main(["inspect", str(search.best_dir)]) == 0
    assert "lenet(filters=4" in capsys.readouterr().out
    assert main(["evaluate", str(search.best_dir), "-n", "16", "--out", str(tmp_path / "e")]) == 0


def test_the_best_model_holds_the_best_epoch(search) -> None:
    from kerazoo import load_model
    from kerazoo.data._batches import make_batches

    model, info = load_model(search.model_path)
    assert info["training"]["best"]["value"] == search.best.objective
    ds = __import__("kerazoo").get_dataset("shapes", size=16)
    val = ds.split(128, 32, 32, seed=0).val
    _, accuracy = model.evaluate(make_batches(val, info, 32, shuffle=False), verbose=0)
    assert accuracy == pytest.approx(search.best.objective)


def test_each_trial_keeps_its_checkpoint(search) -> None:
    from kerazoo.experiments._tune_best import CHECKPOINT

    assert all(
        (search.dir / "tuner" / f"trial_{t.trial}" / CHECKPOINT).is_file() for t in search.trials
    )


_TUNE_WITHOUT_TENSORBOARD = """
import sys
sys.modules["tensorboard"] = None  # as if removed: any import of it fails
from kerazoo.experiments._tune import tune
tiny = {"data": {"size": 16}, "epochs": 1, "train_size": 64, "val_size": 32, "test_size": 0}
found = tune("shapes", "lenet", trials=1, out=sys.argv[1], hp={"filters": 4}, verbose=False, **tiny)
print("trials", [(t.status, t.message) for t in found.trials])
"""


@pytest.mark.slow
def test_no_tensorboard_needed(tmp_path) -> None:
    import subprocess

    import keras_tuner

    # the keras-tuner hook kerazoo narrows: it imports tensorboard on every trial
    assert callable(keras_tuner.Tuner._configure_tensorboard_dir)
    done = subprocess.run(
        [sys.executable, "-c", _TUNE_WITHOUT_TENSORBOARD, str(tmp_path / "search")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "trials [('finished', '')]" in done.stdout, done.stdout  # not 'failed'


def test_same_folder_continues_and_refuses_another_search(search) -> None:
    again = tune(
        "shapes",
        "lenet",
        trials=3,
        out=search.dir,
        hp={"filters": 4},
        learning_rate=0.01,
        space={"batch_size": "16:64"},
        verbose=False,
        **TINY,
    )
    assert [(t.trial, t.seconds) for t in again.trials] == [
        (t.trial, t.seconds) for t in search.trials
    ]  # nothing ran again
    with pytest.raises(
        InvalidOptionError, match=r"another search: learning_rate was 0.01, now 0.02"
    ):
        tune(
            "shapes",
            "lenet",
            trials=3,
            out=search.dir,
            hp={"filters": 4},
            learning_rate=0.02,
            space={"batch_size": "16:64"},
            verbose=False,
            **TINY,
        )
    with pytest.raises(InvalidOptionError, match=r"holds no search \(no tune.json\)"):
        tune("shapes", "lenet", out=search.best_dir, **TINY)


def test_unknown_names_and_bad_values_are_clear_errors(tmp_path: Path) -> None:
    out = tmp_path / "never"
    with pytest.raises(UnknownNameError, match=r"'filtrs'.*Did you mean 'filters'"):
        tune("shapes", "lenet", hp={"filtrs": 4}, out=out, **TINY)
    with pytest.raises(UnknownNameError, match=r"Did you mean 'learning_rate'.*Searchable"):
        tune("shapes", "lenet", space={"learnig_rate": "1e-3:1e-1"}, out=out, **TINY)
    with pytest.raises(InvalidOptionError, match=r"filters is both fixed and searched"):
        tune("shapes", "lenet", hp={"filters": 4}, space={"filters": "2:8"}, out=out, **TINY)
    with pytest.raises(InvalidOptionError, match=r"Invalid --space learning_rate=0:1"):
        tune("shapes", "lenet", space={"learning_rate": "0:1"}, out=out, **TINY)
    with pytest.raises(InvalidOptionError, match=r"Unknown tuner 'grid'.*random, bayesian"):
        tune("shapes", "lenet", tuner="grid", out=out, **TINY)
    with pytest.raises(InvalidOptionError, match=r"Unknown objective 'val_mae'"):
        tune("shapes", "lenet", objective="val_mae", out=out, **TINY)
    with pytest.raises(InvalidOptionError, match=r"'find'.*Leave learning_rate out"):
        tune("shapes", "lenet", learning_rate="find", out=out, **TINY)
    with pytest.raises(IncompatibleError, match=r"too small"):
        tune("shapes", "chopped_vgg", hp={"blocks": 5}, out=out, **TINY)
    assert not out.exists()


def test_the_command_line_names_flags_in_errors(capsys) -> None:
    code = main(["tune", "shapes", "lenet", "--hp", "filtrs=4", "--data", "size=16"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("kerazoo tune: error: Unknown hyperparameter 'filtrs'")
    assert "Did you mean 'filters' or 'filters2'?" in err


def test_failed_trials_sort_last() -> None:
    def trial(i: str, value: float | None, status: str = "finished") -> TrialResult:
        return TrialResult(i, {}, value, 1, 1.0, status)

    trials = [
        trial("0", None, "diverged"),
        trial("1", 0.5),
        trial("2", 0.9),
        trial("3", 0.5),
        trial("10", None, "invalid"),
    ]
    assert [t.trial for t in sort_trials(trials, "max")] == ["2", "1", "3", "0", "10"]
    assert [t.trial for t in sort_trials(trials, "min")] == ["1", "3", "2", "0", "10"]


def test_each_trial_is_its_own_run_value(search) -> None:
    """The search's hypermodel gives each trial's run (settings, architecture, the search's
    splits) through ``trial_run``; building another trial's model changes none of them."""
    from kerazoo.experiments._tune import make_search_tuner
    from kerazoo.experiments._tune_worker import search_from_request

    request = json.loads((search.dir / "tune.json").read_text())
    ds, plan, how = search_from_request(request)
    tuner = make_search_tuner(search.dir, ds, plan, how, None)
    trials = [tuner.oracle.get_trial(t.trial) for t in search.trials]
    runs = {t.trial_id: tuner.hypermodel.trial_run(t.hyperparameters) for t in trials}
    tuner.hypermodel.build(trials[-1].hyperparameters)
    for trial in trials:
        run, values = runs[trial.trial_id], trial.hyperparameters.values
        assert run.settings["batch_size"] == values["batch_size"]
        assert run.settings["optimizer"] == values["optimizer"]
        assert run.architecture.config["filters2"] == values["filters2"]
        assert (run.settings["train_size"], run.settings["test_size"]) == (128, 32)
        assert len(run.splits.train) == 128 and run.dir == search.dir
