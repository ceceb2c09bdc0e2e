"""Activation statistics: recorded while training, drawn, and the dead/exploding warning."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

import kerazoo
from kerazoo.interpret._stats import (
    EXPLODED_STD,
    FILE,
    SAMPLE,
    ActivationStats,
    ActivationWarning,
    activation_problem,
    activation_warning,
    layer_stats,
    read_stats,
)

STEPS = 4  # 256 training images in batches of 64


class FourConvs(kerazoo.Architecture):
    """Four 3x3 convolutions and a dense layer; ``broken`` spoils the third one's start."""

    description: ClassVar[str] = "test: four convolutions, the third maybe badly initialised"
    tasks: ClassVar[tuple[str, ...]] = ("classification",)
    hyperparameters: ClassVar[dict[str, kerazoo.Param]] = {
        "broken": kerazoo.Param("none", str, choices=("none", "dead", "exploding")),
    }
    min_size: ClassVar[tuple[int, int]] = (8, 8)

    def build_body(self, inputs: Any, spec: Any, data_format: str) -> Any:
        from keras import initializers, layers

        x = inputs
        for i in range(1, 5):
            kernel, bias = "he_normal", "zeros"
            if i == 3 and self.config["broken"] == "dead":  # tiny weights, negative bias
                kernel = initializers.RandomNormal(stddev=1e-4, seed=0)
                bias = initializers.Constant(-1.0)
            elif i == 3 and self.config["broken"] == "exploding":
                kernel = initializers.RandomNormal(stddev=1e3, seed=0)
            x = layers.Conv2D(
                8,
                3,
                padding="same",
                activation="relu",
                kernel_initializer=kernel,
                bias_initializer=bias,
                data_format=data_format,
                name=f"conv{i}",
            )(x)
            if i == 2:
                x = layers.MaxPooling2D(2, data_format=data_format, name="pool")(x)
        x = layers.Flatten(data_format=data_format)(x)
        return layers.Dense(16, activation="relu", kernel_initializer="he_normal", name="dense")(x)


def train(out: Path, broken: str, every: int | None = None) -> tuple[ActivationStats, list]:
    """Train FourConvs on 16x16 shapes for 2 epochs with the callback; return it and the
    ActivationWarnings given."""
    callback = ActivationStats(every=every)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        kerazoo.train(
            kerazoo.get_dataset("shapes", size=16),
            FourConvs(broken=broken),
            epochs=2,
            train_size=STEPS * 64,
            val_size=64,
            out=out,
            verbose=0,
            callbacks=[callback],
        )
    return callback, [w for w in seen if issubclass(w.category, ActivationWarning)]


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ActivationStats, list]:
    out = tmp_path_factory.mktemp("stats") / "healthy"
    return (out, *train(out, "none", every=3))


def test_he_initialised_network_gives_no_warning(healthy):
    _, callback, seen = healthy
    assert seen == []
    assert callback.warning is None
    assert activation_warning(callback.stats) is None


def test_dead_layer_is_named_not_an_earlier_one(tmp_path):
    callback, seen = train(tmp_path / "dead", "dead")
    assert len(seen) == 1
    message = str(seen[0].message)
    assert message.startswith("conv3's activations died: 100% of them are zero")
    assert "like this from the start (step 0): use He initialisation" in message
    assert "conv1" not in message and "conv2" not in message
    index, _ = activation_problem(callback.stats)
    assert list(callback.stats["layers"])[index] == "conv3"
    # the layers before it are alive: about half of a ReLU's outputs are zero
    zero = dict(zip(callback.stats["layers"], callback.stats["near_zero"][-1], strict=True))
    assert zero["conv1"] < 0.8 and zero["conv2"] < 0.8 and zero["conv3"] == 1.0


def test_exploding_layer_is_named_in_a_bare_fit(tmp_path):
    ds = kerazoo.get_dataset("shapes", size=16)
    model = kerazoo.build(FourConvs(broken="exploding"), ds, seed=0)
    data = ds.generate(96, seed=0)
    callback = ActivationStats(probe=data.images[:8], out=tmp_path, points=3)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        model.fit(
            data.images, data.labels, batch_size=16, epochs=2, verbose=0, callbacks=[callback]
        )
    seen = [w for w in seen if issubclass(w.category, ActivationWarning)]
    assert len(seen) == 1
    message = str(seen[0].message)
    assert message.startswith("conv3's activations exploded: std ")
    assert "x the std of the network's input (" in message
    assert "Gain of each layer (its std over its input's): conv1 " in message
    assert "from the start (step 0): use a smaller initialisation" in message
    stats = read_stats(tmp_path)
    std = dict(zip(stats["layers"], stats["std"][-1], strict=True))
    assert std["conv2"] < 10 < 1e3 < std["conv3"]
    assert list(stats["step"]) == [0, 4, 8, 12]  # 12 batches, about 3 points: every 4
    assert int(stats["probe_count"]) == 8 and (tmp_path / "activation_stats.png").is_file()


