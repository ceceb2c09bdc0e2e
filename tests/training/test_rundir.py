"""The run directory under real processes: one run per folder, kills, Ctrl-C, full disks."""

from __future__ import annotations

import csv
import os
import resource
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import kerazoo
from tests.fixtures.processes import ROOT, run_cli, start_cli, wait_for_epoch

TINY = ["--train-size", "48", "--val-size", "16", "--batch-size", "16", "--data", "size=32"]
LONG = ["--train-size", "2048", "--val-size", "16", "--batch-size", "8", "--data", "size=32"]


def history_epochs(run_dir: Path) -> list[str]:
    if not (run_dir / "history.csv").exists():
        return []
    with open(run_dir / "history.csv", newline="") as fh:
        return [row["epoch"] for row in csv.DictReader(fh)]


def checkpoint_epochs(run_dir: Path) -> int:
    ckpt = run_dir / "checkpoint.keras"
    return kerazoo.read_metadata(ckpt)["training"]["epochs"] if ckpt.exists() else 0


@pytest.mark.slow
def test_a_second_run_on_a_folder_in_use_is_refused_with_the_holders_pid(tmp_path) -> None:
    out = tmp_path / "run"
    first = start_cli("train", "shapes", "lenet", "--epochs", "5", *LONG, "--out", str(out), "-q")
    try:
        wait_for_epoch(first, out)
        second = run_cli("train", "--resume", "--out", str(out), "-q")
        assert second.returncode == 2, second.stderr
        assert f"in use by another kerazoo process (pid {first.pid})" in second.stderr
        assert "Traceback" not in second.stderr
        assert first.poll() is None  # the first run goes on
    finally:
        first.kill()
        first.wait()


@pytest.mark.slow
def test_two_runs_started_together_on_one_folder_leave_one_run(tmp_path) -> None:
    out = tmp_path / "run"
    procs = [
        start_cli(
            "train",
            "shapes",
            "lenet",
            "--epochs",
            "2",
            *TINY,
            "--seed",
            str(seed),
            "--out",
            str(out),
            "-q",
        )
        for seed in (1, 2)
    ]
    done = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    assert sorted(rc for rc, _ in done) == [0, 2], done
    seed = (1, 2)[[rc for rc, _ in done].index(0)]
    run = __import__("json").loads((out / "run.json").read_text())
    assert run["settings"]["seed"] == seed
    assert kerazoo.read_metadata(out / "model.keras")["dataset"]["seed"] == seed


def test_a_resumed_run_removes_temporary_files_left_by_a_kill(tmp_path) -> None:
    out = tmp_path / "run"
    kerazoo.train(
        "shapes",
        "lenet",
        epochs=1,
        out=out,
        train_size=16,
        val_size=8,
        batch_size=8,
        data={"size": 16},
        verbose=0,
    )
    left = [
        out / ".checkpoint.keras.k2j4x9ab.tmp.keras",
        out / ".history.csv.a1b2c3d4.tmp.csv",
        out / "evaluation" / ".samples.png.x9y8z7w6.tmp.png",  # a kill while evaluating
    ]
    for path in left:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"half a file")
    kerazoo.train(None, None, epochs=2, out=out, resume=True, verbose=0)
    assert not any(path.exists() for path in left)
    assert history_epochs(out) == ["1", "2"]


def _small_files(limit: int):
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


