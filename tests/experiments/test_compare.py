"""Comparisons end to end at tiny sizes: the table, its files and pictures, reuse, the same
table from the same seeds, an interrupted comparison continued, and the issue's command."""

from __future__ import annotations

import csv
import json
import signal
import time
from pathlib import Path

import pytest
from PIL import Image

from kerazoo._errors import InvalidOptionError
from kerazoo.experiments._compare import compare
from tests.fixtures.processes import run_cli, start_cli

pytestmark = pytest.mark.slow  # every test here trains (the fixture alone takes ~20 s)

VARIANTS = ["half: width=0.5", "no-dense: dense_layers=0"]
TINY = {
    "data": {"size": 16},
    "hp": {"blocks": 2, "filters": 4, "dense_units": 16},
    "epochs": 1,
    "train_size": 96,
    "val_size": 32,
    "test_size": 32,
    "batch_size": 32,
    "deterministic": True,
}
TINY_FLAGS = [
    "--data",
    "size=16",
    "--hp",
    "blocks=2",
    "--hp",
    "filters=4",
    "--hp",
    "dense_units=16",
    "--train-size",
    "96",
    "--val-size",
    "32",
    "--test-size",
    "32",
    "--batch-size",
    "32",
    "--deterministic",
    "--inside-steps",
    "8",
    "--classes-steps",
    "8",
]
NUMBERS = (
    "variant",
    "changes",
    "parameters",
    "seeds",
    "values",
    "mean",
    "std",
    "verdict",
    "t",
    "df",
    "critical",
    "status",
)


def numbers(folder: Path) -> list[dict]:
    """comparison.json's rows without the timings (which vary from run to run)."""
    rows = json.loads((folder / "comparison.json").read_text())["rows"]
    return [{k: row[k] for k in NUMBERS} for row in rows]


