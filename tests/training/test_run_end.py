"""How a run ends: a held-out test evaluation, a status in run.json, ``--json``, and the
sizes and resume checks a first run trips over."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import keras
import pytest

import kerazoo
from tests.fixtures.processes import run_cli, start_cli, wait_for_epoch

TINY = {"train_size": 48, "val_size": 16, "batch_size": 16, "data": {"size": 32}, "verbose": 0}
SMALL_FLAGS = ["--data", "size=32", "--batch-size", "16", "--train-size", "48", "--val-size", "16"]


def run_json(run_dir: Path) -> dict:
    return json.loads((run_dir / "run.json").read_text())


def test_a_finished_run_is_evaluated_on_a_held_out_test_split(tmp_path) -> None:
    run = kerazoo.train("shapes", "lenet", epochs=1, out=tmp_path / "r", test_size=24, **TINY)
    doc = run_json(run.dir)
    assert doc["status"] == "finished" and doc["ended"]
    assert doc["settings"]["test_size"] == 24
    assert set(run.test) >= {"accuracy", "cross_entropy"} and doc["test"] == run.test
    metrics = json.loads((run.dir / "evaluation" / "metrics.json").read_text())
    assert metrics["split"] == "test" and metrics["n"] == 24
    assert metrics["metrics"]["accuracy"] == pytest.approx(run.test["accuracy"])
    for name in metrics["pictures"].values():
        assert (run.dir / "evaluation" / name).is_file()
    # the test images are none of the training or validation images
    splits = kerazoo.get_dataset("shapes", size=32).split(48, 16, 24, seed=0)
    seen = {im.tobytes() for im in (*splits.train.images, *splits.val.images)}
    assert not any(im.tobytes() in seen for im in splits.test.images)


def test_the_test_split_defaults_to_the_validation_size_and_zero_turns_it_off(tmp_path) -> None:
    run = kerazoo.train("shapes", "lenet", epochs=1, out=tmp_path / "a", **TINY)
    assert run_json(run.dir)["settings"]["test_size"] == 16 and run.test
    run = kerazoo.train("shapes", "lenet", epochs=1, out=tmp_path / "b", test_size=0, **TINY)
    assert run.test == {} and not (run.dir / "evaluation").exists()
    assert run_json(run.dir)["status"] == "finished"


class BlowUp(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None) -> None:
        self.model.optimizer.learning_rate.assign(1e30)


class Interrupt(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None) -> None:
        raise KeyboardInterrupt("stopped by the test")


@pytest.mark.parametrize(
    ("callback", "error", "message", "status"),
    [
        (
            BlowUp,
            kerazoo.DivergedError,
            r"Training diverged in epoch 1: the loss became",
            "diverged",
        ),
        (Interrupt, KeyboardInterrupt, "stopped by the test", "interrupted"),
    ],
)
def test_run_json_says_how_a_run_ended(tmp_path, callback, error, message, status) -> None:
    out = tmp_path / "r"
    with pytest.raises(error, match=message):
        kerazoo.train(
            "shapes", "lenet", epochs=3, out=out, optimizer="sgd", callbacks=[callback()], **TINY
        )
    assert run_json(out)["status"] == status


@pytest.mark.slow
def test_sigterm_interrupts_a_cli_run_which_resumes_and_finishes(tmp_path) -> None:
    out = tmp_path / "run"
    proc = start_cli(
        "train",
        "shapes",
        "lenet",
        "--epochs",
        "3",
        *SMALL_FLAGS[:4],
        "--train-size",
        "1024",
        "--val-size",
        "32",
        "--out",
        str(out),
    )
    wait_for_epoch(proc, out, 1)
    assert run_json(out)["status"] == "running"
    os.kill(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted" in err and f"kerazoo train --resume --out {out}" in err
    assert run_json(out)["status"] == "interrupted"
    done = run_cli("train", "--resume", "--out", str(out), "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["status"] == "finished" and summary["epochs"] == 3
    assert run_json(out)["status"] == "finished"


def test_train_json_prints_one_object_with_status_and_test_metrics(tmp_path) -> None:
    out = tmp_path / "r"
    done = run_cli(
        "train", "shapes", "lenet", "--epochs", "1", *SMALL_FLAGS, "--out", str(out), "--json"
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)  # nothing but the object on stdout
    assert summary["status"] == "finished" and summary["dir"] == str(out)
    assert summary["model"] == str(out / "model.keras") and summary["epochs"] == 1
    assert set(summary["test"]) >= {"accuracy", "cross_entropy"}
    assert "val_accuracy" in summary["metrics"]
    assert summary["baseline"] == run_json(out)["baseline"]  # the test against the trivial one
    assert summary["baseline"]["metric"] == "accuracy"


def test_resume_refuses_another_dataset_architecture_or_option(tmp_path) -> None:
    out = tmp_path / "r"
    kerazoo.train("shapes", "lenet", epochs=1, out=out, **TINY)
    for args, said in [
        (["circles", "lenet"], r"dataset 'circles' \(the run trains 'shapes'\)"),
        (["shapes", "chopped_vgg"], r"architecture 'chopped_vgg' \(the run trains 'lenet'\)"),
        (["--data", "size=64"], r"--data size=64 \(the run has size=32\)"),
    ]:
        done = run_cli("train", *args, "--resume", "--out", str(out), "--epochs", "2")
        assert done.returncode == 2
        assert "--resume continues the run" in done.stderr
        assert __import__("re").search(said, done.stderr), done.stderr
    done = run_cli(
        "train", "shapes", "lenet", "--resume", "--out", str(out), "--epochs", "2", "--quiet"
    )
    assert done.returncode == 0, done.stderr  # the same names are fine


@pytest.fixture(scope="module")
def lights(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("lights")
    done = run_cli("data", "export", "traffic_lights", str(folder), "--n", "60")
    assert done.returncode == 0, done.stderr
    return folder


def test_a_folder_run_sizes_its_splits_from_what_the_folder_holds(tmp_path, lights) -> None:
    run = kerazoo.train(
        "folder",
        "lenet",
        data={"path": str(lights), "size": "27x11"},
        epochs=1,
        batch_size=16,
        out=tmp_path / "r",
        verbose=0,
    )
    settings = run_json(run.dir)["settings"]
    assert (settings["train_size"], settings["val_size"], settings["test_size"]) == (42, 9, 9)
    assert run.test


def test_a_folder_too_small_for_the_sizes_names_the_flags(tmp_path, lights) -> None:
    done = run_cli(
        "train",
        "folder",
        "lenet",
        "--data",
        f"path={lights}",
        "--data",
        "size=27x11",
        "--train-size",
        "1000",
        "--out",
        str(tmp_path / "r"),
    )
    assert done.returncode == 2
    assert "The dataset holds 60 images: too few for 1000 training" in done.stderr
    assert "--train-size, --val-size and --test-size" in done.stderr
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    ("given", "available", "sizes"),
    [
        ((None, None, None), None, (4000, 1000, 1000)),
        ((None, 50, None), None, (4000, 50, 50)),
        ((None, None, None), 1000, (700, 150, 150)),
        ((500, None, None), 1000, (500, 250, 250)),
        ((None, None, 0), 100, (83, 17, 0)),
        ((10, 5, 5), 20, (10, 5, 5)),
    ],
)
def test_split_sizes(given, available, sizes) -> None:
    from kerazoo.training._sizes import split_sizes

    cfg = dict(zip(("train_size", "val_size", "test_size"), given, strict=True))
    assert split_sizes(cfg, available) == sizes


def test_split_sizes_refuse_a_folder_too_small_to_split() -> None:
    from kerazoo.training._sizes import split_sizes

    with pytest.raises(kerazoo.DataError, match=r"holds 2 images: split as 2 training \+ 0 "):
        split_sizes({"train_size": None, "val_size": None, "test_size": None}, 2)


def test_lr_find_trains_with_the_finders_suggestion(tmp_path) -> None:
    run = kerazoo.train(
        "shapes", "lenet", epochs=1, out=tmp_path / "r", learning_rate="find", **TINY
    )
    found = run_json(run.dir)["lr_find"]
    assert run_json(run.dir)["settings"]["learning_rate"] == "find"
    assert 1e-7 < found["suggestion"] < 10
    assert run.metadata["training"]["learning_rate"] == pytest.approx(found["suggestion"])
    assert (run.dir / "lr_find.png").is_file()
    assert "Learning-rate finder" in (run.dir / "report.html").read_text()


def test_lr_takes_a_number_or_find() -> None:
    with pytest.raises(kerazoo.InvalidOptionError, match=r"expected a number or 'find'"):
        kerazoo.train("shapes", "lenet", learning_rate="fast", **TINY)


def test_resume_extends_a_run_to_exactly_the_default_epochs(tmp_path) -> None:
    kerazoo.train("shapes", "lenet", epochs=1, out=tmp_path / "r", test_size=0, **TINY)
    run = kerazoo.train(None, None, resume=True, out=tmp_path / "r", epochs=5, verbose=0)
    assert len(run.history["loss"]) == 5
    run = kerazoo.train(None, None, resume=True, out=tmp_path / "r", verbose=0)
    assert len(run.history["loss"]) == 5  # epochs not given: the run's own
