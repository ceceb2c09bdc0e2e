"""``kerazoo evaluate`` in a child process: the table, the files, --json, the errors."""

from __future__ import annotations

import json

from tests.fixtures.processes import run_cli


def test_shifted_data_as_json_only_on_stdout(shapes_run) -> None:
    proc = run_cli("evaluate", str(shapes_run), "shapes", "--data", "noise=0.3", "-n", "60",
                   "--json")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["label"] == "shapes(noise=0.3)" and data["n"] == 60
    assert data["reference"]["label"] == "shapes(size=32)"
    out = shapes_run / "evaluation-shapes"  # the default: beside the model, named after DATA
    assert json.loads((out / "metrics.json").read_text()) == data
    assert (out / "reference" / "confusion.png").is_file()


def test_the_table_and_the_files_written(shapes_run, tmp_path) -> None:
    proc = run_cli("evaluate", str(shapes_run / "model.keras"), "-n", "40", "--out",
                   str(tmp_path / "ev"), "--top", "4")  # fmt: skip
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
    proc = run_cli("evaluate", str(shapes_run), "shapes", "--data", "foreground=0", "--data",
                   "background=255", "-n", "40", "--out", str(tmp_path / "e"))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    warned = [line for line in proc.stderr.splitlines() if line.startswith("kerazoo: warning:")]
    assert len(warned) == 1, proc.stderr
    assert "evaluate: these images do not look like the ones the model was trained on" in warned[0]
    assert "dark on a light background" in warned[0]
    proc = run_cli("evaluate", str(shapes_run), "-n", "40", "--out", str(tmp_path / "own"))
    assert proc.returncode == 0 and "warning" not in proc.stderr, proc.stderr
