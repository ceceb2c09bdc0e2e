"""TensorFlow's start-up lines, whatever TF_CPP_MIN_LOG_LEVEL a user set: real processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kerazoo import save_model
from tests.cli.test_first_run import STARTUP_LINES
from tests.fixtures.processes import ROOT
from tests.fixtures.tiny_models import classifier, meta_for


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_model(classifier(), tmp_path_factory.mktemp("m") / "m.keras", meta_for())


def _run(argv: list[str], level: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    if level is not None:
        env["TF_CPP_MIN_LOG_LEVEL"] = level
    return subprocess.run(
        [sys.executable, *argv], capture_output=True, text=True, env=env, timeout=300, cwd=ROOT
    )


@pytest.mark.slow
@pytest.mark.parametrize("level", ["2", "3"])
def test_commands_hide_start_up_lines_at_log_level(level: str, saved: Path, tmp_path: Path):
    image = tmp_path / "a.png"
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(image)
    out = _run(["-m", "kerazoo", "predict", str(saved), str(image)], level)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"{image}: ")
    assert not [line for line in STARTUP_LINES if line in out.stderr], out.stderr
    assert out.stderr == "", out.stderr


# A script using the Python API: one tiny training, then several Predictors in one process.
API_SCRIPT = """
import sys
import numpy as np
import kerazoo

run = kerazoo.train("shapes", "lenet", data={"size": 16}, epochs=1, train_size=16,
                    val_size=8, test_size=8, out=sys.argv[1], verbose=0)
x = np.zeros((2, 16, 16, 1), np.uint8)
for _ in range(7):
    kerazoo.Predictor.load(run.dir / "model.keras").predict(x)
    kerazoo.Predictor(run.model, run.metadata).predict(x)
print("done")
"""


@pytest.mark.slow
@pytest.mark.parametrize("level", [None, "2"])
def test_python_api_prints_no_start_up_lines_nor_retracing(level: str | None, tmp_path: Path):
    out = _run(["-c", API_SCRIPT, str(tmp_path / "run")], level)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "done"
    assert not [line for line in STARTUP_LINES if line in out.stderr], out.stderr
    assert "retracing" not in out.stderr, out.stderr