@pytest.mark.slow
def test_a_full_disk_is_a_clear_error_and_history_agrees_with_the_checkpoint(tmp_path) -> None:
    out = tmp_path / "run"
    done = run_cli("train", "shapes", "lenet", "--epochs", "1", *TINY, "--out", str(out), "-q")
    assert done.returncode == 0, done.stderr
    # Files may grow only to a size between the weights (which loading the checkpoint
    # unpacks) and the whole checkpoint: the run resumes, then cannot save epoch 2.
    with zipfile.ZipFile(out / "checkpoint.keras") as zf:
        weights = zf.getinfo("model.weights.h5").file_size
    limit = (weights + (out / "checkpoint.keras").stat().st_size) // 2
    proc = start_cli(
        "train",
        "--resume",
        "--epochs",
        "3",
        "--out",
        str(out),
        "-q",
        preexec_fn=_small_files(limit),
    )
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 2, err
    assert "Cannot write the run files in" in err and "Traceback" not in err
    assert "keep epoch 1" in err and "--resume" in err
    assert checkpoint_epochs(out) == 1
    assert history_epochs(out) == ["1"]
    assert not list(out.glob(".*.tmp*"))
    done = run_cli("train", "--resume", "--epochs", "2", "--out", str(out), "-q")
    assert done.returncode == 0, done.stderr
    assert history_epochs(out) == ["1", "2"] and checkpoint_epochs(out) == 2


def test_an_out_folder_that_cannot_be_made_is_a_clear_error(tmp_path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("not a folder")
    done = run_cli("train", "shapes", "lenet", "--epochs", "1", *TINY, "--out", str(afile / "run"))
    assert done.returncode == 2
    assert f"Cannot write the run files in {afile / 'run'}" in done.stderr
    assert "Traceback" not in done.stderr


def drop_root_write_powers() -> None:
    """In a child process run as root: give up root's right to write where its mode bits say
    no (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), so it is refused like any other user; it
    keeps reading its own files, such as a Python installed under /root."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH; 24 is PR_CAPBSET_DROP
        if libc.prctl(24, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def test_a_read_only_out_folder_is_a_clear_error(tmp_path) -> None:
    """Also as root (CI): the command runs without the powers that let root write anywhere."""
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o500)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "kerazoo", "train", "shapes", "lenet", "--epochs", "1", *TINY]
            + ["--out", str(out)],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=ROOT,
            preexec_fn=drop_root_write_powers if os.geteuid() == 0 else None,
        )
    finally:
        out.chmod(0o700)
    assert done.returncode == 2, done.stderr
    assert f"Cannot write the run files in {out}: " in done.stderr
    assert "Permission denied. A run needs a writable --out" in done.stderr
    assert "Traceback" not in done.stderr
    assert os.listdir(out) == []


@pytest.mark.slow
def test_ctrl_c_says_how_to_resume_and_exits_130(tmp_path) -> None:
    out = tmp_path / "run"
    proc = start_cli("train", "shapes", "lenet", "--epochs", "5", *LONG, "--out", str(out), "-q")
    wait_for_epoch(proc, out)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert f"kerazoo train --resume --out {out}" in err
    assert "Traceback" not in err
    assert history_epochs(out) == [str(i) for i in range(1, checkpoint_epochs(out) + 1)]


def test_an_error_before_training_leaves_no_run_folder(tmp_path) -> None:
    out = tmp_path / "new"
    done = run_cli(
        "train", "shapes", "chopped_vgg", "--hp", "blocks=6", "--data", "size=16", "--out", str(out)
    )
    assert done.returncode == 2
    assert "too small" in done.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["shapes", "lenet", "--optimizer", "adamm"], "Invalid value 'adamm' for --optimizer"),
        (["shapes", "lenet", "--encoding", "reconstruction"], "does not support reconstruction"),
        (["shapes", "autoencoder"], "pass --encoding reconstruction"),
        (["shapes", "chopped_vgg", "--hp", "blocks=5", "--data", "size=16"], "too small"),
        (["shapes", "lenet", "--encoding", "binary"], "binary"),
    ],
)
def test_a_bad_option_is_refused_before_keras_is_imported(args, message) -> None:
    code = (
        "import sys\n"
        "from kerazoo._cli import main\n"
        f"rc = main(['train', *{args!r}])\n"
        "print(rc, 'keras' in sys.modules, 'tensorflow' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.stdout.split() == ["2", "False", "False"], done.stderr
    assert message in done.stderr
