"""`kerazoo data preview/export` and `kerazoo list datasets`, as a user runs them."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

import kerazoo
from kerazoo._cli import main

BUILTIN = [
    "cifar10",
    "cifar100",
    "circles",
    "digits",
    "fashion_mnist",
    "folder",
    "mnist",
    "polkadots",
    "shapes",
    "traffic_lights",
]


def test_list_datasets_shows_every_builtin(capsys) -> None:
    assert main(["list", "datasets"]) == 0
    out = capsys.readouterr().out
    for name in BUILTIN:
        assert f"  {name} " in out
    assert main(["list", "datasets", "circles", "--verbose"]) == 0
    out = capsys.readouterr().out
    assert "min_count=1" in out and "overlap=False" in out


def test_listing_datasets_imports_no_heavy_library() -> None:
    code = (
        "import sys, kerazoo\n"
        "from kerazoo import _registry as registry\n"
        "for n in kerazoo.list_datasets(): registry.dataset_class(n)\n"
        "import kerazoo._cli.data\n"
        "heavy = {'tensorflow', 'keras', 'PIL', 'skimage', 'matplotlib'} & set(sys.modules)\n"
        "print(sorted(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("argv", "size"),
    [
        (["shapes", "--n", "6", "--data", "size=16"], None),
        (["traffic_lights", "--n", "5", "--masks", "--cols", "5"], None),
        (
            [
                "polkadots",
                "--n",
                "3",
                "--data",
                "size=20x30",
                "--data",
                "min_radius=2",
                "--data",
                "max_radius=4",
            ],
            None,
        ),
        (["circles", "--n", "4", "--data", "target=count", "--seed", "3"], None),
    ],
)
def test_preview_writes_a_png(tmp_path: Path, capsys, argv: list[str], size) -> None:
    out = tmp_path / "sub" / "grid.png"
    assert main(["data", "preview", *argv, "--out", str(out)]) == 0
    assert str(out) in capsys.readouterr().out
    with Image.open(out) as img:
        assert img.format == "PNG"
        assert 100 <= img.width <= 2000 and 100 <= img.height <= 2000


def test_preview_and_export_errors(tmp_path: Path, capsys) -> None:
    assert main(["data", "preview", "shapes", "--n", "0", "--out", str(tmp_path / "x.png")]) == 2
    assert "no samples to preview" in capsys.readouterr().err
    assert main(["data", "preview", "shapes", "--data", "size", "--out", "x.png"]) == 2
    assert "--data takes KEY=VALUE, got 'size'" in capsys.readouterr().err
    assert main(["data", "preview", "shapes", "--data", "sise=3", "--out", "x.png"]) == 2
    assert "Did you mean 'size'" in capsys.readouterr().err
    assert main(["data", "export", "shape", str(tmp_path / "e"), "--n", "3"]) == 2
    assert "Did you mean 'shapes'?" in capsys.readouterr().err
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "old.png").write_bytes(b"x")
    assert main(["data", "export", "shapes", str(tmp_path / "full"), "--n", "3"]) == 2
    assert "exists and is not an empty folder" in capsys.readouterr().err


def test_export_then_folder_reads_the_same_labels_and_pixels(tmp_path: Path, capsys) -> None:
    out = tmp_path / "exported"
    argv = ["shapes", str(out), "--n", "30", "--seed", "4", "--data", "size=16"]
    assert main(["data", "export", *argv]) == 0
    assert f"Wrote 30 'shapes' images in 3 class folders and labels.csv to {out}" in (
        capsys.readouterr().out
    )
    original = kerazoo.get_dataset("shapes", size=16).generate(30, seed=4)
    with open(out / "labels.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 30 and list(rows[0]) == ["file", "label"]
    back = kerazoo.get_dataset("folder", path=str(out), size=16, channels=1)
    assert set(back.task.class_names) == {"circle", "square", "triangle"}
    names = kerazoo.get_dataset("shapes").task.class_names
    for row in rows:
        index = int(Path(row["file"]).stem)
        assert row["label"] == names[original.labels[index]]
        assert row["file"].split("/")[0] == row["label"]
        assert (back.load(out / row["file"]) == original.images[index]).all()
    data = back.generate(30, seed=0)
    assert len(data) == 30
    counts = {n: int((data.labels == i).sum()) for i, n in enumerate(back.task.class_names)}
    assert counts == {n: sum(r["label"] == n for r in rows) for n in counts}


@pytest.mark.parametrize(
    ("name", "options", "labelled"),
    [
        (
            "circles",
            [
                "--data",
                "target=count",
                "--data",
                "size=16",
                "--data",
                "max_radius=2",
                "--data",
                "min_radius=1",
            ],
            True,
        ),
        (
            "polkadots",
            ["--data", "size=20x30", "--data", "min_radius=2", "--data", "max_radius=4"],
            False,
        ),
    ],
)
def test_export_without_classes_is_flat(tmp_path: Path, name, options, labelled) -> None:
    out = tmp_path / name
    assert main(["data", "export", name, str(out), "--n", "5", *options]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "00000.png",
        "00001.png",
        "00002.png",
        "00003.png",
        "00004.png",
        "labels.csv",
    ]
    with open(out / "labels.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["file"] for r in rows] == [f"0000{i}.png" for i in range(5)]
    if labelled:
        assert all(1 <= int(r["label"]) <= 5 for r in rows)
    else:
        assert all(r["label"] == "" for r in rows)
