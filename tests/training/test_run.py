"""Training runs end to end: files on disk, reload, kill and resume, divergence, determinism."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest

import kerazoo
from tests.fixtures.processes import ROOT, run_cli, start_cli, wait_for_epoch

TINY = {"train_size": 48, "val_size": 16, "batch_size": 16, "data": {"size": 32}, "verbose": 0}
RUN_FILES = {
    "model.keras",
    "best.keras",
    "checkpoint.keras",
    "history.csv",
    "curves.png",
    "run.json",
}


def history_rows(run_dir: Path) -> list[dict[str, str]]:
    with open(run_dir / "history.csv", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.slow
def test_cli_run_writes_every_file_and_a_summary(tmp_path) -> None:
    out = tmp_path / "run"
    done = run_cli(
        "train",
        "shapes",
        "lenet",
        "--epochs",
        "2",
        "--train-size",
        "48",
        "--val-size",
        "16",
        "--batch-size",
        "16",
        "--data",
        "size=32",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    assert {p.name for p in out.iterdir()} >= RUN_FILES
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("Trained lenet on shapes for 2 epochs in ")
    assert "val_accuracy" in last and last.endswith(f"Model saved to {out / 'model.keras'}")
    assert "Epoch 1/2" in done.stdout and "Epoch 2/2" in done.stdout  # progress per epoch
    assert "Epoch 1/1" not in done.stdout
    rows = history_rows(out)
    assert [r["epoch"] for r in rows] == ["1", "2"] and "val_loss" in rows[0]
    run = json.loads((out / "run.json").read_text())
    assert run["dataset"] == {
        "name": "shapes",
        "options": run["dataset"]["options"],
        "seed": 0,
        "plugin": f"kerazoo {kerazoo.__version__}",
    }
    assert run["dataset"]["options"]["size"] == 32
    assert run["architecture"]["name"] == "lenet"
    assert run["settings"]["epochs"] == 2 and run["settings"]["optimizer"] == "adam"
    assert run["resolved"]["input"]["data_format"] == "channels_last"
    meta = kerazoo.read_metadata(out / "model.keras")
    assert meta["task"]["class_names"][:3] == ["circle", "square", "triangle"]
    assert meta["training"]["epochs"] == 2
    assert set(meta["training"]["metrics"]) >= {"loss", "val_loss", "val_accuracy"}
    from PIL import Image

    with Image.open(out / "curves.png") as im:
        assert im.format == "PNG" and im.width > 300


def test_saved_model_agrees_with_the_model_in_memory(tmp_path) -> None:
    run = kerazoo.train("shapes", "lenet", epochs=1, out=tmp_path / "r", **TINY)
    x = kerazoo.get_dataset("shapes", size=32).generate(8, seed=99).images
    loaded, meta = kerazoo.load_model(run.model_path)
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(run.model(x)), atol=1e-6)
    assert meta["training"]["metrics"] == pytest.approx(run.metrics)


def test_library_use_leaves_no_global_state_changed(tmp_path) -> None:
    policy = keras.config.dtype_policy().name
    np_state = np.random.get_state()[1].copy()
    kerazoo.train(
        "shapes", "lenet", epochs=1, out=tmp_path / "r", seed=5, deterministic=True, **TINY
    )
    assert keras.config.dtype_policy().name == policy
    assert np.array_equal(np.random.get_state()[1], np_state)
    from tensorflow.python.framework import config

    assert not config.is_op_determinism_enabled()


@pytest.mark.slow
def test_deterministic_runs_give_identical_weights(tmp_path) -> None:
    runs = [
        kerazoo.train(
            "shapes", "lenet", epochs=2, out=tmp_path / f"r{i}", seed=3, deterministic=True, **TINY
        )
        for i in range(2)
    ]
    for a, b in zip(runs[0].model.get_weights(), runs[1].model.get_weights(), strict=True):
        assert np.array_equal(a, b)


class BlowUp(keras.callbacks.Callback):
    """Sets an absurd learning rate at the start of the second epoch, once."""

    def __init__(self) -> None:
        super().__init__()
        self.fired = False

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 1 and not self.fired:
            self.fired = True
            self.model.optimizer.learning_rate.assign(1e30)


def test_divergence_stops_with_advice_and_keeps_the_last_good_checkpoint(tmp_path) -> None:
    out = tmp_path / "r"
    with pytest.raises(
        kerazoo.DivergedError,
        match=r"Training diverged in epoch 2: the loss "
        r"became (nan|inf) with learning rate 0\.01\. The last good checkpoint "
        r"\(epoch 1\) is kept in .*checkpoint\.keras\. Use a smaller learning "
        r"rate .*try learning_rate=0\.005.*lr_backoff=True",
    ):
        kerazoo.train(
            "shapes",
            "lenet",
            epochs=3,
            out=out,
            optimizer="sgd",
            learning_rate=0.01,
            callbacks=[BlowUp()],
            **TINY,
        )
    model, meta = kerazoo.load_model(out / "checkpoint.keras")
    assert meta["training"]["epochs"] == 1
    assert all(np.isfinite(w).all() for w in model.get_weights())
    assert [r["epoch"] for r in history_rows(out)] == ["1"]
    assert (out / "curves.png").is_file() and (out / "best.keras").is_file()


def test_lr_backoff_retries_from_the_checkpoint_with_half_the_rate(tmp_path) -> None:
    run = kerazoo.train(
        "shapes",
        "lenet",
        epochs=3,
        out=tmp_path / "r",
        optimizer="sgd",
        learning_rate=0.01,
        lr_backoff=True,
        callbacks=[BlowUp()],
        **TINY,
    )
    assert len(run.history["loss"]) == 3 and all(np.isfinite(run.history["loss"]))
    assert run.metadata["training"]["learning_rate"] == pytest.approx(0.005)
    doc = json.loads((run.dir / "run.json").read_text())
    assert doc["settings"]["learning_rate"] == 0.01  # what was asked, as resume checks it
    rate = doc["learning_rate"]  # what the model was trained at, and how it got there
    assert rate["used"] == pytest.approx(0.005)
    (backoff,) = rate["backoffs"]
    assert backoff["epoch"] == 2 and backoff["from"] == pytest.approx(0.01)
    assert backoff["to"] == pytest.approx(0.005) and backoff["loss"] in ("nan", "inf")
    assert backoff["restarted_from_epoch"] == 1


@pytest.mark.slow
def test_resume_after_sigkill_finishes_the_requested_epochs(tmp_path) -> None:
    out = tmp_path / "run"
    args = [
        "train",
        "shapes",
        "lenet",
        "--epochs",
        "4",
        "--train-size",
        "1024",
        "--val-size",
        "64",
        "--batch-size",
        "8",
        "--data",
        "size=32",
        "--out",
        str(out),
        "--quiet",
    ]
    proc = subprocess.Popen(
        [sys.executable, "-m", "kerazoo", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 240
    ckpt = out / "checkpoint.keras"
    while time.monotonic() < deadline and proc.poll() is None:
        if ckpt.exists() and kerazoo.read_metadata(ckpt)["training"]["epochs"] >= 1:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = kerazoo.read_metadata(ckpt)["training"]["epochs"]
    assert 1 <= killed_at < 4
    kerazoo.load_model(ckpt)  # the last good file is loadable after the kill

    done = run_cli("train", "--resume", "--out", str(out), "--quiet")
    assert done.returncode == 0, done.stderr
    assert [r["epoch"] for r in history_rows(out)] == ["1", "2", "3", "4"]
    model, meta = kerazoo.load_model(out / "model.keras")
    assert meta["training"]["epochs"] == 4


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"epoch": 3},
            kerazoo.UnknownNameError,
            r"Unknown training setting 'epoch'\. Did you mean 'epochs'\? Valid settings: epochs",
        ),
        ({"epochs": 0}, kerazoo.InvalidOptionError, r"epochs must be a positive integer, got 0"),
        ({"resume": True}, kerazoo.InvalidOptionError, r"Cannot resume .*: it has no run\.json"),
    ],
)
def test_bad_training_requests_are_clear_errors(tmp_path, kwargs, error, message) -> None:
    with pytest.raises(error, match=message):
        kerazoo.train("shapes", "lenet", out=tmp_path, **kwargs)


def test_resume_refuses_changed_settings(tmp_path) -> None:
    doc = {"settings": {"learning_rate": None, "epochs": 2}, "dataset": {}, "architecture": {}}
    (tmp_path / "run.json").write_text(json.dumps(doc))
    with pytest.raises(
        kerazoo.InvalidOptionError,
        match=r"A resumed run keeps its settings; "
        r"only epochs may change\. .* was started with learning_rate=None\.",
    ):
        kerazoo.train(None, None, out=tmp_path, resume=True, learning_rate=0.1, epochs=5)


def test_resume_on_the_command_line_refuses_a_flag_set_to_its_default(tmp_path) -> None:
    """A flag given with the default value still differs from the run's own value."""
    doc = {"settings": {"batch_size": 32, "epochs": 2}, "dataset": {}, "architecture": {}}
    (tmp_path / "run.json").write_text(json.dumps(doc))
    done = run_cli("train", "--resume", "--out", str(tmp_path), "--batch-size", "64")
    assert done.returncode == 2
    assert "A resumed run keeps its settings" in done.stderr
    assert "was started with --batch-size 32" in done.stderr


