"""What ``kerazoo inspect`` prints is a library value: the same description from Python."""

from __future__ import annotations

from pathlib import Path

import pytest

import kerazoo
from kerazoo._cli import main
from kerazoo.saving._describe import describe_model
from tests.fixtures.tiny_models import classifier, meta_for


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    meta = meta_for()
    meta["training"] = {"epochs": 5, "metrics": {"val_accuracy": 0.998}}
    return kerazoo.save_model(classifier(), tmp_path_factory.mktemp("m") / "m.keras", meta)


def test_describe_model_counts_parameters_and_gives_the_lines_inspect_prints(
    saved: Path, capsys
) -> None:
    model, _ = kerazoo.load_model(saved, compile=False)
    described = describe_model(saved)
    assert described.kind == "keras" and described.info.task.kind == "classification"
    assert described.parameters == model.count_params()
    assert described.summary is None  # only on request: it loads the model
    assert main(["inspect", str(saved)]) == 0
    assert capsys.readouterr().out.splitlines() == described.lines()


def test_describe_model_summary_lists_every_layer(saved: Path) -> None:
    model, _ = kerazoo.load_model(saved, compile=False)
    table = describe_model(saved, summary=True).summary
    assert [line.split()[0] for line in table[1:-1]] == [layer.name for layer in model.layers]
    assert table[-1].strip().startswith(f"total {model.count_params():,} parameters")


def test_describe_model_of_a_plain_keras_file(tmp_path: Path) -> None:
    path = tmp_path / "plain.keras"
    classifier().save(path)
    described = describe_model(path)
    assert described.info is None and described.to_dict() is None
    assert described.plain[0].split()[1:] == ["Functional", "with", "5", "layers"]
    assert "no kerazoo.json: a plain Keras model" in described.lines()[1]


def test_describe_model_refuses_a_file_that_is_not_a_model(tmp_path: Path) -> None:
    path = tmp_path / "notes.keras"
    path.write_text("not a zip")
    with pytest.raises(kerazoo.ModelFileError, match=r"notes\.keras"):
        describe_model(path)
