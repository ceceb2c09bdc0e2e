"""ModelInfo: the typed kerazoo.json, checked field by field, and the model -> info table."""

from __future__ import annotations

import dataclasses
import gc
import subprocess
import sys

import pytest

from kerazoo import IncompatibleError, InputSpec, ModelFileError, ModelInfo, Task
from kerazoo.saving._info import FORMAT, METADATA_NAME, ArchitectureInfo, DatasetInfo
from kerazoo.saving._records import InputStats, Spread, TrainingInfo
from tests.fixtures.tiny_models import BAD_FIELDS, changed, meta_for


def test_constants() -> None:
    assert FORMAT == 1 and METADATA_NAME == "kerazoo.json"


def test_round_trip_of_a_builder_style_dict() -> None:
    meta = {
        "format": 1,
        "kerazoo": "0.1.0",
        "keras": "3.15.0",
        "backend": "tensorflow",
        "task": {
            "kind": "classification",
            "class_names": ["a", "b", "c"],
            "encoding": "sparse",
            "output": "logits",
        },
        "input": {
            "height": 8,
            "width": 8,
            "channels": 1,
            "data_format": "channels_last",
            "dtype": "uint8",
        },
        "dataset": {"name": "shapes", "options": {"size": 8}, "seed": 0, "plugin": "kerazoo 0.1.0"},
        "architecture": {
            "name": "lenet",
            "hyperparameters": {"filters": 6},
            "plugin": "kerazoo 0.1.0",
        },
        "compile": {"optimizer": "adam", "loss": "sparse_categorical_crossentropy"},
        "training": {"epochs": 5, "metrics": {"val_accuracy": 0.998}},
    }
    info = ModelInfo.from_dict(meta)
    assert info.task == Task.classification(["a", "b", "c"])
    assert info.input == InputSpec(8, 8, 1)
    assert (info.encoding, info.output, info.format) == ("sparse", "logits", 1)
    assert info.dataset == DatasetInfo("shapes", {"size": 8}, 0, "kerazoo 0.1.0")
    assert info.architecture == ArchitectureInfo("lenet", {"filters": 6}, "kerazoo 0.1.0")
    assert info.to_dict() == meta
    assert list(info.to_dict()) == list(meta)  # the same key order as the file


def test_hand_made_metadata_needs_only_task_and_input() -> None:
    info = ModelInfo.from_dict(
        {"task": {"kind": "reconstruction"}, "input": {"height": 4, "width": 5, "channels": 3}}
    )
    assert info.dataset is None and info.architecture is None and info.training is None
    assert info.encoding is None and info.format is None
    assert info.to_dict() == {
        "task": {"kind": "reconstruction"},
        "input": {
            "height": 4,
            "width": 5,
            "channels": 3,
            "data_format": "channels_last",
            "dtype": "uint8",
        },
    }


def test_unknown_top_level_keys_are_kept() -> None:
    meta = {**meta_for(), "notes": {"author": "me"}}
    assert ModelInfo.from_dict(meta).to_dict()["notes"] == {"author": "me"}


@pytest.mark.parametrize(("change", "message"), BAD_FIELDS)
def test_wrong_types_name_the_field(change: dict, message: str) -> None:
    with pytest.raises(
        ModelFileError, match=rf"^'m.keras': its kerazoo.json is invalid: {message}"
    ):
        ModelInfo.from_dict(changed(meta_for(), change), source="'m.keras'")


def test_missing_fields_and_bad_values() -> None:
    with pytest.raises(
        ModelFileError, match=r"incomplete or invalid: it has no 'input' field \(it has"
    ):
        ModelInfo.from_dict({"task": meta_for()["task"]})
    no_height = changed(meta_for(), {})
    del no_height["input"]["height"]
    with pytest.raises(ModelFileError, match=r"incomplete or invalid: input has no 'height' field"):
        ModelInfo.from_dict(no_height)
    with pytest.raises(ModelFileError, match=r"input\.width must be an integer >= 1, got int 0"):
        ModelInfo.from_dict(changed(meta_for(), {"input.width": 0}))
    with pytest.raises(ModelFileError, match=r"needs at least 2 class names, got \['a'\]"):
        ModelInfo.from_dict(changed(meta_for(), {"task.class_names": ["a"]}))
    with pytest.raises(ModelFileError, match=r"the whole file must be an object, got list"):
        ModelInfo.from_dict([1, 2])


def test_replace_and_with_training_give_new_infos() -> None:
    info = ModelInfo.from_dict(meta_for())
    trained = dataclasses.replace(info, training=TrainingInfo(epochs=3))
    assert trained.training == TrainingInfo(epochs=3) and info.training is None
    assert trained.to_dict()["training"] == {"epochs": 3}
    record = {"epochs": 4, "metrics": {"loss": 0.5}}
    again = info.with_training(record)
    record["epochs"] = 99  # a copy was taken
    assert again.to_dict()["training"] == {"epochs": 4, "metrics": {"loss": 0.5}}
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'encoding'"):
        info.encoding = "onehot"  # type: ignore[misc]