def test_resume_and_objects_need_what_they_need(tmp_path) -> None:
    with pytest.raises(
        kerazoo.InvalidOptionError,
        match=r"resume=True needs out='RUNDIR': the run to continue\.",
    ):
        kerazoo.train("shapes", "lenet", resume=True)
    with pytest.raises(
        kerazoo.InvalidOptionError,
        match=r"data= options go with a dataset "
        r"name, not a Dataset object\.",
    ):
        kerazoo.train(kerazoo.get_dataset("shapes"), "lenet", data={"size": 8}, out=tmp_path)
    with pytest.raises(
        kerazoo.InvalidOptionError,
        match=r"hp= values go with an architecture "
        r"name, not an object\.",
    ):
        kerazoo.train("shapes", kerazoo.get_architecture("lenet"), hp={"filters": 3}, out=tmp_path)
    done = run_cli("train", "--resume")
    assert done.returncode == 2
    assert "--resume needs --out RUNDIR: the run to continue." in done.stderr


def test_an_existing_run_directory_is_not_overwritten(tmp_path) -> None:
    (tmp_path / "model.keras").write_text("precious")
    done = run_cli("train", "shapes", "lenet", "--out", str(tmp_path))
    assert done.returncode == 2
    assert "already exists and is not empty. Pass --resume" in done.stderr
    assert (tmp_path / "model.keras").read_text() == "precious"
    done = run_cli("train", "shapes")
    assert done.returncode == 2 and "A new run needs a dataset and an architecture" in done.stderr


