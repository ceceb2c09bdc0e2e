"""Refusals of the command line, run in process: each is one line ``kerazoo CMD: error: ...``."""

from __future__ import annotations

import pytest

import kerazoo
from kerazoo._cli import main


@pytest.fixture(scope="module")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    model = kerazoo.build("lenet", kerazoo.get_dataset("shapes", size=16), seed=0)
    return str(kerazoo.save_model(model, tmp_path_factory.mktemp("look") / "m.keras"))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["maps", "{model}", "--count", "0"], "--count must be at least 1, got 0."),
        (["saliency", "{model}", "--score", "--count", "0"], "--count must be at least 1, got 0."),
        (
            ["maximize", "{model}", "--top", "2", "--samples", "0"],
            "--samples 0: give 1 or more samples.",
        ),
        (
            ["saliency", "{model}", "--method", "gradcams"],
            "Unknown method 'gradcams'. Did you mean --method gradcam? Valid: gradients, ",
        ),
    ],
)
def test_look_refuses_a_count_below_one_and_an_unknown_method(
    model_file, tmp_path, capsys, argv, message: str
) -> None:
    out = tmp_path / "look.png"
    argv = [a.format(model=model_file) for a in argv]
    assert main(["look", *argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f": error: {message}" in err, err
    assert not out.exists()


def test_data_preview_refuses_a_negative_count(tmp_path, capsys) -> None:
    out = tmp_path / "p.png"
    assert main(["data", "preview", "shapes", "--n", "-1", "--out", str(out)]) == 2
    assert (
        "kerazoo data: error: --n must be a non-negative integer, got -1."
        in capsys.readouterr().err
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["compare", "shapes", "lenet", "--seed", "1", "--variant", "a: filters=2"],
            "kerazoo compare: error: compare runs every variant over --seeds; got --seed 1. "
            "Give --seeds 3 (seeds 0, 1, 2) or --seeds 1.",
        ),
        (
            ["compare", "shapes", "lenet", "--no-baseline"],
            'kerazoo compare: error: Nothing to compare: give a variant (--variant "half: ',
        ),
        (
            ["tune"],
            "kerazoo tune: error: A search needs a dataset and an architecture, e.g. shapes and "
            "lenet (see 'kerazoo list'); only a worker (kerazoo tune --worker) reads them",
        ),
        (
            ["tune", "--worker", "0", "--oracle", "localhost:1"],
            "kerazoo tune: error: --worker must be a number from 1, got 0.",
        ),
    ],
)
def test_compare_and_tune_refuse_before_any_run(tmp_path, capsys, argv, message: str) -> None:
    out = tmp_path / "out"
    assert main([*argv, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_look_maximize_takes_filters_or_classes_not_both(model_file, tmp_path, capsys) -> None:
    out = tmp_path / "x.png"
    argv = ["look", "maximize", model_file, "--classes", "circle", "--filters", "0"]
    assert main([*argv, "--out", str(out)]) == 2
    assert (
        "error: --filters picks a layer's filters; with --classes name the classes instead: "
        "--classes circle,square (names or indices)." in capsys.readouterr().err
    )
    assert not out.exists()
