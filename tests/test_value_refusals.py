"""Values that cannot work are refused in the library with one clear error: seeds out of
NumPy's range, NaN and infinite numbers, binary variants files, batches that cannot be split
over devices, inverted search ranges, a single layer saved as a model, and sizes that cannot
fit in memory (refused from an estimate, before any memory is spent)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import kerazoo
from kerazoo._errors import IncompatibleError, InvalidOptionError, ModelFileError, PluginError
from kerazoo._params import Param, resolve
from kerazoo._task import Task
from kerazoo.data._dataset import Dataset, Samples
from kerazoo.training._settings import check_settings

HUGE_SEED = 2**70


# -- seeds ---------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [-1, HUGE_SEED, str(HUGE_SEED)])
def test_a_training_seed_outside_numpys_range_is_refused(seed: Any) -> None:
    with pytest.raises(InvalidOptionError, match=r"seed.*Expected int in \[0, 4294967295\]"):
        check_settings({"seed": seed})
    assert check_settings({"seed": 2**32 - 1})["seed"] == 2**32 - 1


@pytest.mark.parametrize("seed", [-1, HUGE_SEED])
def test_a_dataset_seed_outside_numpys_range_is_refused(seed: int) -> None:
    with pytest.raises(InvalidOptionError, match=r"Invalid seed=.*integer in \[0, 4294967295\]"):
        kerazoo.get_dataset("shapes", size=16).generate(2, seed=seed)


def test_check_seed_names_the_limit_and_a_fix() -> None:
    from kerazoo._params import check_seed

    with pytest.raises(InvalidOptionError, match=r"above the maximum 4294967295.*e\.g\. seed=0"):
        check_seed(HUGE_SEED)
    assert check_seed("7") == 7


@pytest.mark.parametrize("seeds", ["0,-1", f"0,{HUGE_SEED}", str(HUGE_SEED), [1, -3]])
def test_compare_seeds_outside_numpys_range_are_refused(seeds: Any) -> None:
    from kerazoo.experiments._variants import parse_seeds

    with pytest.raises(InvalidOptionError, match=r"--seeds .*\[0, 4294967295\].*got"):
        parse_seeds(seeds)


def test_evaluate_refuses_a_bad_seed_before_reading_the_model(tmp_path: Path) -> None:
    with pytest.raises(InvalidOptionError, match=r"Invalid seed=-1.*\[0, 4294967295\]"):
        kerazoo.evaluate(tmp_path / "missing.keras", seed=-1)


def test_maximize_refuses_a_bad_seed() -> None:
    from kerazoo.interpret._maximize import maximize_filters

    model = kerazoo.build("lenet", kerazoo.get_dataset("shapes", size=32), seed=0)
    with pytest.raises(InvalidOptionError, match=r"Invalid seed=-1"):
        maximize_filters(model, filters=[0], steps=1, seed=-1)


# -- NaN and infinity ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("l2", "nan"),
        ("l2", float("nan")),
        ("init_scale", "inf"),
        ("learning_rate", "nan"),
        ("learning_rate", float("-inf")),
    ],
)
def test_a_non_finite_setting_is_refused(name: str, value: Any) -> None:
    with pytest.raises(InvalidOptionError, match=rf"{name}.*is not a finite number"):
        check_settings({name: value})


def test_a_non_finite_hyperparameter_is_refused_unless_its_param_allows_it() -> None:
    table = {"rate": Param(0.5, float)}
    with pytest.raises(InvalidOptionError, match=r"'rate'.*nan is not a finite number"):
        resolve(table, {"rate": "nan"}, "architecture 'x'", word="hyperparameter")
    with pytest.raises(InvalidOptionError, match=r"inf is not a finite number"):
        kerazoo.get_architecture("chopped_vgg", width="inf")
    with pytest.raises(InvalidOptionError, match=r"too large for a float"):
        resolve(table, {"rate": 10**400}, "architecture 'x'", word="hyperparameter")
    allowed = {"rate": Param(0.5, float, finite=False)}
    assert np.isinf(resolve(allowed, {"rate": "inf"}, "x")["rate"])


# -- compare --file --------------------------------------------------------------------------
def test_a_binary_variants_file_is_refused_by_name(tmp_path: Path) -> None:
    from kerazoo.experiments._variants import read_variants_file

    path = tmp_path / "variants.toml"
    path.write_bytes(b"[variants]\n\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(InvalidOptionError, match=r"variants\.toml: not a text file.*TOML"):
        read_variants_file(path)
    path.write_bytes(b"seeds = 3\x00\n")
    with pytest.raises(InvalidOptionError, match=r"not a text file \(the byte at offset 9"):
        read_variants_file(path)


# -- devices ---------------------------------------------------------------------------------
def test_a_batch_that_cannot_be_split_over_the_devices_is_refused() -> None:
    from kerazoo.training._distribute import check_batch_split

    with pytest.raises(IncompatibleError, match=r"devices=64.*as few as 32 images.*devices=32"):
        check_batch_split(64, 64, 32, 100)
    with pytest.raises(IncompatibleError, match=r"batch_size=4 images per batch"):
        check_batch_split(8, 4, 100, 100)
    check_batch_split(2, 64, 32, 10)


def test_train_refuses_more_devices_than_images_before_tensorflow_splits_the_cpu(
    tmp_path: Path,
) -> None:
    with pytest.raises(IncompatibleError, match=r"devices=64.*train_size=32 training images"):
        kerazoo.train(
            "shapes",
            "lenet",
            data={"size": 16},
            devices=64,
            train_size=32,
            val_size=100,
            test_size=0,
            out=tmp_path / "run",
            verbose=0,
        )
    assert not (tmp_path / "run").exists()


# -- tune ------------------------------------------------------------------------------------
def _plan(space: dict[str, str]) -> Any:
    from kerazoo.experiments._tune_space import Plan, parse_space_text

    arch = type(kerazoo.get_architecture("lenet"))
    return Plan(arch, {}, check_settings({}), set(), parse_space_text(space))


@pytest.mark.parametrize(
    ("space", "message"),
    [
        ({"lr": "nan:1"}, r"learning_rate=nan:1: nan is not a finite number"),
        ({"learning_rate": "1e-4:inf"}, r"inf is not a finite number"),
        (
            {"lr": "1:1e-3"},
            r"LOW first, got 1\.0 above 0\.001\. Write --space learning_rate=1e-3:1",
        ),
        ({"batch_size": "128:16"}, r"got 128 above 16"),
    ],
)
def test_tune_space_refuses_non_finite_and_inverted_ranges(space: dict, message: str) -> None:
    with pytest.raises(InvalidOptionError, match=message):
        _plan(space)
    assert _plan({"lr": "1e-3:1"}).space["learning_rate"] == ("range", (1e-3, 1.0))


@pytest.mark.parametrize("top", [0, -1, True, 2.5])
def test_tune_top_must_be_positive(top: Any) -> None:
    from kerazoo.experiments._tune_results import check_top, format_table

    with pytest.raises(InvalidOptionError, match=r"top is the number of trials.*positive"):
        check_top(top)
    with pytest.raises(InvalidOptionError, match=r"positive integer"):
        format_table([], "val_loss", [], top=top)


# -- a single layer saved as a model ---------------------------------------------------------
def single_layer_file(folder: Path, with_metadata: bool) -> Path:
    """A real .keras zip whose config.json is a saved Dense layer, not a model."""
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    whole = folder / "whole.keras"
    model.save(whole)
    config = keras.saving.serialize_keras_object(keras.layers.Dense(3))
    target = folder / ("layer-kz.keras" if with_metadata else "layer.keras")
    with zipfile.ZipFile(whole) as src, zipfile.ZipFile(target, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, json.dumps(config) if name == "config.json" else src.read(name))
        if with_metadata:
            meta = {
                "task": {
                    "kind": "classification",
                    "class_names": ["a", "b", "c"],
                    "encoding": "sparse",
                    "output": "logits",
                },
                "input": {"height": 2, "width": 2, "channels": 1, "data_format": "channels_last"},
            }
            dst.writestr("kerazoo.json", json.dumps(meta))
    return target


@pytest.mark.parametrize("with_metadata", [False, True])
def test_a_single_layer_file_is_not_loaded_as_a_model(tmp_path: Path, with_metadata: bool) -> None:
    path = single_layer_file(tmp_path, with_metadata)
    with pytest.raises(ModelFileError, match=r"holds a single Keras layer \(Dense\), not a model"):
        kerazoo.load_model(path)
    with pytest.raises(ModelFileError, match=r"single Keras layer"):
        kerazoo.Predictor.load(path)


# -- sizes that cannot fit -------------------------------------------------------------------
def test_check_fits_states_estimate_limit_and_how_many_fit() -> None:
    from kerazoo.data._memory import available_memory, check_fits

    with pytest.raises(
        InvalidOptionError,
        match=r"^x would need about 9\.8 GB .*more than 1000\.0 MB.*"
        r"Ask for fewer: about 1000 fit\.$",
    ):
        check_fits(10_000, 2**20, what="x", fix="Ask for fewer", limit=1000 * 2**20)
    with pytest.raises(InvalidOptionError, match=r"not even one fits"):
        check_fits(1, 2**30, what="x", fix="y", limit=2**20)
    check_fits(10, 2**20, what="x", fix="y", limit=2**30)
    assert available_memory() > 0


def test_generate_refuses_a_count_that_cannot_fit_before_making_anything() -> None:
    ds = kerazoo.get_dataset("shapes")
    with pytest.raises(InvalidOptionError, match=r"n=1000000000000 .* would need about 7\.3 PB"):
        ds.generate(10**12)


class Greedy(Dataset):
    """A dataset whose make() runs out of memory: the request is too large, not a bug."""

    name = "greedy"

    @property
    def task(self) -> Task:
        return Task.classification(("a", "b"))

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return (8, 8, 1)

    def make(self, n: int, rng: np.random.Generator) -> Samples:
        raise MemoryError


def test_a_memory_error_in_make_is_the_request_not_the_plugin() -> None:
    with pytest.raises(InvalidOptionError, match=r"ran out of memory making 5 samples") as info:
        Greedy().generate(5)
    assert not isinstance(info.value, PluginError)


def test_train_refuses_splits_that_cannot_fit(tmp_path: Path) -> None:
    with pytest.raises(
        InvalidOptionError,
        match=r"1000000000000 training \+ 1000 validation.*"
        r"Ask for fewer with train_size, val_size and test_size",
    ):
        kerazoo.train("shapes", "lenet", train_size=10**12, out=tmp_path / "run", verbose=0)
    assert not (tmp_path / "run").exists()


def test_padding_that_cannot_fit_is_refused() -> None:
    from kerazoo.training._settings import check_batch_memory

    ds = kerazoo.get_dataset("shapes", size=28)
    with pytest.raises(InvalidOptionError, match=r"padded to 100000x100000 by pad_to=100000"):
        check_batch_memory(ds, {"batch_size": 64, "pad_to": 100000})
    check_batch_memory(ds, {"batch_size": 64, "pad_to": 32})


def test_lr_find_refuses_steps_that_cannot_fit() -> None:
    with pytest.raises(InvalidOptionError, match=r"steps=1000000000000 .*Ask for fewer with steps"):
        kerazoo.lr_find("shapes", "lenet", steps=10**12)


def test_preview_refuses_more_tiles_than_fit(tmp_path: Path) -> None:
    from kerazoo.data._preview import preview_grid

    ds = kerazoo.get_dataset("shapes", size=16)
    data = ds.generate(1)
    many = Samples(np.broadcast_to(data.images, (10**7, 16, 16, 1)), None, None)
    with pytest.raises(InvalidOptionError, match=r"A preview of 10000000 tiles would need"):
        preview_grid(many, ds.task, tmp_path / "grid.png")
    assert not (tmp_path / "grid.png").exists()


def test_look_samples_refuse_a_count_that_cannot_fit() -> None:
    from kerazoo.interpret._probe import model_samples
    from kerazoo.saving._info import ModelInfo

    info = ModelInfo.from_dict(
        {
            "task": {"kind": "classification", "class_names": ["circle", "square", "triangle"]},
            "input": {"height": 64, "width": 64, "channels": 1},
            "dataset": {"name": "shapes", "options": {}, "seed": 0},
        }
    )
    with pytest.raises(InvalidOptionError, match=r"count=1000000000 .*Ask for fewer with count"):
        model_samples(info, 10**9)