@pytest.mark.slow
def test_a_callback_can_stop_the_run_early(tmp_path) -> None:
    stop = keras.callbacks.EarlyStopping(monitor="loss", patience=1, min_delta=1e9)
    run = kerazoo.train("shapes", "lenet", epochs=5, out=tmp_path / "r", callbacks=[stop], **TINY)
    # no epoch can improve the loss by 1e9, so patience 1 stops the run after epoch 2
    assert len(run.history["loss"]) == 2
    assert kerazoo.read_metadata(run.model_path)["training"]["epochs"] == 2


def test_augmented_run_on_non_square_images(tmp_path) -> None:
    settings = {**TINY, "data": {"size": "32x24"}}
    run = kerazoo.train("shapes", "lenet", epochs=1, out=tmp_path / "r", augment=True, **settings)
    assert run.metadata["input"]["height"] == 32 and run.metadata["input"]["width"] == 24
    assert json.loads((tmp_path / "r" / "run.json").read_text())["settings"]["augment"] is True


@pytest.mark.slow
def test_a_run_prints_no_retracing_warning(tmp_path) -> None:
    done = run_cli(
        "train",
        "shapes",
        "lenet",
        "--epochs",
        "7",
        "--train-size",
        "32",
        "--val-size",
        "16",
        "--batch-size",
        "16",
        "--data",
        "size=32",
        "--out",
        str(tmp_path / "r"),
    )
    assert done.returncode == 0, done.stderr
    assert "triggered tf.function retracing" not in done.stdout + done.stderr
    assert "Epoch 7/7" in done.stdout


