"""How many local tuning workers start: one per trial and one per CPU core at most."""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

import pytest

from kerazoo.experiments._tune_cluster import cap_workers, usable_cores
from tests.distribute.test_tune_workers import TINY
from tests.fixtures.processes import run_cli


def test_workers_are_capped_by_trials_and_cores_with_a_warning() -> None:
    cores = usable_cores()
    assert cores == len(os.sched_getaffinity(0))
    with pytest.warns(UserWarning, match=r"^workers=500 capped to 1 worker: one per trial"):
        assert cap_workers(500, trials=1) == 1
    with pytest.warns(
        UserWarning,
        match=rf"one per usable CPU core \({cores} here\); give "
        r"allow_oversubscribe to start more",
    ):
        assert cap_workers(cores + 1, trials=1000) == cores
    with pytest.warns(UserWarning, match=r"capped to 30 workers: one per trial"):
        assert cap_workers(500, trials=30, allow_oversubscribe=True) == 30
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no cap, no warning
        assert cap_workers(cores, trials=1000) == cores
        assert cap_workers(cores + 1, trials=1000, allow_oversubscribe=True) == cores + 1


@pytest.mark.slow
def test_tune_workers_500_for_one_trial_starts_one_worker_and_says_so(tmp_path: Path) -> None:
    out = tmp_path / "search"
    done = run_cli("tune", *TINY, "--trials", "1", "--workers", "500", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert (
        "kerazoo: warning: --workers 500 capped to 1 worker: one per trial (1 in the search)"
        in done.stderr
    )
    assert set(re.findall(r"^worker (\d+): searching", done.stdout, re.M)) == {"1"}
    assert "worker 2" not in done.stdout + done.stderr
