"""A resumed run keeps its dataset, architecture and their options: from Python as on the
command line, another one is refused before anything trains."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import kerazoo


def _saved_run(folder: Path) -> Path:
    """A run folder's ``run.json`` as training writes it: shapes(size=32) with lenet."""
    doc = {
        "settings": {"epochs": 1, "batch_size": 16},
        "dataset": {"name": "shapes", "options": {"size": 32}, "seed": 0},
        "architecture": {"name": "lenet", "hyperparameters": {"filters": 6}},
    }
    (folder / "run.json").write_text(json.dumps(doc))
    return folder


@pytest.mark.parametrize(
    ("dataset", "architecture", "kwargs", "said"),
    [
        ("circles", "chopped_vgg", {}, r"dataset 'circles' \(the run trains 'shapes'\)"),
        ("shapes", "chopped_vgg", {}, r"architecture 'chopped_vgg' \(the run trains 'lenet'\)"),
        (None, None, {"data": {"size": 64}}, r"data size=64 \(the run has size=32\)"),
        (None, None, {"hp": {"filters": 3}}, r"hp filters=3 \(the run has filters=6\)"),
    ],
)
def test_resume_from_python_refuses_another_dataset_architecture_or_option(
    tmp_path, dataset, architecture, kwargs, said
) -> None:
    out = _saved_run(tmp_path)
    with pytest.raises(
        kerazoo.InvalidOptionError, match=r"resume=True continues the run in .*" + said
    ):
        kerazoo.train(dataset, architecture, resume=True, out=out, **kwargs)


def test_resume_from_python_refuses_a_dataset_object(tmp_path) -> None:
    out = _saved_run(tmp_path)
    with pytest.raises(
        kerazoo.InvalidOptionError,
        match=r"resume=True continues the run .* a Shapes object for the dataset",
    ):
        kerazoo.train(kerazoo.get_dataset("shapes"), None, resume=True, out=out)


def test_train_without_dataset_and_architecture_says_what_it_needs(tmp_path) -> None:
    with pytest.raises(
        kerazoo.InvalidOptionError,
        match=r"A new run needs a dataset and an architecture, e\.g\. shapes and lenet",
    ):
        kerazoo.train("shapes", None, out=tmp_path)
