"""A shipped model is used as any saved model is: ``zoo:NAME`` wherever a MODEL goes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

import kerazoo
from tests.fixtures.processes import run_cli


def _cli_in(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """The kerazoo command run in ``cwd`` (where a zoo model's default outputs go)."""
    return subprocess.run(
        [sys.executable, "-m", "kerazoo", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "MPLBACKEND": "Agg"},
        timeout=300,
    )


def _square(path: Path) -> Path:
    pixels = np.zeros((32, 32), np.uint8)
    pixels[8:24, 8:24] = 255
    Image.fromarray(pixels).save(path)
    return path


def test_predictor_and_load_model_take_a_zoo_name(tmp_path: Path) -> None:
    predictor = kerazoo.Predictor.load("zoo:lenet-shapes")
    assert predictor.class_names == ("circle", "square", "triangle")
    [result] = predictor.predict(str(_square(tmp_path / "square.png")))
    assert result.label == "square"
    model, meta = kerazoo.load_model("zoo:counter-quads-circles-1-20", compile=False)
    assert meta["task"]["kind"] == "regression" and model.count_params() > 0


def test_predict_prints_a_label(tmp_path: Path) -> None:
    out = run_cli("predict", "zoo:lenet-shapes", str(_square(tmp_path / "square.png")))
    assert out.returncode == 0, out.stderr
    assert "square" in out.stdout


def test_look_maps_on_a_zoo_model_needs_no_training(tmp_path: Path) -> None:
    out = _cli_in(tmp_path, "look", "maps", "zoo:lenet-shapes", "--out", "m.png")
    assert out.returncode == 0, out.stderr
    pictures = sorted(p.name for p in tmp_path.rglob("*.png"))
    assert pictures and all(p.startswith("m") for p in pictures), pictures
    assert Image.open(next(tmp_path.rglob("m*.png"))).size[0] > 100


def test_outputs_never_go_into_the_installed_entry(tmp_path: Path) -> None:
    """evaluate and look write to zoo-NAME/ in the current folder by default, and say so."""
    folder = kerazoo.get_zoo("lenet-traffic-lights").folder
    before = sorted(p.name for p in folder.iterdir())
    out = _cli_in(tmp_path, "evaluate", "zoo:lenet-traffic-lights", "-n", "20", "--top", "4")
    assert out.returncode == 0, out.stderr
    assert "zoo-lenet-traffic-lights/evaluation-own" in out.stdout
    assert (tmp_path / "zoo-lenet-traffic-lights/evaluation-own/metrics.json").is_file()
    report = _cli_in(tmp_path, "report", "zoo:lenet-traffic-lights")
    assert report.returncode == 0, report.stderr
    assert (tmp_path / "zoo-lenet-traffic-lights/report.html").is_file()
    assert sorted(p.name for p in folder.iterdir()) == before


def test_zoo_get_makes_a_run_folder_report_and_look_accept(tmp_path: Path) -> None:
    run = tmp_path / "lights"
    out = run_cli("zoo", "get", "lenet-traffic-lights", "--out", str(run))
    assert out.returncode == 0, out.stderr
    for name in ("model.keras", "run.json", "history.csv", "card.json", "report.html"):
        assert (run / name).is_file(), out.stdout
    assert json.loads((run / "evaluation/metrics.json").read_text())["metrics"]["accuracy"] > 0.9
    assert "evaluation/metrics.json" in out.stdout
    report = run_cli("report", str(run))
    assert report.returncode == 0, report.stderr
    look = run_cli("look", "maps", str(run), "--out", str(tmp_path / "maps.png"))
    assert look.returncode == 0, look.stderr


def test_zoo_get_refuses_a_folder_that_holds_files(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("mine")
    with __import__("pytest").raises(kerazoo.OutputError, match="is not an empty folder"):
        kerazoo.fetch_zoo("lenet-shapes", tmp_path)
