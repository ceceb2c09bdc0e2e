"""Probing: layer roles in the metadata, sub-models over the model's own layers, gradients on
both backends, and the run context a training run hands to callbacks that ask."""

from __future__ import annotations

import json
import zipfile

import keras
import numpy as np
import pytest

import kerazoo
from kerazoo._errors import IncompatibleError, ModelFileError, UnknownNameError
from kerazoo.interpret import _probe as probe
from kerazoo.interpret._gradients import value_and_grad
from tests.interpret.conftest import SHAPES


def test_saved_metadata_names_the_last_conv_and_the_logits_layer(shapes_run) -> None:
    meta = json.loads(zipfile.ZipFile(shapes_run / "model.keras").read("kerazoo.json"))
    assert meta["layers"] == {"last_conv": "conv2", "logits": "logits"}
    assert kerazoo.read_metadata(shapes_run / "model.keras")["layers"]["last_conv"] == "conv2"


@pytest.mark.parametrize(
    ("arch", "dataset", "options", "roles"),
    [
        ("chopped_vgg", "shapes", {}, {"last_conv": "block2_conv2", "logits": "logits"}),
        ("lenet", "circles", {"target": "count"}, {"last_conv": "conv2", "logits": "value"}),
        ("autoencoder", "polkadots", {}, {"last_conv": "reconstruction"}),
    ],
)
def test_every_builtin_model_records_its_layer_roles(arch, dataset, options, roles) -> None:
    a = kerazoo.get_architecture(arch, **({"blocks": 2} if arch == "chopped_vgg" else {}))
    model = kerazoo.build(a, kerazoo.get_dataset(dataset, **options))
    assert kerazoo.ModelInfo.of(model).layers == roles


def test_a_wrongly_typed_layers_field_is_named() -> None:
    meta = {"task": {"kind": "reconstruction"}, "input": {"height": 4, "width": 4, "channels": 1}}
    with pytest.raises(ModelFileError, match=r"layers\.logits must be a string, got int 3"):
        kerazoo.ModelInfo.from_dict({**meta, "layers": {"logits": 3}})
    info = kerazoo.ModelInfo.from_dict({**meta, "layers": {"last_conv": "c"}})
    assert info.to_dict()["layers"] == {"last_conv": "c"}


def test_layer_model_shares_the_network_and_matches_its_output(random_model) -> None:
    images = kerazoo.get_dataset("shapes", **SHAPES).generate(4, seed=3).images
    sub = probe.layer_model(random_model, ["conv1", "logits"])
    conv1, logits = sub.predict(images, verbose=0)
    np.testing.assert_allclose(logits, random_model.predict(images, verbose=0), atol=1e-5)
    assert conv1.shape == (4, 32, 32, 6)
    assert {id(w) for w in sub.weights} <= {id(w) for w in random_model.weights}  # no copy
    floats = probe.layer_model(random_model, ["logits"], start="float")
    out = floats.predict(probe.float_images(images, kerazoo.ModelInfo.of(random_model)), verbose=0)
    np.testing.assert_allclose(out[0] if isinstance(out, list) else out, logits, atol=1e-4)


def test_an_unknown_layer_is_refused_with_the_layers_listed(random_model) -> None:
    with pytest.raises(UnknownNameError, match=r"Unknown layer 'conv3'.*conv1, pool1, conv2"):
        probe.layer_model(random_model, ["conv3"])


def test_roles_are_found_in_plain_keras_models_too() -> None:
    inp = keras.Input((8, 8, 1), dtype="uint8")
    x = keras.layers.Rescaling(1 / 255)(inp)
    x = keras.layers.Conv2D(2, 3, name="c")(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(3, name="scores")(x)
    model = keras.Model(inp, keras.layers.Activation("softmax")(x))
    assert probe.last_conv_layer(model) == "c"
    assert probe.logits_layer(model) == "scores"  # the score before the softmax
    assert probe.feature_layers(model) == ["c"]
    dense_only = keras.Model(inp, keras.layers.Dense(2)(keras.layers.Flatten()(inp)))
    with pytest.raises(IncompatibleError, match="no convolution layer"):
        probe.last_conv_layer(dense_only)
    with pytest.raises(IncompatibleError, match="no Rescaling layer"):
        probe.layer_model(dense_only, [dense_only.layers[-1].name], start="float")


def test_gradients_of_the_logits_with_respect_to_the_image(random_model) -> None:
    images = kerazoo.get_dataset("shapes", **SHAPES).generate(2, seed=3).images
    info = kerazoo.ModelInfo.of(random_model)
    sub = probe.layer_model(random_model, ["logits"], start="float")
    x = probe.float_images(images, info)

    def score(t):
        return keras.ops.sum(sub(t)[:, 0])

    value, grad = value_and_grad(score, x)
    grad = keras.ops.convert_to_numpy(grad)
    assert grad.shape == x.shape and np.abs(grad).sum() > 0
    step = 1e-2 * np.sign(grad)  # a small step along the gradient raises the score
    assert float(score(x + step)) > float(value)


def test_callbacks_that_ask_get_the_run(tmp_path) -> None:
    seen = {}

    class Ask(keras.callbacks.Callback):
        def set_run(self, run) -> None:
            seen.update(dir=run.dir, val=run.val, steps=run.steps_per_epoch, epochs=run.epochs)
            seen["layers"] = run.info.layers

    kerazoo.train(
        "shapes",
        "lenet",
        data={"size": 16},
        epochs=1,
        train_size=64,
        val_size=16,
        batch_size=32,
        out=tmp_path / "run",
        verbose=0,
        callbacks=[Ask()],
    )
    assert seen["dir"] == tmp_path / "run" and seen["steps"] == 2 and seen["epochs"] == 1
    assert seen["val"].images.shape == (16, 16, 16, 1) and seen["val"].masks is not None
    assert seen["layers"] == {"last_conv": "conv2", "logits": "logits"}


@pytest.mark.parametrize("name", kerazoo.list_architectures())
def test_every_registered_architecture_can_be_probed_at_every_layer(name: str) -> None:
    arch = kerazoo.get_architecture(name)
    kinds = type(arch).tasks
    if "classification" in kinds:
        dataset = kerazoo.get_dataset("shapes", size=32)
    elif "regression" in kinds:
        dataset = kerazoo.get_dataset("circles", size=32, max_radius=3, target="count")
    else:
        dataset = kerazoo.get_dataset("polkadots")
    model = kerazoo.build(arch, dataset)
    names = [layer.name for layer in model.layers[1:]]
    sub = probe.layer_model(model, names)  # a flat graph: no "graph disconnected"
    outputs = sub.predict(dataset.generate(2, seed=0).images, verbose=0)
    assert len(outputs) == len(names)
    if any(isinstance(layer, keras.layers.Conv2D) for layer in model.layers):
        assert probe.last_conv_layer(model, kerazoo.ModelInfo.of(model)) in names
    else:  # mlp: dense layers only, and a clear refusal for what needs a convolution
        with pytest.raises(kerazoo.IncompatibleError, match="no convolution layer"):
            probe.last_conv_layer(model, kerazoo.ModelInfo.of(model))
