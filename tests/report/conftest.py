"""Run folders to report on, made by real training runs.

``plain_run`` holds only what ``kerazoo.train`` writes. ``full_run`` is a run with
snapshots (GIFs), to which the files other steps write are added where training did not
write them: ``evaluation/`` (metrics.json by the run-folder contract, and its pictures),
``lr_find.png``, ``activation_stats.png`` and pictures of ``kerazoo look`` views (drawn
here with matplotlib; the report only reads files, whoever wrote them).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import kerazoo
from tests.fixtures.shared import made_once

CLASSES = ["circle", "square", "triangle"]
#: Headings a report of ``full_run`` has, in order.
FULL_HEADINGS = [
    "Settings",
    "Curves",
    "Test metrics",
    "Confusion matrix",
    "Top losses",
    "Sample predictions",
    "Learning-rate finder",
    "Looking inside",
    "Files in the folder",
]


def handmade_run(folder: Path) -> Path:
    """A run folder as the report reads it, written by hand: run.json, history.csv, a picture."""
    folder.mkdir(parents=True)
    run = {
        "dataset": {"name": "shapes", "options": {"size": 16}},
        "status": "finished",
        "architecture": {"name": "lenet", "hyperparameters": {}},
        "settings": {"epochs": 2},
    }
    (folder / "run.json").write_text(json.dumps(run))
    (folder / "history.csv").write_text("epoch,loss,val_loss\n1,1.25,1.5\n2,0.75,0.875\n")
    Image.new("L", (8, 8), 128).save(folder / "curves.png")
    return folder


def _train(out: Path, callbacks=None) -> Path:
    kerazoo.train(
        "shapes",
        "lenet",
        epochs=2,
        train_size=200,
        val_size=50,
        data={"size": 32},
        out=out,
        verbose=0,
        callbacks=callbacks,
    )
    return out


@pytest.fixture(scope="session")
def plain_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run folder exactly as ``kerazoo.train`` left it."""
    return made_once(tmp_path_factory, "report-plain", _train)  # once for all xdist workers


@pytest.fixture(scope="session")
def full_run_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run with snapshots, plus every file the report can show (written once)."""
    from kerazoo.interpret import Snapshots

    # trained once for all pytest-xdist workers; each gets its own copy
    out = made_once(
        tmp_path_factory, "report-full", lambda out: _train(out, [Snapshots(["conv1", "conv2"])])
    )
    if not (out / "evaluation" / "metrics.json").is_file():
        write_evaluation(out / "evaluation")
    if not (out / "lr_find.png").is_file():
        _plot(out / "lr_find.png", "learning-rate finder", "learning rate", "loss", log=True)
    _plot(out / "activation_stats.png", "activation statistics", "epoch", "mean activation")
    _grid(out / "maps" / "maps-conv1.png", "conv1: 6 maps", 6)
    _grid(out / "maximize-conv2.png", "conv2: what each filter likes", 16)
    _grid(out / "saliency.png", "saliency", 4)
    return out


@pytest.fixture
def full_run(full_run_source: Path, tmp_path: Path) -> Path:
    """A fresh copy of the full run folder, for a test that may change it."""
    return Path(shutil.copytree(full_run_source, tmp_path / "run"))


def write_evaluation(folder: Path, class_names=CLASSES, reference: bool = False) -> Path:
    """``metrics.json`` (the run-folder contract's schema) and its three pictures."""
    folder.mkdir(parents=True, exist_ok=True)
    counts = np.array([[60, 3, 2], [4, 58, 5], [1, 6, 61]])
    _confusion(folder / "confusion.png", counts, class_names)
    _grid(folder / "top_losses.png", "top losses: true / predicted, p", 8)
    _grid(folder / "samples.png", "sample predictions", 12)
    precision = counts.diagonal() / counts.sum(0)
    recall = counts.diagonal() / counts.sum(1)
    per_class = {
        name: {"precision": p, "recall": r, "f1": 2 * p * r / (p + r), "support": int(s)}
        for name, p, r, s in zip(class_names, precision, recall, counts.sum(1), strict=True)
    }
    doc = {
        "split": "test",
        "n": int(counts.sum()),
        "kind": "classification",
        "metrics": {"accuracy": counts.trace() / counts.sum(), "loss": 0.31, "macro_f1": 0.89},
        "per_class": per_class,
        "dataset": {"name": "shapes", "options": {"size": 32}, "seed": 0},
        "pictures": {
            "confusion": "confusion.png",
            "top_losses": "top_losses.png",
            "samples": "samples.png",
        },
        "reference": None,
    }
    if reference:
        doc["reference"] = {**doc, "metrics": {"accuracy": 0.98, "loss": 0.08}, "pictures": {}}
    (folder / "metrics.json").write_text(json.dumps(doc, indent=2, default=float))
    return folder


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def _plot(path: Path, title: str, xlabel: str, ylabel: str, log: bool = False) -> None:
    fig = _figure(6, 4)
    ax = fig.subplots()
    x = np.logspace(-6, 0, 50) if log else np.arange(1, 51)
    ax.plot(x, 2 + np.sin(np.arange(50) / 8))
    if log:
        ax.set_xscale("log")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def _grid(path: Path, title: str, n: int) -> None:
    images = kerazoo.get_dataset("shapes", size=32).generate(n, seed=1).images
    cols = min(n, 8)
    fig = _figure(1.3 * cols, 1.4 * -(-n // cols) + 0.5)
    axes = fig.subplots(-(-n // cols), cols, squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(images[i, ..., 0], cmap="gray")
            ax.set_title(f"#{i}", fontsize=8)
    fig.suptitle(title)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)


def _confusion(path: Path, counts: np.ndarray, names: list[str]) -> None:
    fig = _figure(5, 4.2)
    ax = fig.subplots()
    image = ax.imshow(counts, cmap="Blues")
    for (i, j), v in np.ndenumerate(counts):
        ax.text(j, i, str(v), ha="center", va="center")
    ax.set_xticks(range(len(names)), names)
    ax.set_yticks(range(len(names)), names)
    ax.set(xlabel="predicted", ylabel="true", title="confusion matrix")
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