def test_records_one_per_every_batches_and_the_files(healthy):
    out, callback, _ = healthy
    stats = read_stats(out)
    total = 2 * STEPS  # 8 batches, every 3: before the first, after the 3rd and the 6th
    assert list(stats["step"]) == [0, 3, 6] == list(range(0, total + 1, 3))
    layers = ["conv1", "conv2", "conv3", "conv4", "dense", "logits"]
    assert list(stats["layers"]) == layers
    t, n = len(stats["step"]), len(layers)
    for key in ("mean", "std", "near_zero", "dead_units"):
        assert stats[key].shape == (t, n), key
    assert stats["hist"].shape == (t, n, 40) and stats["edges"].shape == (n, 41)
    # every value binned, or a fixed random sample of SAMPLE values for the large layers
    assert (stats["hist"].sum(axis=-1) == np.minimum(64 * stats["size"], SAMPLE)).all()
    assert list(stats["units"]) == [8, 8, 8, 8, 16, 3] and int(stats["probe_count"]) == 64
    assert int(stats["steps_per_epoch"]) == STEPS
    np.testing.assert_allclose(stats["std"], callback.stats["std"])
    png = out / "activation_stats.png"
    from PIL import Image

    with Image.open(png) as image:
        width, height = image.size
    assert 1200 <= width <= 1400 and 800 <= height <= 1200, image.size  # with "before"


def test_bare_fit_without_probe_says_how():
    import keras

    from kerazoo._errors import InvalidOptionError

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, name="dense")])
    model.compile(loss="mse")
    x = np.zeros((8, 4), np.float32)
    with pytest.raises(InvalidOptionError, match="needs probe images: pass probe=images"):
        model.fit(x, x[:, :2], epochs=1, verbose=0, callbacks=[ActivationStats()])
    with pytest.raises(InvalidOptionError, match="every must be a whole number.*got 0"):
        ActivationStats(every=0)


def test_layer_stats_one_point(random_model):
    images = kerazoo.get_dataset("shapes", size=32).generate(4, seed=1).images
    stats = layer_stats(random_model, images, layers=["conv1", "logits"], bins=10)
    assert list(stats["layers"]) == ["conv1", "logits"] and list(stats["step"]) == [0]
    assert stats["hist"].shape == (1, 2, 10) and 0.2 < stats["near_zero"][0, 0] < 0.8
    with pytest.raises(KeyError, match="Unknown layer 'conv9'.*Valid: pixels, rescale"):
        layer_stats(random_model, images, layers=["conv9"])


def test_layer_stats_of_a_plain_keras_model():
    import keras

    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input((4,)),
            layers.Dense(3, name="hidden"),
            layers.ReLU(name="relu"),
            layers.Dense(2, name="out"),
        ]
    )
    x = np.linspace(-1, 1, 20, dtype=np.float32).reshape(5, 4)
    stats = layer_stats(model, x)
    assert list(stats["layers"]) == ["hidden", "relu", "out"]
    assert list(stats["units"]) == [3, 3, 2] and list(stats["size"]) == [3, 3, 2]
    hidden = np.asarray(model.layers[0](x))
    np.testing.assert_allclose(stats["std"][0, 0], hidden.std(), rtol=1e-5)
    np.testing.assert_allclose(stats["near_zero"][0, 1], np.mean(hidden <= 0), rtol=1e-6)


def test_rule_on_numbers():
    stats = {
        "layers": np.array(["a", "b", "c"]),
        "step": np.array([0, 10]),
        "mean": np.ones((2, 3)),
        "std": np.array([[1, 2, 4], [1, 3e4, 9e8]]),
        "near_zero": np.array([[0.5, 0.5, 0.5], [0.5, 0.5, 0.95]]),
        "dead_units": np.zeros((2, 3)),
        "units": np.array([4, 4, 4]),
        "probe_count": 64,
    }
    assert activation_problem(stats)[0] == 1  # b explodes before c dies
    message = activation_warning(stats)
    assert message.startswith("b's activations exploded: std 3e+04 on 64 probe images at step 10")
    assert "limit of 1000; it is growing 3e+04x per recorded layer from a (std 1)." in message
    assert "fine at step 0 (std 2) and went wrong in training: use a lower learning" in message
    stats["std"][-1, 1] = 5e-5
    assert activation_warning(stats).startswith(
        "b's activations vanished: std 5e-05 on 64 probe images at step 10, under the limit of "
        "0.0001; it is shrinking 2e+04x per recorded layer from a (std 1), so"
    )
    stats["mean"][-1, 0] = np.nan
    assert activation_warning(stats).startswith("a's activations are not finite")


