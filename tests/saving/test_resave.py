"""Saving one model again and again (the per-epoch checkpoint): the same file as Keras'."""

from __future__ import annotations

import zipfile

import keras
import numpy as np

import kerazoo
from kerazoo.saving._keras_file import save_model
from kerazoo.saving._resave import Resaver
from tests.fixtures.tiny_data import Bars
from tests.fixtures.tiny_models import meta_for


def trained(epochs: int = 1):
    ds = Bars(size=12)
    split = ds.split(32, 16, seed=0)
    model = kerazoo.build("lenet", ds, adapt=split.train.images)
    model.fit(split.train.images, split.train.labels, epochs=epochs, batch_size=16, verbose=0)
    return model, split


def same_state(a, b) -> bool:
    pairs = [
        *zip(a.weights, b.weights, strict=True),
        *zip(a.optimizer.variables, b.optimizer.variables, strict=True),
    ]
    return all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in pairs)


def test_a_second_save_writes_what_keras_writes_without_keras_save(tmp_path) -> None:
    model, split = trained()
    saver = Resaver()
    saver.save(model, tmp_path / "c.keras")
    model.fit(split.train.images, split.train.labels, epochs=1, batch_size=16, verbose=0)
    saver.save(model, tmp_path / "c.keras")
    assert saver.full_saves == 1  # the second one did not go through Keras
    save_model(model, tmp_path / "k.keras")
    with zipfile.ZipFile(tmp_path / "c.keras") as a, zipfile.ZipFile(tmp_path / "k.keras") as b:
        assert a.namelist() == b.namelist()
        for name in ("config.json", "model.weights.h5", "kerazoo.json"):
            assert a.read(name) == b.read(name), name
    again, meta = kerazoo.load_model(tmp_path / "c.keras")
    assert same_state(model, again) and meta["task"]["kind"] == "classification"
    assert int(np.asarray(again.optimizer.iterations)) == 4  # 2 epochs of 2 batches


def test_a_changed_model_is_saved_by_keras_again(tmp_path) -> None:
    model, _ = trained()
    saver = Resaver()
    saver.save(model, tmp_path / "c.keras")
    model.get_layer("conv1").trainable = False  # its config changes: a new template
    saver.save(model, tmp_path / "c.keras")
    assert saver.full_saves == 2
    again, _ = kerazoo.load_model(tmp_path / "c.keras")
    assert again.get_layer("conv1").trainable is False and same_weights(model, again)
    other, _ = trained()  # another model: never written from the first one's template
    saver.save(other, tmp_path / "c.keras")
    assert saver.full_saves == 3
    assert same_state(other, kerazoo.load_model(tmp_path / "c.keras")[0])


def test_a_weight_file_it_cannot_rewrite_safely_is_always_saved_by_keras(tmp_path) -> None:
    # Keras marks a bfloat16 dataset with an attribute: no template, every save is Keras'.
    inp = keras.Input((8, 8, 1), dtype="uint8", name="pixels")
    x = keras.layers.Flatten()(keras.layers.Rescaling(1 / 255)(inp))
    model = keras.Model(inp, keras.layers.Dense(3, dtype="bfloat16")(x))
    saver = Resaver()
    for _ in range(2):
        saver.save(model, tmp_path / "b.keras", meta_for())
    assert saver.full_saves == 2 and saver.template is None
    assert same_weights(model, kerazoo.load_model(tmp_path / "b.keras")[0])


def same_weights(a, b) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a.get_weights(), b.get_weights(), strict=True))
