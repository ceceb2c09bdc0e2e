"""``kerazoo evaluate`` in a child process: the table, the files, --json, the errors."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.fixtures.processes import run_cli


def test_shifted_data_as_json_only_on_stdout(shapes_run) -> None:
    proc = run_cli(
        "evaluate", str(shapes_run), "shapes", "--data", "noise=0.3", "-n", "60", "--json"
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["label"] == "shapes(noise=0.3)" and data["n"] == 60
    assert data["reference"]["label"] == "shapes(size=32)"
    out = shapes_run / "evaluation-shapes-noise=0.3"  # the default: beside the model
    assert json.loads((out / "metrics.json").read_text()) == data
    assert (out / "reference" / "confusion.png").is_file()


def test_the_table_and_the_files_written(shapes_run, tmp_path) -> None:
    proc = run_cli(
        "evaluate",
        str(shapes_run / "model.keras"),
        "-n",
        "40",
        "--out",
        str(tmp_path / "ev"),
        "--top",
        "4",
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "classification on 40 images of shapes(size=32) (fresh split)"
    assert any(line.split()[:1] == ["accuracy"] for line in lines)
    assert "per class" in lines
    assert f"wrote 4 files to {tmp_path / 'ev'}/:" in proc.stdout
    assert "  confusion.png" in lines and "  top_losses.png" in lines


def test_errors_speak_in_flags(shapes_run, tmp_path) -> None:
    proc = run_cli("evaluate", str(shapes_run), "shapes", "--data", "size=64", "-n", "5")
    assert proc.returncode == 2
    assert "kerazoo evaluate: error: dataset 'shapes' makes 64x64x1 images" in proc.stderr
    assert "Pass --data size=32." in proc.stderr
    proc = run_cli("evaluate", str(shapes_run), str(tmp_path), "-n", "5")
    assert proc.returncode == 2 and "has no class sub-folders" in proc.stderr


def test_shifted_images_get_one_warning_saying_what_differs(shapes_run, tmp_path) -> None:
    proc = run_cli(
        "evaluate",
        str(shapes_run),
        "shapes",
        "--data",
        "foreground=0",
        "--data",
        "background=255",
        "-n",
        "40",
        "--out",
        str(tmp_path / "e"),
    )
    assert proc.returncode == 0, proc.stderr
    warned = [line for line in proc.stderr.splitlines() if line.startswith("kerazoo: warning:")]
    assert len(warned) == 1, proc.stderr
    assert "evaluate: these images do not look like the ones the model was trained on" in warned[0]
    assert "dark on a light background" in warned[0]
    proc = run_cli("evaluate", str(shapes_run), "-n", "40", "--out", str(tmp_path / "own"))
    assert proc.returncode == 0 and "warning" not in proc.stderr, proc.stderr


def test_an_unfinished_run_folder_is_evaluated_from_its_best_model(shapes_run, tmp_path) -> None:
    run = tmp_path / "run"  # a run still training: run.json and best.keras, no model.keras
    run.mkdir()
    shutil.copy(shapes_run / "run.json", run / "run.json")
    shutil.copy(shapes_run / "model.keras", run / "best.keras")
    proc = run_cli("evaluate", str(run), "-n", "20", "--top", "4")
    assert proc.returncode == 0, proc.stderr
    assert "SavedModel" not in proc.stderr
    assert f"note: '{run}' has no model.keras (the run has not finished): using best.keras" in (
        proc.stderr
    )
    assert (run / "evaluation-own" / "metrics.json").is_file()
    assert proc.stdout.startswith("classification on 20 images of shapes(size=32)")


def test_other_options_get_their_own_folder_and_the_report_shows_each(shapes_run, tmp_path) -> None:
    run = tmp_path / "run"
    shutil.copytree(shapes_run, run)
    for noise in ("0.3", "0.5", "0.30"):
        proc = run_cli(
            "evaluate",
            str(run),
            "shapes",
            "--data",
            f"noise={noise}",
            "-n",
            "20",
            "--top",
            "4",
            "--no-reference",
        )
        assert proc.returncode == 0, proc.stderr
    made = sorted(p.name for p in run.glob("evaluation-*"))
    assert made == ["evaluation-shapes-noise=0.3", "evaluation-shapes-noise=0.5"]  # 0.30 is 0.3
    for noise in ("0.3", "0.5"):
        doc = json.loads((run / f"evaluation-shapes-noise={noise}" / "metrics.json").read_text())
        assert doc["dataset"]["options"]["noise"] == float(noise)
    proc = run_cli(
        "evaluate", str(run), "shapes", "--data", "noise=0.3", "--data", "seed=../x", "-n", "20"
    )
    assert proc.returncode == 2  # an unknown option is refused, and nothing made outside
    assert not (tmp_path / "x").exists() and not list(run.glob("evaluation-*seed*"))
    assert run_cli("report", str(run)).returncode == 0
    page = (run / "report.html").read_text()
    assert "Evaluation: evaluation-shapes-noise=0.3" in page
    assert "Evaluation: evaluation-shapes-noise=0.5" in page


def test_the_files_listed_are_the_files_written(shapes_run, tmp_path) -> None:
    out = tmp_path / "shifted"
    proc = run_cli(
        "evaluate",
        str(shapes_run),
        "shapes",
        "--data",
        "noise=0.3",
        "-n",
        "20",
        "--top",
        "4",
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("wrote "))
    listed = sorted(line.strip() for line in lines[head + 1 :])
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert listed == written and "reference/metrics.json" in written
    assert lines[head] == f"wrote {len(written)} files to {out}/:"


@pytest.mark.slow
def test_a_value_loss_run_names_its_losses(tmp_path) -> None:
    proc = run_cli(
        "train",
        "shapes",
        "lenet",
        "--loss",
        "mse",
        "--epochs",
        "1",
        "--data",
        "size=16",
        "--train-size",
        "64",
        "--val-size",
        "32",
        "--test-size",
        "32",
        "--out",
        str(tmp_path / "run"),
        "-q",
    )
    assert proc.returncode == 0, proc.stderr
    assert "test_loss" not in proc.stdout  # the test's cross-entropy is not the mse loss
    assert "test_cross_entropy" in proc.stdout and "loss " in proc.stdout
    doc = json.loads((tmp_path / "run" / "evaluation" / "metrics.json").read_text())
    assert "loss" not in doc["metrics"] and doc["metrics"]["cross_entropy"] > 0
    page = (tmp_path / "run" / "report.html").read_text()
    assert "training loss: mse" in page
