"""SavedModel export and channels_first models: the same predictions wherever they run."""

from __future__ import annotations

import json
from pathlib import Path

import keras
import numpy as np
import pytest
from keras import layers

from kerazoo import (
    IncompatibleError,
    ModelFileError,
    Predictor,
    UnsafeModelError,
    load_model,
    read_metadata,
    save_model,
)
from kerazoo.saving._savedmodel import export_model
from tests.fixtures.tiny_models import NAMES, classifier, meta_for

RNG = np.random.default_rng(5)
X = RNG.integers(0, 256, (6, 8, 8, 1), dtype=np.uint8)


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_model(classifier(), tmp_path_factory.mktemp("m") / "m.keras", meta_for())


def _scores(results: list) -> np.ndarray:
    return np.array([[dict(r.top_k)[n] for n in NAMES] for r in results])


def test_exported_saved_model_gives_the_same_predictions(saved: Path, tmp_path: Path) -> None:
    out = export_model(saved, tmp_path / "export")
    assert (out / "saved_model.pb").is_file()
    assert read_metadata(out) == read_metadata(saved)
    want = Predictor.load(saved).predict(X, top_k=3)
    got = Predictor.load(out).predict(X, top_k=3)
    assert [r.label for r in got] == [r.label for r in want]
    np.testing.assert_allclose(_scores(got), _scores(want), atol=1e-6)
    model, meta = load_model(out)
    assert meta["task"]["class_names"] == NAMES
    assert tuple(model.inputs[0].shape[1:]) == (8, 8, 1)


def test_export_replaces_an_export_but_not_other_folders(saved: Path, tmp_path: Path) -> None:
    target = export_model(saved, tmp_path / "export")
    export_model(classifier(seed=3), target, meta_for(names=["x", "y", "z"]))
    assert read_metadata(target)["task"]["class_names"] == ["x", "y", "z"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export"]  # no leftovers
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "cat.png").write_bytes(b"x")
    with pytest.raises(ModelFileError, match="it exists and is not an earlier export"):
        export_model(saved, tmp_path / "photos")
    assert (tmp_path / "photos" / "cat.png").read_bytes() == b"x"


def test_saved_model_calling_python_is_refused(tmp_path: Path) -> None:
    import tensorflow as tf

    class Evil(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None, 8, 8, 1], tf.uint8)])
        def serve(self, x: tf.Tensor) -> tf.Tensor:
            return tf.py_function(lambda t: t, [x], tf.uint8)

    tf.saved_model.save(Evil(), str(tmp_path / "evil"))
    with pytest.raises(UnsafeModelError, match="its graph uses EagerPyFunc"):
        load_model(tmp_path / "evil")


# -- channels_first ------------------------------------------------------------------------
def _cf_pair() -> tuple[keras.Model, keras.Model]:
    """A channels_first classifier, and a CPU-runnable channels_last reference with the same
    weights that permutes back to C, H, W before flattening (what channels_first computes)."""
    keras.utils.set_random_seed(11)

    def make(cf: bool) -> keras.Model:
        fmt = "channels_first" if cf else "channels_last"
        inp = keras.Input((1, 8, 8) if cf else (8, 8, 1), dtype="uint8")
        x = layers.Rescaling(1 / 255)(inp)
        x = layers.Conv2D(3, 3, data_format=fmt, activation="relu")(x)
        x = layers.BatchNormalization(axis=1 if cf else -1)(x)
        x = layers.MaxPooling2D(data_format=fmt)(x)
        if not cf:
            x = layers.Permute((3, 1, 2))(x)
        return keras.Model(inp, layers.Dense(3)(layers.Flatten()(x)))

    cf_model, ref = make(True), make(False)
    for layer in cf_model.layers:
        ws = layer.get_weights()
        if ws:
            new = [RNG.uniform(0.5, 1.5, w.shape).astype(w.dtype) for w in ws]
            layer.set_weights(new)
    src = [lay for lay in cf_model.layers if lay.get_weights()]
    dst = [lay for lay in ref.layers if lay.get_weights()]
    for a, b in zip(src, dst, strict=True):
        b.set_weights(a.get_weights())
    return cf_model, ref


def test_channels_first_model_runs_as_its_channels_last_twin(tmp_path: Path) -> None:
    cf_model, ref = _cf_pair()
    meta = meta_for(data_format="channels_first")
    path = save_model(cf_model, tmp_path / "cf.keras", meta)
    assert read_metadata(path)["input"]["data_format"] == "channels_first"
    pred = Predictor.load(path, channels_last=True)
    want = ref(X, training=False).numpy()
    e = np.exp(want - want.max(axis=1, keepdims=True))
    want = e / e.sum(axis=1, keepdims=True)
    for form in (X, X.transpose(0, 3, 1, 2)):  # NHWC or NCHW input, same answer
        np.testing.assert_allclose(_scores(pred.predict(form, top_k=3)), want, atol=1e-5)
    h5 = save_model(cf_model, tmp_path / "cf.h5", meta)
    auto = Predictor.load(h5)  # no GPU here: converted automatically
    np.testing.assert_allclose(_scores(auto.predict(X, top_k=3)), want, atol=1e-5)

    export = export_model(path, tmp_path / "cf_export", channels_last=True)
    assert read_metadata(export)["input"]["data_format"] == "channels_last"
    np.testing.assert_allclose(_scores(Predictor.load(export).predict(X, top_k=3)), want, atol=1e-5)
    plain = export_model(path, tmp_path / "cf_plain")
    with pytest.raises(IncompatibleError, match="Export it again with .*--channels-last"):
        Predictor.load(plain, channels_last=True)


def test_metadata_file_in_export_is_json(saved: Path, tmp_path: Path) -> None:
    out = export_model(saved, tmp_path / "e")
    assert json.loads((out / "kerazoo.json").read_text())["format"] == 1
