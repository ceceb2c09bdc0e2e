"""save_model / load_model / read_metadata: round trips, hostile and corrupt files, atomicity."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pytest
from keras import layers
from PIL import Image

from kerazoo import (
    IncompatibleError,
    InvalidOptionError,
    ModelFileError,
    ModelInfo,
    UnsafeModelError,
    load_model,
    read_metadata,
    save_model,
)
from kerazoo.saving import _archive as archive, _keras_file as keras_file, _safety as safety
from tests.fixtures.tiny_models import NAMES, changed, classifier, meta_for, rewrite_metadata


@pytest.fixture(scope="module")
def model() -> keras.Model:
    return classifier()


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    return np.random.default_rng(1).integers(0, 256, (4, 8, 8, 1), dtype=np.uint8)


# -- round trips ---------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_metadata_round_trip(tmp_path: Path, model: keras.Model, images, suffix: str) -> None:
    path = save_model(model, tmp_path / f"m{suffix}", meta_for())
    meta = read_metadata(path)
    assert meta["format"] == 1 and meta["kerazoo"] and meta["keras"] == keras.__version__
    assert meta["backend"] == keras.backend.backend()
    assert meta["task"]["class_names"] == NAMES
    assert meta["input"] == {
        "height": 8,
        "width": 8,
        "channels": 1,
        "data_format": "channels_last",
        "dtype": "uint8",
    }
    loaded, meta2 = load_model(path)
    assert meta2 == meta
    np.testing.assert_allclose(loaded(images).numpy(), model(images).numpy(), atol=1e-6)


def test_model_info_is_saved_read_and_attached(tmp_path: Path, model: keras.Model) -> None:
    info = ModelInfo.from_dict(meta_for()).with_training({"epochs": 2})
    path = save_model(model, tmp_path / "m.keras", info)
    read = archive.read_info(path)
    assert isinstance(read, ModelInfo) and read.format == 1 and read.keras == keras.__version__
    assert dataclasses.replace(read, format=None, kerazoo=None, keras=None, backend=None) == info
    assert read.to_dict() == read_metadata(path)
    loaded, meta = load_model(path)
    assert ModelInfo.of(loaded) == read and meta == read.to_dict()
    plain = tmp_path / "plain.keras"
    model.save(plain)
    assert archive.read_info(plain) is None and load_model(plain)[1] is None


def test_read_metadata_names_a_wrongly_typed_field(tmp_path: Path, model: keras.Model) -> None:
    path = save_model(model, tmp_path / "m.keras", meta_for())
    bad = rewrite_metadata(path, changed(meta_for(), {"input.height": "8"}), tmp_path / "b.keras")
    message = r"'.*b.keras': its kerazoo.json is invalid: input\.height must be an integer"
    for read in (read_metadata, archive.read_info, load_model):
        with pytest.raises(ModelFileError, match=message):
            read(bad)


def test_keras_file_is_an_ordinary_keras_zip(tmp_path: Path, model: keras.Model, images) -> None:
    path = save_model(model, tmp_path / "m.keras", meta_for())
    with zipfile.ZipFile(path) as zf:
        assert {"config.json", "model.weights.h5", "kerazoo.json"} <= set(zf.namelist())
    plain = keras.saving.load_model(path, safe_mode=True)  # Keras ignores the extra member
    np.testing.assert_allclose(plain(images).numpy(), model(images).numpy(), atol=1e-6)


def test_plain_keras_file_has_no_metadata(tmp_path: Path, model: keras.Model) -> None:
    model.save(tmp_path / "plain.keras")
    assert read_metadata(tmp_path / "plain.keras") is None
    assert load_model(tmp_path / "plain.keras")[1] is None


def test_read_metadata_does_not_import_keras(tmp_path: Path, model: keras.Model) -> None:
    path = save_model(model, tmp_path / "m.keras", meta_for())
    code = (
        "import sys; from kerazoo.saving._archive import read_metadata; "
        f"m = read_metadata({str(path)!r}); "
        "print(m['task']['kind'], 'keras' in sys.modules, 'tensorflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["classification", "False", "False"], out.stderr


# -- saving errors -------------------------------------------------------------------------
def test_save_needs_metadata_for_a_handmade_model(tmp_path: Path, model: keras.Model) -> None:
    with pytest.raises(IncompatibleError, match="save_model needs metadata for this model"):
        save_model(model, tmp_path / "m.keras")
    assert list(tmp_path.iterdir()) == []


def test_save_rejects_bad_metadata_and_names(tmp_path: Path, model: keras.Model) -> None:
    with pytest.raises(InvalidOptionError, match="at least 'task' and 'input'"):
        save_model(model, tmp_path / "m.keras", {"task": meta_for()["task"]})
    with pytest.raises(InvalidOptionError, match=r"must end in \.keras"):
        save_model(model, tmp_path / "m.pkl", meta_for())
    with pytest.raises(IncompatibleError, match=r"does not match the model's input shape"):
        save_model(model, tmp_path / "m.keras", meta_for(size=(16, 16, 1)))
    bad = meta_for()
    bad["dataset"]["options"] = {"weird": object()}
    with pytest.raises(InvalidOptionError, match="JSON-serialisable"):
        save_model(model, tmp_path / "m.keras", bad)


@pytest.mark.parametrize("exc", [RuntimeError("disk full"), KeyboardInterrupt("killed")])
def test_failed_save_leaves_old_file_intact(
    tmp_path: Path, model: keras.Model, images, monkeypatch: pytest.MonkeyPatch, exc
) -> None:
    path = save_model(model, tmp_path / "m.keras", meta_for())
    before = path.read_bytes()

    def broken(m: Any, filepath: Any, **kwargs: Any) -> None:
        Path(filepath).write_bytes(b"PK\x03\x04 half a zip")  # wrote part of the file...
        raise exc  # ...then died

    monkeypatch.setattr(keras.saving, "save_model", broken)
    with pytest.raises(type(exc), match=str(exc)):
        save_model(classifier(seed=5), path, meta_for())
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]  # no temporary files left
    loaded, _ = load_model(path)
    np.testing.assert_allclose(loaded(images).numpy(), model(images).numpy(), atol=1e-6)


def test_save_replaces_the_old_file(tmp_path: Path, model: keras.Model, images) -> None:
    path = save_model(model, tmp_path / "m.h5", meta_for())
    other = classifier(seed=7)
    save_model(other, path, meta_for(names=["a", "b", "c"]))
    loaded, meta = load_model(path)
    assert meta["task"]["class_names"] == ["a", "b", "c"]
    np.testing.assert_allclose(loaded(images).numpy(), other(images).numpy(), atol=1e-6)
    assert [p.name for p in tmp_path.iterdir()] == ["m.h5"]


# -- hostile files -------------------------------------------------------------------------
def _lambda_model(marker: Path) -> keras.Model:
    def touch(t: Any) -> Any:  # if this ever runs at load time, the marker file appears
        marker.write_text("ran")
        return t

    inp = keras.Input((4,))
    return keras.Model(inp, layers.Lambda(lambda t: touch(t) * 2)(inp))


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_lambda_layer_is_refused_and_never_runs(tmp_path: Path, suffix: str) -> None:
    marker = tmp_path / "marker.txt"
    evil = _lambda_model(marker)
    path = tmp_path / f"evil{suffix}"
    evil.save(path)
    marker.unlink()  # the lambda ran while the model was built; forget that
    with pytest.raises(UnsafeModelError, match=r"Refused to load .*evil.*a Lambda layer"):
        load_model(path)
    assert not marker.exists()


def test_lambda_edited_into_config_json_is_refused(tmp_path: Path, model: keras.Model) -> None:
    path = save_model(model, tmp_path / "m.keras", meta_for())
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    config = json.loads(members["config.json"])
    dense = next(e for e in config["config"]["layers"] if e["class_name"] == "Dense")
    dense["config"]["activation"] = {
        "module": "builtins",
        "class_name": "__lambda__",
        "config": {"code": "YWJj", "defaults": None, "closure": None},
        "registered_name": None,
    }
    members["config.json"] = json.dumps(config).encode()
    hostile = tmp_path / "edited.keras"
    with zipfile.ZipFile(hostile, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(UnsafeModelError, match=r"serialised Python object \(__lambda__\)"):
        load_model(hostile)


def test_keras_safe_mode_error_becomes_unsafe_model_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Second line of defence: if the pre-check missed something, Keras' safe mode refuses."""
    marker = tmp_path / "marker.txt"
    path = tmp_path / "evil.keras"
    _lambda_model(marker).save(path)
    marker.unlink()
    monkeypatch.setattr(keras_file, "check_safe", lambda config, source: None)
    with pytest.raises(UnsafeModelError, match="Keras' safe mode found code"):
        load_model(path)
    assert not marker.exists()


