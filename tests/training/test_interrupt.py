"""Ctrl-C and SIGTERM stop the command within seconds, every time: real processes, real signals."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fixtures.processes import ROOT, TIMED, run_cli, start_cli

pytestmark = TIMED  # each signal must be answered within 15 s: see TIMED

# A finalizer that is running when the signal arrives: Python cannot raise the
# KeyboardInterrupt out of it ("Exception ignored in ..."), as happens in TensorFlow's and
# XLA's garbage-collection callbacks during training.
LOST_IN_A_FINALIZER = """
import os, signal, sys, time
from kerazoo._cli.options import sigterm_interrupts

class Finalized:
    def __del__(self):
        os.kill(os.getpid(), SIGNAL)
        while True:  # the handler runs here, inside __del__
            pass

for attempt in range(3):
    with sigterm_interrupts():
        try:
            Finalized()
            start = time.monotonic()
            while time.monotonic() - start < 30:
                pass
            print("went on", flush=True)
        except KeyboardInterrupt:
            print("stopped", flush=True)
"""


@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM"])
def test_an_interrupt_raised_inside_a_finalizer_is_not_lost(name: str) -> None:
    script = LOST_IN_A_FINALIZER.replace("SIGNAL", f"signal.{name}")
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert out.stdout.split() == ["stopped"] * 3, out.stdout + out.stderr
    assert "Exception ignored" not in out.stderr and "Traceback" not in out.stderr, out.stderr


TUNE = [
    "tune",
    "shapes",
    "lenet",
    "--data",
    "size=16",
    "--epochs",
    "4",
    "--train-size",
    "64",
    "--val-size",
    "16",
    "--test-size",
    "16",
    "--batch-size",
    "16",
    "--trials",
    "2",
]


def _wait_for(proc: subprocess.Popen, text: str) -> None:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        line = proc.stdout.readline()
        if text in line:
            return
    raise AssertionError(f"no {text!r} line while the command ran")


@pytest.mark.slow
def test_ctrl_c_stops_a_one_process_tune_every_time_and_the_search_resumes(
    tmp_path: Path,
) -> None:
    argv = [*TUNE, "--out", str(tmp_path / "search")]
    # during start-up (Python and TensorFlow importing), then twice inside a trial
    for wait_for, delay in ((None, 1.0), ("Searched:", 0.5), ("Searched:", 2.0)):
        proc = start_cli(*argv)
        if wait_for:
            _wait_for(proc, wait_for)
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        sent = time.monotonic()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise AssertionError("still running 15 s after Ctrl-C") from None
        err = proc.stderr.read()
        assert time.monotonic() - sent < 15
        assert proc.returncode == 130, err
        assert "interrupted" in err and "Traceback" not in err, err
        assert "Exception ignored" not in err, err
    done = run_cli(*argv)  # the same command continues the search
    assert done.returncode == 0, done.stderr
    with open(tmp_path / "search" / "trials.csv") as f:
        table = list(csv.DictReader(f))
    assert sorted(r["status"] for r in table) == ["finished", "finished"]


def _worker_pids(out: Path) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            cmd = (proc / "cmdline").read_bytes() if proc.name.isdigit() else b""
        except OSError:
            continue
        if b"--worker\0" in cmd and str(out).encode() in cmd:
            pids.append(int(proc.name))
    return pids


@pytest.mark.slow
def test_sigterm_to_a_tune_worker_stops_it_in_one_line_every_time(tmp_path: Path) -> None:
    out = tmp_path / "search"
    chief = start_cli(*TUNE[:-1], "1", "--epochs", "30", "--workers", "1", "--out", str(out))
    for attempt in (1, 2):  # the chief starts the stopped worker again, twice at most
        _wait_for(chief, "worker 1: searching")
        time.sleep(1.0)
        (pid,) = _worker_pids(out)
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        while pid in _worker_pids(out):
            assert time.monotonic() < deadline, (
                f"worker still running 15 s after SIGTERM ({attempt})"
            )
            time.sleep(0.1)
    chief.wait(timeout=300)
    err = chief.stderr.read()
    assert chief.returncode == 0, err
    assert err.count("kerazoo tune: worker 1 interrupted; start it again") == 2, err
    assert "Traceback" not in err and "Exception ignored" not in err, err
