"""Text from datasets and files is drawn as written: never a formula, never a terminal code."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from matplotlib.figure import Figure

from kerazoo import Task
from kerazoo.data._dataset import Samples
from kerazoo.data._figure_text import figure_text
from kerazoo.data._preview import preview_grid, save_figure

NAMES = ["$x^2$", "$", "back\\slash", "bell\x07", "$x^$", "a\\$b"]


def test_figure_text_is_drawn_as_written(tmp_path) -> None:
    fig = Figure()
    ax = fig.subplots()
    ax.set_xticks(range(len(NAMES)), [figure_text(n) for n in NAMES])
    ax.set_title(figure_text(" / ".join(NAMES)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph (the control character) would warn
        save_figure(fig, tmp_path / "names.png")
    # what matplotlib shows: its own unescaping of \$ gives back each name exactly
    shown = [t.get_text() for t in ax.get_xticklabels()]
    for name, text in zip(NAMES, shown, strict=True):
        drawn, math = ax.xaxis.get_major_ticks()[0].label1._preprocess_math(text)
        assert not math and drawn == name.replace("\x07", "\\x07"), (name, drawn)


def test_preview_of_classes_named_like_formulas(tmp_path) -> None:
    task = Task.classification(NAMES)
    images = np.zeros((len(NAMES), 8, 8, 1), np.uint8)
    samples = Samples(images, np.arange(len(NAMES)), None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = preview_grid(samples, task, tmp_path / "grid.png")
    assert out.stat().st_size > 0


@pytest.mark.parametrize("name", [n for n in NAMES if n not in ("$", "back\\slash")])
def test_unescaped_names_break_matplotlib(tmp_path, name) -> None:
    """Why figure_text exists: given as they are, these names are no literal text."""
    fig = Figure()
    fig.subplots().set_title(name)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            save_figure(fig, tmp_path / "raw.png")
    except ValueError:
        return  # a mathtext parse error
    text = fig.axes[0].title
    drawn, math = text._preprocess_math(text.get_text())
    assert math or drawn != name or caught, name


def _class_folders(root) -> None:
    from PIL import Image

    rng = np.random.default_rng(0)
    for i, name in enumerate(NAMES[:5]):  # "$x^2$", "$", a backslash, a control, "$x^$"
        (root / name).mkdir(parents=True)
        for j in range(6):
            level = np.full((16, 16, 3), 50 * i, np.uint8)
            noise = rng.integers(0, 30, (16, 16, 3), dtype=np.uint8)
            Image.fromarray(level + noise).save(root / name / f"{j}.png")


@pytest.mark.slow
def test_train_evaluate_look_and_preview_of_classes_named_like_formulas(tmp_path) -> None:
    from tests.fixtures.processes import run_cli

    data, run = tmp_path / "data", tmp_path / "run"
    _class_folders(data)
    folder = ["--data", f"path={data}", "--data", "size=16"]
    steps = [
        ["train", "folder", "lenet", *folder, "--epochs", "1", "--out", str(run)],
        ["evaluate", str(run), "folder", "--data", f"path={data}"],
        ["look", "saliency", str(run), "--count", "2", "--out", str(tmp_path / "sal.png")],
        ["data", "preview", "folder", *folder, "--n", "10", "--out", str(tmp_path / "p.png")],
    ]
    for args in steps:
        out = run_cli(*args)
        assert out.returncode == 0, (args[0], out.stderr[-3000:])
        assert "Traceback" not in out.stderr and "\x07" not in out.stdout + out.stderr, args[0]
        assert "Glyph" not in out.stderr, out.stderr
    assert "finished" in (run / "run.json").read_text()
    for picture in ("curves.png", "evaluation/confusion.png", "evaluation/samples.png"):
        assert (run / picture).stat().st_size > 0, picture
    assert (tmp_path / "sal.png").stat().st_size > 0 and (tmp_path / "p.png").stat().st_size > 0
