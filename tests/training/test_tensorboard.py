"""TensorBoard event files of a run, read back with TensorBoard's own reader: the epoch
scalars and the learning rate match history.csv, on both backends, and a resumed run goes
on at the next step; --no-tensorboard writes none; without TensorFlow a run is told once."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.processes import ROOT, run_cli

TINY_FLAGS = [
    "--data",
    "size=16",
    "--train-size",
    "32",
    "--val-size",
    "16",
    "--test-size",
    "16",
    "--batch-size",
    "16",
    "-q",
]


def scalars(folder: Path) -> dict[str, list[tuple[int, float]]]:
    """tag -> [(step, value)] of every scalar in ``folder``, by TensorBoard's reader."""
    from tensorboard.backend.event_processing.plugin_event_accumulator import EventAccumulator
    from tensorboard.util import tensor_util

    acc = EventAccumulator(str(folder))
    acc.Reload()
    return {
        tag: [(e.step, float(tensor_util.make_ndarray(e.tensor_proto))) for e in acc.Tensors(tag)]
        for tag in acc.Tags()["tensors"]
    }


def history(run_dir: Path) -> dict[str, list[float]]:
    with open(run_dir / "history.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {k: [float(r[k]) for r in rows] for k in rows[0] if k != "epoch"}


def check_matches_history(run_dir: Path, epochs: int) -> None:
    train, val = (scalars(run_dir / "tensorboard" / s) for s in ("train", "validation"))
    steps = list(range(epochs))
    assert set(train) == {"epoch_loss", "epoch_accuracy", "epoch_learning_rate"}
    assert set(val) == {"epoch_loss", "epoch_accuracy"}
    for name, values in history(run_dir).items():
        shown = val[f"epoch_{name[4:]}"] if name.startswith("val_") else train[f"epoch_{name}"]
        assert [step for step, _ in shown] == steps, name  # each epoch once, from step 0
        assert [v for _, v in shown] == pytest.approx(values, rel=1e-5), name
    assert train["epoch_learning_rate"] == [(s, pytest.approx(0.001)) for s in steps]


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_train_writes_epoch_scalars_and_a_resume_goes_on(tmp_path, backend) -> None:
    out, env = tmp_path / "r", {"KERAS_BACKEND": backend}
    done = run_cli(
        "train", "shapes", "lenet", "--epochs", "1", *TINY_FLAGS, "--out", str(out), env=env
    )
    assert done.returncode == 0, done.stderr
    check_matches_history(out, 1)
    again = run_cli("train", "--resume", "--out", str(out), "--epochs", "2", "-q", env=env)
    assert again.returncode == 0, again.stderr
    check_matches_history(out, 2)
    assert json.loads((out / "run.json").read_text())["tensorboard"] == {
        "written": True,
        "dir": "tensorboard",
    }


@pytest.mark.slow
def test_no_tensorboard_writes_none_and_says_so(tmp_path) -> None:
    out = tmp_path / "r"
    done = run_cli(
        "train",
        "shapes",
        "lenet",
        "--epochs",
        "1",
        "--no-tensorboard",
        *TINY_FLAGS,
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    assert (out / "model.keras").is_file() and not (out / "tensorboard").exists()
    said = json.loads((out / "run.json").read_text())["tensorboard"]
    assert said == {"written": False, "why": "turned off (--no-tensorboard)"}


def test_train_help_shows_the_switch() -> None:
    done = run_cli("train", "--help")
    assert "--tensorboard, --no-tensorboard" in done.stdout
    assert "RUN/tensorboard" in done.stdout


def test_the_callback_does_nothing_per_batch(tmp_path) -> None:
    """Keras' TensorBoard runs TensorFlow ops on every batch, and its batch-end hook makes
    Keras run the callbacks in step with the training (JAX's steps then wait); the run's
    keeps Keras' own no-op batch hooks, and writes only at the end of an epoch."""
    import keras

    from kerazoo.training._tensorboard import EpochTensorBoard

    callback = EpochTensorBoard(tmp_path / "tensorboard")
    for hook in ("on_train_batch_begin", "on_train_batch_end", "on_test_batch_begin"):
        assert getattr(type(callback), hook) is getattr(keras.callbacks.Callback, hook), hook
        assert getattr(keras.callbacks.TensorBoard, hook) is not getattr(
            keras.callbacks.Callback, hook
        )  # still Keras' reason for this
    assert callback.update_freq == "epoch" and not callback.histogram_freq
    assert not callback.write_graph


_NO_TENSORFLOW = """
import sys, warnings
sys.modules["tensorflow"] = None  # as on a JAX-only install
from kerazoo.training._tensorboard import tensorboard_callbacks, tensorboard_record
warnings.simplefilter("default")  # Python's own: a warning once per place
for _ in range(3):
    assert tensorboard_callbacks("run") == []
print(tensorboard_record(True)["why"])
"""


def test_without_tensorflow_a_run_is_told_once_and_run_json_says_why() -> None:
    env = {
        **os.environ,
        "KERAS_BACKEND": "jax",
        "PYTHONPATH": f"{ROOT}:{os.environ.get('PYTHONPATH', '')}",
    }
    done = subprocess.run(
        [sys.executable, "-c", _NO_TENSORFLOW], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("UserWarning: TensorBoard event files are not written") == 1
    assert "tensorflow is not installed (pip install tensorflow" in done.stdout
    assert "--no-tensorboard" in done.stdout


def test_without_the_tensorboard_package_a_run_trains_and_says_why(tmp_path) -> None:
    # tf.summary.scalar lives in the tensorboard package: without it TensorFlow raises
    code = _NO_TENSORFLOW.replace('"tensorflow"] = None', '"tensorboard"] = None')
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": f"{ROOT}:{os.environ.get('PYTHONPATH', '')}"},
    )
    assert done.returncode == 0, done.stderr
    assert "tensorboard is not installed (pip install tensorboard" in done.stdout