# -- corrupt files -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def good_files(tmp_path_factory: pytest.TempPathFactory, model: keras.Model) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("good")
    return {s: save_model(model, folder / f"good{s}", meta_for()) for s in (".keras", ".h5")}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_missing_directory_and_extension(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match=r"'.*nope\.keras' does not exist"):
        load_model(tmp_path / "nope.keras")
    with pytest.raises(ModelFileError, match="is a folder but not a SavedModel export"):
        load_model(tmp_path)
    with pytest.raises(ModelFileError, match=r"has the extension '\.txt'"):
        load_model(_write(tmp_path / "m.txt", b"hello"))
    with pytest.raises(ModelFileError, match=r"has the extension '\(none\)'"):
        read_metadata(_write(tmp_path / "model", b"hello"))


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_empty_file(tmp_path: Path, suffix: str) -> None:
    with pytest.raises(ModelFileError, match=r"'.*empty.*' is empty \(0 bytes\)"):
        load_model(_write(tmp_path / f"empty{suffix}", b""))


def test_random_bytes_and_truncation(tmp_path: Path, good_files: dict[str, Path]) -> None:
    noise = np.random.default_rng(0).bytes(5000)
    with pytest.raises(ModelFileError, match=r"noise\.keras' is not a \.keras file"):
        load_model(_write(tmp_path / "noise.keras", noise))
    with pytest.raises(ModelFileError, match=r"noise\.h5' is not an HDF5 file"):
        load_model(_write(tmp_path / "noise.h5", noise))
    data = good_files[".keras"].read_bytes()
    with pytest.raises(ModelFileError, match=r"cut\.keras' is not a \.keras file"):
        load_model(_write(tmp_path / "cut.keras", data[: len(data) // 2]))
    data = good_files[".h5"].read_bytes()
    with pytest.raises(ModelFileError, match=r"cut\.h5' is a damaged HDF5 file: .*truncated"):
        load_model(_write(tmp_path / "cut.h5", data[: len(data) // 2]))


def test_zip_without_config_or_with_bad_members(
    tmp_path: Path, good_files: dict[str, Path]
) -> None:
    bare = tmp_path / "bare.keras"
    with zipfile.ZipFile(bare, "w") as zf:
        zf.writestr("readme.txt", "not a model")
    with pytest.raises(ModelFileError, match="zip archive without config.json"):
        load_model(bare)
    with zipfile.ZipFile(good_files[".keras"]) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    for name, data, match in [
        ("config.json", b"{not json", "damaged config.json: not valid JSON"),
        ("kerazoo.json", b"[1, 2]", "damaged kerazoo.json: expected a JSON object"),
        ("model.weights.h5", b"garbage", r"Keras could not load .*weights"),
    ]:
        broken = tmp_path / f"broken_{name}.keras"
        with zipfile.ZipFile(broken, "w") as zf:
            for n, d in {**members, name: data}.items():
                zf.writestr(n, d)
        with pytest.raises(ModelFileError, match=match):
            load_model(broken)


def test_h5_without_model_config(tmp_path: Path, model: keras.Model) -> None:
    path = tmp_path / "only.weights.h5"
    model.save_weights(path)
    with pytest.raises(ModelFileError, match="without a model_config: it holds weights only"):
        load_model(path)


def test_model_file_error_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"Model file '.*missing\.h5' does not exist"):
        load_model(tmp_path / "missing.h5")


def test_damaged_zip_members_and_oversized_json(
    tmp_path: Path, good_files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = bytearray(good_files[".keras"].read_bytes())
    central = data.find(b"PK\x01\x02")
    data[central : central + 4] = b"XX\x01\x02"  # break the central directory
    with pytest.raises(ModelFileError, match=r"bad_dir\.keras' is a damaged zip archive"):
        load_model(_write(tmp_path / "bad_dir.keras", bytes(data)))
    stored = tmp_path / "stored.keras"
    with zipfile.ZipFile(good_files[".keras"]) as src, zipfile.ZipFile(stored, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, src.read(name))  # ZIP_STORED: member bytes appear verbatim
    data = bytearray(stored.read_bytes())
    at = data.find(b'"class_name"')
    data[at + 1 : at + 6] = b"XXXXX"  # same length, so only the CRC check notices
    with pytest.raises(ModelFileError, match=r"crc\.keras' is damaged: cannot read config.json"):
        load_model(_write(tmp_path / "crc.keras", bytes(data)))
    monkeypatch.setattr(archive, "MAX_JSON_BYTES", 10)
    with pytest.raises(ModelFileError, match=r"has a kerazoo.json of \d+ bytes: not a model"):
        load_model(good_files[".keras"])


def test_check_safe_finds_legacy_lambda_functions() -> None:
    config = {"class_name": "Dense", "config": {"activation": {"function_type": "lambda"}}}
    with pytest.raises(UnsafeModelError, match="a serialised Python lambda"):
        safety.check_safe(config, "legacy.h5")
    safety.check_safe({"class_name": "Dense", "config": {"activation": "relu"}}, "ok.keras")


def test_saved_model_folders_that_are_not_exports(tmp_path: Path) -> None:
    import tensorflow as tf

    class NoServe(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
        def double(self, x: tf.Tensor) -> tf.Tensor:
            return 2 * x

    tf.saved_model.save(NoServe(), str(tmp_path / "noserve"))
    with pytest.raises(ModelFileError, match="could not be loaded as a SavedModel with a 'serve'"):
        load_model(tmp_path / "noserve")
    with pytest.raises(ModelFileError, match="is a SavedModel folder; it has no Keras config"):
        archive.read_config(tmp_path / "noserve")
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "saved_model.pb").write_bytes(b"\xff\xfe not a protobuf")
    with pytest.raises(ModelFileError, match="has a damaged saved_model.pb"):
        load_model(tmp_path / "junk")


def test_metadata_that_does_not_fit_the_model_is_refused_on_load(
    tmp_path: Path, model: keras.Model
) -> None:
    path = save_model(model, tmp_path / "m.keras", meta_for())  # 3 outputs, 3 class names
    regression = meta_for("regression", output="values", encoding="regression", value_range=[0, 9])
    bad = rewrite_metadata(path, regression, tmp_path / "r.keras")
    with pytest.raises(
        ModelFileError,
        match=r"'.*r.keras': its kerazoo.json does not fit the model: task.kind 'regression' "
        r"needs 1 output value per image, but the model gives 3.*classification",
    ):
        load_model(bad)
    two = rewrite_metadata(path, meta_for(names=["a", "b"]), tmp_path / "two.keras")
    with pytest.raises(ModelFileError, match=r"task.class_names lists 2 classes.*gives 3"):
        load_model(two)


@pytest.mark.slow
def test_inspect_and_predict_refuse_impossible_metadata_in_one_line(
    tmp_path: Path, model: keras.Model
) -> None:
    from tests.fixtures.processes import run_cli

    path = save_model(model, tmp_path / "m.keras", meta_for())
    object_dtype = changed(meta_for(), {"input.dtype": "object"})
    bad = rewrite_metadata(path, object_dtype, tmp_path / "b.keras")
    out = run_cli("inspect", str(bad))
    assert out.returncode == 2, out.stderr
    assert out.stderr.startswith("kerazoo inspect: error: ") and out.stderr.count("\n") == 1
    assert "input.dtype must be uint8 (the builder's pixel input), got str 'object'" in out.stderr
    regression = meta_for("regression", output="values", encoding="regression", value_range=[0, 9])
    wrong = rewrite_metadata(path, regression, tmp_path / "r.keras")
    image = tmp_path / "x.png"
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(image)
    out = run_cli("predict", str(wrong), str(image))
    assert out.returncode == 2, out.stderr
    assert "kerazoo predict: error: " in out.stderr and "does not fit the model" in out.stderr