@pytest.fixture(scope="module")
def done(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("compare") / "c"
    return compare(
        "shapes",
        "chopped_vgg",
        VARIANTS,
        seeds=2,
        out=out,
        verbose=False,
        inside_steps=8,
        classes_steps=8,
        **TINY,
    )


def test_the_table_and_its_files(done) -> None:
    out = done.dir
    assert {p.name for p in out.iterdir()} >= {
        "baseline",
        "half",
        "no-dense",
        "times.json",
        "comparison.csv",
        "comparison.json",
        "curves.png",
        "inside.png",
        "classes.png",
    }
    assert done.notes == []
    for name in ("baseline", "half", "no-dense"):
        for seed in (0, 1):
            run = json.loads((out / name / f"seed-{seed}" / "run.json").read_text())
            assert run["status"] == "finished" and run["settings"]["seed"] == seed
    doc = json.loads((out / "comparison.json").read_text())
    assert doc["metric"] == "test accuracy" and "Welch" in doc["rule"]
    base, half, flat = doc["rows"]
    assert [r["variant"] for r in doc["rows"]] == ["baseline", "half", "no-dense"]
    assert half["changes"] == "width=0.5" and base["verdict"] == "reference"
    assert half["parameters"] < base["parameters"] and flat["parameters"] < base["parameters"]
    for row in doc["rows"]:
        assert row["seeds"] == [0, 1] and len(row["values"]) == 2
        assert row["mean"] == pytest.approx(sum(row["values"]) / 2)
        assert row["train_seconds"] > 0 and row["ms_per_image"] > 0
        assert row["verdict"] == "reference" or "noise" in row["verdict"]
    with open(out / "comparison.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["variant"] for r in rows] == ["baseline", "half", "no-dense"]
    assert float(rows[1]["mean"]) == pytest.approx(half["mean"])
    assert "half" in str(done) and "+-" in str(done)


def test_the_pictures(done) -> None:
    curves = Image.open(done.dir / "curves.png")
    inside = Image.open(done.dir / "inside.png")
    assert curves.size[0] >= 600 and inside.size[0] >= 600
    assert inside.size[1] > 3 * 90  # one row per variant
    classes = Image.open(done.dir / "classes.png")
    assert classes.size[1] > 3 * 90 and done.dir / "classes.png" in done.files


def test_running_again_reuses_every_run_and_gives_the_same_table(done, capsys) -> None:
    before = numbers(done.dir)
    again = compare(
        "shapes",
        "chopped_vgg",
        VARIANTS,
        seeds=2,
        out=done.dir,
        inside_steps=0,
        classes_steps=0,
        **TINY,
    )
    printed = capsys.readouterr().out
    assert printed.count("finished earlier, reused (test accuracy") == 6
    assert "training ..." not in printed and "Welch" in printed
    assert numbers(again.dir) == before


def test_the_same_seeds_give_the_same_table_in_a_new_folder(done, tmp_path) -> None:
    fresh = compare(
        "shapes",
        "chopped_vgg",
        VARIANTS,
        seeds=2,
        out=tmp_path / "again",
        verbose=False,
        inside_steps=0,
        classes_steps=0,
        **TINY,
    )
    assert numbers(fresh.dir) == numbers(done.dir)


def test_a_folder_trained_with_other_options_is_not_mixed_in(done) -> None:
    other = {**TINY, "hp": {**TINY["hp"], "filters": 8}}
    with pytest.raises(
        InvalidOptionError,
        match=r"baseline/seed-0 was trained with other "
        r"options.*hyperparameter filters: run 4, now 8.*give another --out",
    ):
        compare("shapes", "chopped_vgg", VARIANTS, seeds=2, out=done.dir, **other)


def _wait_for_run(proc, run_json: Path) -> None:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if run_json.is_file():
            return
        time.sleep(0.02)
    raise AssertionError(f"{run_json} never appeared while the comparison ran: {proc.poll()}")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_killed_comparison_continues_where_it_stopped(tmp_path, sig) -> None:
    out = tmp_path / "c"
    args = [
        "compare",
        "shapes",
        "chopped_vgg",
        "--variant",
        "half: width=0.5",
        "--seeds",
        "1",
        "--epochs",
        "3",
        *TINY_FLAGS,
        "--out",
        str(out),
    ]
    proc = start_cli(*args)
    _wait_for_run(proc, out / "half" / "seed-0" / "run.json")  # the 2nd run has started
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    if sig == signal.SIGTERM:
        assert proc.returncode == 130, err[-3000:]
        assert f"interrupted. The runs so far are kept in {out}" in err
        status = "interrupted"
    else:
        status = "running"  # killed outright: run.json could not say more
    assert json.loads((out / "half" / "seed-0" / "run.json").read_text())["status"] == status
    assert not (out / "comparison.json").exists()
    again = run_cli(*args)
    assert again.returncode == 0, again.stderr
    assert "[1/2] baseline seed 0: finished earlier, reused" in again.stdout
    assert f"[2/2] half seed 0: resuming ({status}) ..." in again.stdout
    assert "[2/2] half seed 0: finished (test accuracy" in again.stdout
    rows = json.loads((out / "comparison.json").read_text())["rows"]
    assert [r["verdict"] for r in rows] == ["reference", "one seed: no verdict"]
    run = json.loads((out / "half" / "seed-0" / "run.json").read_text())
    history = (out / "half" / "seed-0" / "history.csv").read_text().splitlines()
    assert run["status"] == "finished" and len(history) == 1 + 3


def test_the_issue_command_at_tiny_sizes(tmp_path) -> None:
    """Done-when: the classic variants of chopped VGG on shapes give the table and pictures."""
    out = tmp_path / "classic"
    done = run_cli(
        "compare",
        "shapes",
        "chopped_vgg",
        "--variant",
        "half: width=0.5",
        "--variant",
        "deeper: dense_layers=2",
        "--variant",
        "wider: dense_units=512",
        "--variant",
        "no-dense: dense_layers=0",
        "--variant",
        "4 classes: classes=circle,square,triangle,star",
        "--variant",
        "linear+mse: loss=mse",
        "--seeds",
        "2",
        "--epochs",
        "1",
        *TINY_FLAGS,
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    assert "compare: 7 variants x 2 seeds = 14 runs in" in done.stdout
    table = done.stdout.split("\n\n")[-2] if "\n\n" in done.stdout else done.stdout
    for name in ("baseline", "half", "deeper", "wider", "no-dense", "4 classes", "linear+mse"):
        assert f"\n{name} " in "\n" + table.split("variant", 1)[1], name
    rows = {r["variant"]: r for r in json.loads((out / "comparison.json").read_text())["rows"]}
    assert rows["wider"]["parameters"] > rows["baseline"]["parameters"]
    assert rows["4 classes"]["changes"] == "classes=circle,square,triangle,star"
    assert (out / "4-classes" / "seed-1" / "model.keras").is_file()
    linear = json.loads((out / "linear+mse" / "seed-0" / "run.json").read_text())
    assert linear["resolved"]["compile"]["loss"] == "mse"
    for picture in ("curves.png", "inside.png", "classes.png"):
        assert (out / picture).is_file(), picture