def test_of_and_attach_hold_models_weakly() -> None:
    class Model:  # any object that can be weakly referenced
        name = "plain"

    model = Model()
    with pytest.raises(IncompatibleError, match=r"Model 'plain' carries no kerazoo metadata"):
        ModelInfo.of(model)
    info = ModelInfo.from_dict(meta_for()).attach(model)
    assert ModelInfo.of(model) is info
    import kerazoo.saving._info as module

    n = len(module._TABLE)
    del model
    gc.collect()
    assert len(module._TABLE) <= n - 1  # other dead models may go in the same collection


def test_info_module_does_not_import_keras() -> None:
    code = (
        "import sys; from kerazoo import ModelInfo; "
        "ModelInfo.from_dict({'task': {'kind': 'reconstruction'}, "
        "'input': {'height': 2, 'width': 2, 'channels': 1}}); "
        "print('keras' in sys.modules, 'tensorflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["False", "False"], out.stderr


STATS = {
    "n": 40,
    "height": 8,
    "width": 8,
    "channels": 1,
    "mean": [12.5],
    "std": [40.25],
    "brightness": {"mean": 12.5, "std": 3.0, "low": 4.0, "high": 20.0},
    "background": {"mean": 0.0, "std": 0.0, "low": 0.0, "high": 0.0},
    "contrast": {"mean": 40.0, "std": 9.5, "low": 20.0, "high": 61.0},
    "polarity": {"mean": 1.0, "std": 0.0, "low": 1.0, "high": 1.0},
    "colour": {"mean": 0.0, "std": 0.0, "low": 0.0, "high": 0.0},
}


def test_input_stats_round_trip_and_old_files_without_them() -> None:
    info = ModelInfo.from_dict({**meta_for(), "input_stats": STATS})
    stats = info.input_stats
    assert isinstance(stats, InputStats) and stats.mean == (12.5,)
    assert stats.contrast == Spread(40.0, 9.5, 20.0, 61.0)
    assert info.to_dict()["input_stats"] == STATS and "input_stats" not in info.extra
    assert ModelInfo.from_dict(meta_for()).input_stats is None  # saved before they existed
    assert "input_stats" not in ModelInfo.from_dict(meta_for()).to_dict()
    no_objects = ModelInfo.from_dict({**meta_for(), "input_stats": {**STATS, "polarity": None}})
    assert no_objects.input_stats.polarity is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"input_stats": [1]}, r"input_stats must be an object, got list"),
        ({"input_stats.n": "40"}, r"input_stats\.n must be an integer, got str '40'"),
        ({"input_stats.mean": [1, 2]}, r"input_stats\.mean must be a list of 1 numbers \(one per"),
        ({"input_stats.std": ["x"]}, r"input_stats\.std must be a number, got str 'x'"),
        ({"input_stats.contrast": 3}, r"input_stats\.contrast must be an object, got int 3"),
        ({"input_stats.colour.low": None}, r"input_stats\.colour\.low must be a number"),
        ({"input_stats.brightness.high": True}, r"input_stats\.brightness\.high must be a num"),
    ],
)
def test_input_stats_wrong_types_name_the_field(change: dict, message: str) -> None:
    meta = {**meta_for(), "input_stats": STATS}
    with pytest.raises(
        ModelFileError, match=rf"^'m.keras': its kerazoo.json is invalid: {message}"
    ):
        ModelInfo.from_dict(changed(meta, change), source="'m.keras'")


def test_input_stats_missing_part_is_named() -> None:
    stats = {k: v for k, v in STATS.items() if k != "background"}
    with pytest.raises(ModelFileError, match=r"input_stats has no 'background' field"):
        ModelInfo.from_dict({**meta_for(), "input_stats": stats})


# Values of the right type that no kerazoo model can have: each is named with the valid ones.
IMPOSSIBLE = [
    (
        {"input.dtype": "object"},
        r"input\.dtype must be uint8 \(the builder's pixel input\), "
        r"got str 'object'",
    ),
    ({"input.dtype": "float64"}, r"input\.dtype must be uint8 .*got str 'float64'"),
    (
        {"task.encoding": "pickle"},
        r"task\.encoding must be one of sparse, onehot, binary, "
        r"regression, reconstruction \(for a classification task: .*\), got str 'pickle'",
    ),
    (
        {"task.encoding": "regression"},
        r"task\.encoding must be one of .* \(for a "
        r"classification task: sparse, onehot, binary, reconstruction\), got str 'regression'",
    ),
    (
        {"dataset.name": "../../x"},
        r"dataset\.name must be a plugin name: a letter, then "
        r"letters, digits.*got str '\.\./\.\./x'",
    ),
    ({"architecture.name": "a/b"}, r"architecture\.name must be a plugin name.*got str 'a/b'"),
    (
        {"task.output": "pickle"},
        r"task\.output must be one of logits, probabilities, scores, "
        r"values, image, got str 'pickle'",
    ),
]


@pytest.mark.parametrize(("change", "message"), IMPOSSIBLE)
def test_impossible_values_are_refused_with_the_valid_ones(change: dict, message: str) -> None:
    with pytest.raises(
        ModelFileError, match=rf"^'m.keras': its kerazoo.json is invalid: {message}"
    ):
        ModelInfo.from_dict(changed(meta_for(), change), source="'m.keras'")
