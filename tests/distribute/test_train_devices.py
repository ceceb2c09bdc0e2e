"""One model trained on several devices or processes: the loss trajectory of one device.

Real processes (TensorFlow splits a CPU into logical devices and joins a cluster only before
it starts, so each run is a new ``kerazoo train``), real loopback sockets, real files.
"""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.processes import ROOT, run_cli

pytestmark = pytest.mark.slow

TINY = [
    "shapes",
    "lenet",
    "--data",
    "size=16",
    "--epochs",
    "2",
    "--train-size",
    "192",
    "--val-size",
    "64",
    "--test-size",
    "32",
    "--batch-size",
    "32",
]
#: One device against several: the same batches, gradients averaged over replicas; the
#: sums differ only in float rounding (measured: equal to 6 digits on 2 CPU devices).
RTOL = 1e-4


def history(run: Path) -> dict[str, list[float]]:
    with open(run / "history.csv") as f:
        rows = list(csv.DictReader(f))
    return {k: [float(r[k]) for r in rows] for k in rows[0] if k != "epoch"}


def assert_same_trajectory(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key in a:
        assert b[key] == pytest.approx(a[key], rel=RTOL), key


@pytest.fixture(scope="module")
def one_device(tmp_path_factory) -> dict[str, list[float]]:
    out = tmp_path_factory.mktemp("one") / "run"
    done = run_cli("train", *TINY, "--out", str(out))
    assert done.returncode == 0, done.stderr
    return history(out)


def free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def test_two_logical_cpu_devices_follow_one_device(tmp_path, one_device) -> None:
    out = tmp_path / "run"
    done = run_cli("train", *TINY, "--devices", "2", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "Training on 2 logical CPU devices (MirroredStrategy)" in done.stdout
    assert_same_trajectory(one_device, history(out))
    saved = json.loads((out / "run.json").read_text())
    assert saved["settings"]["devices"] == 2 and saved["status"] == "finished"


def test_two_jax_devices_follow_one_jax_device(tmp_path) -> None:
    env = {"KERAS_BACKEND": "jax"}
    runs = []
    for devices in ("1", "2"):
        out = tmp_path / f"run{devices}"
        done = run_cli("train", *TINY, "--devices", devices, "--out", str(out), env=env)
        assert done.returncode == 0, done.stderr
        runs.append(history(out))
    assert "2 JAX CPU devices (Keras DataParallel)" in done.stdout
    assert_same_trajectory(runs[0], runs[1])


def test_two_worker_processes_train_one_model_and_only_the_chief_writes(
    tmp_path, one_device
) -> None:
    ports = free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
    out, scratch = tmp_path / "run", tmp_path / "tmp"
    scratch.mkdir()
    procs = []
    for index in (1, 0):
        config = {"cluster": cluster, "task": {"type": "worker", "index": index}}
        env = {**os.environ, "TF_CONFIG": json.dumps(config), "TMPDIR": str(scratch)}
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "kerazoo", "train", *TINY, "--out", str(out)],
                cwd=ROOT,
                env=env,
                text=True,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        )
    try:
        outputs = [p.communicate(timeout=240) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    for p, (_stdout, stderr) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, stderr
    worker, chief = outputs
    assert "2 workers (MultiWorkerMirroredStrategy, TF_CONFIG; this is worker 0)" in chief[0]
    assert worker[0].strip() == ""  # the other worker trains quietly
    assert_same_trajectory(one_device, history(out))
    assert {"model.keras", "best.keras", "checkpoint.keras", "run.json"} <= {
        p.name for p in out.iterdir()
    }
    assert list(scratch.iterdir()) == []  # the worker's scratch run folder is gone
    assert all(p.poll() is not None for p in procs)


def test_a_broken_tf_config_is_refused_with_the_expected_shape(tmp_path) -> None:
    done = run_cli("train", *TINY, "--out", str(tmp_path / "run"), env={"TF_CONFIG": "{not json"})
    assert done.returncode == 2
    assert "TF_CONFIG is not a cluster description" in done.stderr
    assert '"task": {"type": "worker"' in done.stderr
    assert not (tmp_path / "run").exists()


def test_lr_find_with_several_devices_says_how(tmp_path) -> None:
    done = run_cli("train", *TINY, "--devices", "2", "--lr", "find", "--out", str(tmp_path / "run"))
    assert done.returncode == 2
    assert "--lr find runs on one device" in done.stderr and "kerazoo lr-find" in done.stderr