@pytest.mark.slow
@pytest.mark.parametrize("augment", [False, True])
def test_a_resumed_run_repeats_the_unbroken_run_exactly(tmp_path, augment) -> None:
    same = {**TINY, "seed": 4, "deterministic": True, "augment": augment}
    whole = kerazoo.train("shapes", "lenet", epochs=3, out=tmp_path / "whole", **same)
    first = kerazoo.train("shapes", "lenet", epochs=1, out=tmp_path / "cut", **same)
    assert len(first.history["loss"]) == 1
    resumed = kerazoo.train(None, None, epochs=3, out=tmp_path / "cut", resume=True, verbose=0)
    assert resumed.history == whole.history
    for a, b in zip(whole.model.get_weights(), resumed.model.get_weights(), strict=True):
        assert np.array_equal(a, b)
    assert history_rows(tmp_path / "cut") == history_rows(tmp_path / "whole")


@pytest.mark.slow
def test_a_user_callback_sees_one_training_session(tmp_path) -> None:
    class Count(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.calls: list[str] = []

        def on_train_begin(self, logs=None):
            self.calls.append("begin")

        def on_epoch_end(self, epoch, logs=None):
            self.calls.append(f"epoch {epoch}")

        def on_train_end(self, logs=None):
            self.calls.append("end")

    count = Count()
    kerazoo.train("shapes", "lenet", epochs=3, out=tmp_path / "r", callbacks=[count], **TINY)
    assert count.calls == ["begin", "epoch 0", "epoch 1", "epoch 2", "end"]


DROPOUT = {
    **TINY,
    "data": {"size": 16},
    "seed": 2,
    "deterministic": True,
    "verbose": 0,
}
DROPOUT_HP = {"blocks": 1, "filters": 4, "dense_units": 16, "dropout": 0.5}


@pytest.mark.slow
def test_a_resumed_run_with_dropout_repeats_the_unbroken_run_exactly(tmp_path) -> None:
    """Dropout's random state is part of the run: resuming draws the same masks."""
    whole = kerazoo.train(
        "shapes", "chopped_vgg", hp=DROPOUT_HP, epochs=3, out=tmp_path / "whole", **DROPOUT
    )
    kerazoo.train("shapes", "chopped_vgg", hp=DROPOUT_HP, epochs=1, out=tmp_path / "cut", **DROPOUT)
    resumed = kerazoo.train(None, None, epochs=3, out=tmp_path / "cut", resume=True, verbose=0)
    assert resumed.history == whole.history
    for a, b in zip(whole.model.get_weights(), resumed.model.get_weights(), strict=True):
        assert np.array_equal(a, b)


@pytest.mark.slow
def test_a_run_with_dropout_killed_and_resumed_repeats_the_unbroken_run(tmp_path) -> None:
    sizes = [
        "--train-size",
        "1536",
        "--val-size",
        "16",
        "--batch-size",
        "8",
        "--data",
        "size=16",
        "--seed",
        "2",
        "--deterministic",
        "--quiet",
    ]
    hps = [f"--hp={k}={v}" for k, v in DROPOUT_HP.items()]
    out = tmp_path / "killed"
    proc = start_cli(
        "train", "shapes", "chopped_vgg", "--epochs", "3", *hps, *sizes, "--out", str(out)
    )
    wait_for_epoch(proc, out)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert kerazoo.read_metadata(out / "checkpoint.keras")["training"]["epochs"] < 3
    done = run_cli("train", "--resume", "--out", str(out), "--quiet")
    assert done.returncode == 0, done.stderr
    whole = run_cli(
        "train",
        "shapes",
        "chopped_vgg",
        "--epochs",
        "3",
        *hps,
        *sizes,
        "--out",
        str(tmp_path / "whole"),
    )
    assert whole.returncode == 0, whole.stderr
    a, _ = kerazoo.load_model(out / "model.keras")
    b, _ = kerazoo.load_model(tmp_path / "whole" / "model.keras")
    for x, y in zip(a.get_weights(), b.get_weights(), strict=True):
        assert np.array_equal(x, y)
    assert history_rows(out) == history_rows(tmp_path / "whole")
