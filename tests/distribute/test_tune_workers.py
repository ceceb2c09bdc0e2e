"""A search run by keras-tuner's chief and worker processes, on loopback only."""

from __future__ import annotations

import csv
import os
import re
import signal
import subprocess
import sys
import time
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
    "1",
    "--train-size",
    "96",
    "--val-size",
    "32",
    "--test-size",
    "16",
    "--batch-size",
    "32",
    "--space",
    "filters=2:8",
    "--space",
    "dense1=0:32",
    "--space",
    "dense2=0:32",
    "--space",
    "learning_rate=1e-3:1e-2",
]
TRIAL_LINE = re.compile(r"^worker (\d): trial (\d+): val_accuracy ([0-9.]+)", re.M)


def rows(path: Path) -> list[dict[str, str]]:
    with open(path) as f:
        return list(csv.DictReader(f))


def kerazoo_processes(marker: str) -> list[int]:
    """Pids of running processes whose command line holds ``marker``."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if marker in cmd and "kerazoo" in cmd:
            pids.append(int(proc.name))
    return pids


def test_chief_and_two_workers_run_every_trial_once_in_the_usual_table(tmp_path) -> None:
    out = tmp_path / "search"
    done = run_cli("tune", *TINY, "--trials", "4", "--workers", "2", "--out", str(out))
    assert done.returncode == 0, done.stderr
    ran = TRIAL_LINE.findall(done.stdout)
    assert sorted(t for _, t, _ in ran) == ["0", "1", "2", "3"]  # each trial once, none lost
    assert {w for w, _, _ in ran} <= {"1", "2"}
    assert "this worker ran" in done.stdout and "Best model:" in done.stdout
    table = rows(out / "trials.csv")
    assert sorted(r["trial"] for r in table) == ["0", "1", "2", "3"]
    assert all(r["status"] == "finished" for r in table)
    scores = {t: float(v) for _, t, v in ran}
    assert all(
        float(r["val_accuracy"]) == pytest.approx(scores[r["trial"]], abs=1e-3) for r in table
    )
    assert (out / "best" / "model.keras").is_file() and (out / "histories.csv").is_file()
    alone = tmp_path / "alone"
    single = run_cli("tune", *TINY, "--trials", "1", "--out", str(alone))
    assert single.returncode == 0, single.stderr
    assert list(rows(alone / "trials.csv")[0]) == list(table[0])  # the same columns
    port = re.search(r"Chief on 127\.0\.0\.1:(\d+)", done.stdout).group(1)
    assert kerazoo_processes(f"127.0.0.1:{port}") == []  # every worker is gone


def test_a_killed_worker_is_started_again_and_its_trial_reruns(tmp_path) -> None:
    out = tmp_path / "search"
    chief = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kerazoo",
            "tune",
            *TINY,
            "--trials",
            "3",
            "--workers",
            "2",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        port, lines = None, []
        for line in chief.stdout:
            lines.append(line)
            found = re.search(r"Chief on 127\.0\.0\.1:(\d+)", line)
            port = port or (found and found.group(1))
            if line.startswith("worker 1: searching"):
                break
        time.sleep(1.0)  # inside its first trial
        victims = [
            p
            for p in kerazoo_processes(f"127.0.0.1:{port}")
            if "--worker 1 " in Path(f"/proc/{p}/cmdline").read_text().replace("\0", " ")
        ]
        assert len(victims) == 1
        os.kill(victims[0], signal.SIGKILL)
        rest, err = chief.communicate(timeout=300)
    finally:
        if chief.poll() is None:
            chief.kill()
            chief.wait()
    stdout = "".join(lines) + rest
    assert chief.returncode == 0, err
    assert "worker 1 exited with code -9; starting it again" in err
    assert sorted(t for _, t, _ in TRIAL_LINE.findall(stdout)) == ["0", "1", "2"]
    assert all(r["status"] == "finished" for r in rows(out / "trials.csv"))
    assert kerazoo_processes(f"127.0.0.1:{port}") == []


def test_a_worker_refuses_options_of_its_own_and_says_what_it_takes(tmp_path) -> None:
    done = run_cli(
        "tune",
        "shapes",
        "lenet",
        "--worker",
        "1",
        "--oracle",
        "127.0.0.1:9",
        "--out",
        str(tmp_path),
    )
    assert done.returncode == 2
    assert "A worker takes --worker I --oracle HOST:PORT --out FOLDER" in done.stderr
    assert "DATASET, ARCH" in done.stderr


def test_a_worker_without_a_chief_search_stops_waiting(tmp_path) -> None:
    done = run_cli(
        "tune", "--worker", "1", "--oracle", "127.0.0.1:9", "--out", str(tmp_path), "--wait", "1"
    )
    assert done.returncode == 2
    assert "No search in" in done.stderr and "--chief HOST:PORT" in done.stderr


def test_chief_and_workers_together_are_refused(tmp_path) -> None:
    done = run_cli(
        "tune", *TINY, "--workers", "2", "--chief", "0.0.0.0:8000", "--out", str(tmp_path / "s")
    )
    assert done.returncode == 2 and "Give one of them" in done.stderr


def test_workers_stop_themselves_when_their_chief_is_killed(tmp_path) -> None:
    chief = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kerazoo",
            "tune",
            *TINY,
            "--trials",
            "4",
            "--workers",
            "2",
            "--out",
            str(tmp_path / "search"),
        ],
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    port = None
    for line in chief.stdout:
        found = re.search(r"Chief on 127\.0\.0\.1:(\d+)", line)
        port = port or (found and found.group(1))
        if line.startswith("worker "):
            break
    assert len(kerazoo_processes(f"127.0.0.1:{port}")) == 2
    chief.kill()
    chief.wait()
    deadline = time.monotonic() + 20
    while kerazoo_processes(f"127.0.0.1:{port}") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert kerazoo_processes(f"127.0.0.1:{port}") == []
