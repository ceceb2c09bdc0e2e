"""`kerazoo look mean DATASET`, as a user runs it: a view of data, not of a model."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import kerazoo
from kerazoo._cli import main


def test_look_mean_writes_the_picture_and_prints_the_mean_per_channel(tmp_path, capsys) -> None:
    out = tmp_path / "mean.png"
    argv = ["look", "mean", "shapes", "--data", "size=24", "--n", "40", "--seed", "2"]
    assert main([*argv, "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"Wrote the mean of 40 'shapes' images (3 classes) to {out}"
    images = kerazoo.get_dataset("shapes", size=24).generate(40, seed=2).images
    mean, std = images.mean(), images.std()
    assert lines[1] == f"mean pixel value per channel: {mean:.1f} (std {std:.1f})"
    with Image.open(out) as img:
        assert img.format == "PNG"
        picture = np.asarray(img.convert("L"))
    assert picture.shape[1] > 4 * picture.shape[0] / 2  # five tiles side by side
    assert picture.min() < 20 and picture.max() > 235  # black backgrounds, white means


def test_look_mean_of_colour_data_names_each_channel(tmp_path, capsys) -> None:
    out = tmp_path / "lights.svg"
    assert main(["look", "mean", "traffic_lights", "--n", "12", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "(3 classes)" in text and "per channel: R " in text and ", B " in text
    assert out.read_text().lstrip().startswith("<?xml")


def test_look_mean_writes_beside_the_current_folder_by_default(tmp_path, capsys) -> None:
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        argv = ["look", "mean", "circles", "--data", "size=24", "--data", "max_radius=3"]
        assert main([*argv, "--data", "target=count", "--n", "20"]) == 0
    finally:
        os.chdir(here)
    assert "(4 bands of values) to mean-circles.png" in capsys.readouterr().out
    assert (tmp_path / "mean-circles.png").is_file()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["shapes", "--n", "0"], "kerazoo look: error: --n must be an integer >= 1, got 0."),
        (["shapes", "--bands", "0"], "--bands must be an integer >= 1, got 0."),
        (["shape"], "Unknown dataset 'shape'. Did you mean 'shapes'?"),
        (["shapes", "--data", "size"], "--data takes KEY=VALUE, got 'size'."),
        (["shapes", "--data", "sise=3"], "Unknown option 'sise' for dataset 'shapes'"),
    ],
)
def test_look_mean_refuses_bad_input_in_one_line(tmp_path, capsys, argv, message: str) -> None:
    out = tmp_path / "mean.png"
    assert main(["look", "mean", *argv, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_look_mean_refuses_a_picture_name_before_the_work(tmp_path, capsys) -> None:
    out = tmp_path / "mean.txt"
    assert main(["look", "mean", "shapes", "--n", "10000000000", "--out", str(out)]) == 2
    assert "cannot write '.txt' files" in capsys.readouterr().err  # not the --n refusal


def test_look_mean_help_names_a_dataset_not_a_model(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["look", "mean", "--help"])
    text = capsys.readouterr().out
    assert "usage: kerazoo look mean [-h] [--data KEY=VALUE]" in text
    assert "a dataset name, e.g. shapes" in text and "MODEL" not in text


def test_run_view_takes_a_dataset_and_its_options_from_python(tmp_path, capsys) -> None:
    out = tmp_path / "m.png"
    view = kerazoo.get_view("mean")
    assert view.subject == "dataset"
    assert kerazoo.run_view(view, "shapes", data={"size": 16}, n=5, out=str(out)) == [out]
    assert "Wrote the mean of 5 'shapes' images" in capsys.readouterr().out
    with pytest.raises(kerazoo.InvalidOptionError, match=r"Unknown option 'nn' for view 'mean'"):
        kerazoo.run_view(view, "shapes", nn=5)


def test_the_datasets_page_shows_what_the_command_prints(tmp_path, capsys) -> None:
    page = (Path(__file__).resolve().parents[2] / "docs" / "datasets.md").read_text()
    shown = page.split("$ kerazoo look mean shapes\n", 1)[1].split("\n$ ", 1)[0].splitlines()
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert main(["look", "mean", "shapes"]) == 0
    finally:
        os.chdir(here)
    assert capsys.readouterr().out.splitlines() == shown


def test_look_mean_of_a_dataset_with_a_fixed_split(keras_home, tmp_path, capsys) -> None:
    out = tmp_path / "mnist.png"
    assert main(["look", "mean", "mnist", "--n", "30", "--out", str(out)]) == 0
    done = capsys.readouterr()
    assert "Wrote the mean of 10 'mnist' images (10 classes)" in done.out  # the tiny cache's
    assert "note: dataset 'mnist' holds 10 samples, fewer than --n 30" in done.err
    assert out.is_file()