def test_cli_look_stats_table_and_redraw(healthy, capsys):
    from kerazoo._cli import main

    out, _, _ = healthy
    (out / "activation_stats.png").unlink()
    assert main(["look", "stats", str(out), "--count", "16", "--layer", "conv1,conv4"]) == 0
    printed = capsys.readouterr()
    lines = printed.out.splitlines()
    header = ["layer", "values/image", "mean", "std", "gain", "zero", "dead", "units"]
    assert lines[0].split() == header
    assert lines[1].split()[:2] == ["conv1", "2048"] and lines[2].split()[0] == "conv4"
    assert lines[-1] == f"Redrew {out / 'activation_stats.png'} from {out / FILE} (3 records)"
    assert (out / "activation_stats.png").is_file()
    assert "warning" not in printed.err


def _counter(**init: Any) -> tuple[Any, np.ndarray]:
    """A 4-convolution counter on 32x32 circles, and probe images. The initial weights come
    from Keras' global random state, so it is seeded here: otherwise they depend on what ran
    before in the same process (another pytest-xdist worker's order draws other weights)."""
    import keras

    keras.utils.set_random_seed(0)
    ds = kerazoo.get_dataset("circles", size=32, target="count")
    arch = kerazoo.get_architecture("counter", layers=4)
    return kerazoo.build(arch, ds, seed=0, **init), ds.generate(32, seed=1).images


def test_growth_from_the_input_flags_a_large_initialisation():
    model, images = _counter(init="normal", init_scale=10.0)
    stats = layer_stats(model, images)
    std = dict(zip(stats["layers"], stats["std"][0], strict=True))
    assert max(std.values()) < EXPLODED_STD  # the fixed limit alone never saw it
    message = activation_warning(stats)
    assert message is not None
    # which layer crosses the limit first depends on the backend's random draws (TensorFlow:
    # conv3 or conv4; JAX: conv4 at 29.7x, then density)
    assert re.match(
        r"(conv[34]|density)'s activations exploded: std \S+ on 32 probe images "
        r"now, \S+x "
        r"the std of the network's input \(\S+; the limit is 30x\)\. ",
        message,
    ), message
    assert "Gain of each layer (its std over its input's): conv1 " in message
    assert "Use a smaller initialisation" in message


def test_a_normally_initialised_trained_model_is_not_flagged(healthy):
    _, callback, seen = healthy  # trained, He-initialised: the inputs were measured too
    assert seen == [] and callback.stats["input_std"].shape == callback.stats["std"].shape
    growth = callback.stats["std"][-1] / callback.stats["input_std"][-1, 0]
    assert growth.max() < 10  # well under the limit


def test_the_output_layer_is_judged_by_its_own_scale():
    stats = {
        "layers": np.array(["conv", "logits"]),
        "step": np.array([0, 10]),
        "mean": np.zeros((2, 2)),
        "std": np.array([[1.0, 2.0], [3.0, 20.0]]),
        "input_std": np.array([[1.0, 1.0], [1.0, 3.0]]),
        "near_zero": np.zeros((2, 2)),
        "dead_units": np.zeros((2, 2)),
        "units": np.array([4, 3]),
        "probe_count": 64,
        "head": np.array("logits"),
    }
    assert activation_warning(stats) is None  # confident logits are not exploded
    stats["std"][-1, 1] = 80.0
    assert activation_warning(stats).startswith(
        "logits's activations exploded: the logits' std is 80 on 64 probe images at step 10, "
        "over the limit of 30, so the softmax gives probabilities of 0 and 1"
    )
    stats["head"], stats["layers"] = np.array("value"), np.array(["conv", "value"])
    assert "the output value's std is 80 half ranges" in activation_warning(stats)
    stats["std"][-1] = [40.0, 1.0]  # a hidden layer 40x its input
    assert activation_warning(stats).startswith(
        "conv's activations exploded: std 40 on 64 probe images at step 10, 40x the std of "
        "the network's input (1; the limit is 30x). Gain of each layer (its std over its "
        "input's): conv 40x. It was fine at step 0 (1x its input) and went wrong in training"
    )
