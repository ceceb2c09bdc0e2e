"""Activation statistics before the activation function: a layer's own activation
(``Dense(..., activation="relu")``) and a separate activation layer."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest
from PIL import Image

import kerazoo
from kerazoo._cli import main
from kerazoo.interpret._stats import ActivationStats, layer_stats, read_stats
from tests.fixtures.tiny_models import meta_for


def _lenet(seed: int = 0) -> keras.Model:
    """uint8 8x8 -> Rescaling -> Conv2D(relu) -> pool -> Dense(relu) -> Dense(3): a LeNet
    in miniature."""
    keras.utils.set_random_seed(seed)
    layers = keras.layers
    inp = keras.Input((8, 8, 1), dtype="uint8", name="pixels")
    x = layers.Rescaling(1 / 255, name="rescale")(inp)
    x = layers.Conv2D(4, 3, activation="relu", name="conv1")(x)
    x = layers.MaxPooling2D(2, name="pool")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(5, activation="relu", name="dense1")(x)
    return keras.Model(inp, layers.Dense(3, name="logits")(x))


def _images(n: int = 6) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (n, 8, 8, 1), dtype=np.uint8)


def _below_zero(hist: np.ndarray, edges: np.ndarray) -> int:
    """How many values fall in bins that lie wholly below 0."""
    return int(hist[edges[1:] <= 0].sum())


def test_before_a_relu_there_are_negative_values_after_it_none() -> None:
    stats = layer_stats(_lenet(), _images())
    assert list(stats["layers"]) == ["conv1", "dense1", "logits"]
    assert list(stats["activation"]) == ["relu", "relu", ""]
    for i in (0, 1):
        assert _below_zero(stats["pre_hist"][0, i], stats["pre_edges"][i]) > 0
        assert stats["edges"][i, 0] == 0.0  # the ReLU's histogram starts at 0: none below
        assert stats["pre_hist"][0, i].sum() == stats["hist"][0, i].sum()
        assert stats["pre_mean"][0, i] < stats["mean"][0, i]
    # the share of zeros after the ReLU is the share of values <= 0 before it
    conv = stats["pre_hist"][0, 0]
    assert _below_zero(conv, stats["pre_edges"][0]) <= stats["near_zero"][0, 0] * conv.sum()
    # the linear logits have no "before": NaN numbers, empty histogram
    assert np.isnan(stats["pre_mean"][0, 2]) and np.isnan(stats["pre_edges"][2]).all()
    assert stats["pre_hist"][0, 2].sum() == 0


def _dense_model() -> keras.Model:
    keras.utils.set_random_seed(1)
    layers = keras.layers
    inp = keras.Input((4,))
    x = layers.Dense(3, activation="relu", name="hidden")(inp)
    x = layers.Dense(3, name="linear")(x)
    x = layers.ReLU(name="relu")(x)
    return keras.Model(inp, layers.Dense(2, activation="tanh", name="out")(x))


def test_before_the_activation_is_kernel_times_input_plus_bias() -> None:
    model = _dense_model()
    hidden = model.get_layer("hidden")
    hidden.bias.assign(np.array([0.5, -0.5, 0.1], np.float32))
    x = np.linspace(-1, 1, 20, dtype=np.float32).reshape(5, 4)
    config = model.get_config()
    stats = layer_stats(model, x, bins=8)
    assert list(stats["layers"]) == ["hidden", "linear", "relu", "out"]
    assert list(stats["activation"]) == ["relu", "", "relu", "tanh"]
    pre = x @ np.asarray(hidden.kernel) + np.asarray(hidden.bias)  # by hand
    np.testing.assert_allclose(stats["pre_mean"][0, 0], pre.mean(), rtol=1e-5)
    np.testing.assert_allclose(stats["pre_std"][0, 0], pre.std(), rtol=1e-5)
    edges = stats["pre_edges"][0]
    assert edges[0] == pytest.approx(pre.min()) and edges[-1] == pytest.approx(pre.max())
    expected = np.histogram(np.clip(pre, edges[0], edges[-1]), bins=edges)[0]
    np.testing.assert_array_equal(stats["pre_hist"][0, 0], expected)
    # a separate ReLU layer: its "before" is the output of the layer before it
    linear = np.maximum(pre, 0) @ np.asarray(model.get_layer("linear").kernel)
    linear += np.asarray(model.get_layer("linear").bias)
    np.testing.assert_allclose(stats["pre_std"][0, 2], linear.std(), rtol=1e-5)
    np.testing.assert_allclose(stats["pre_std"][0, 2], stats["std"][0, 1], rtol=1e-6)
    # the model itself is unchanged: same activation, same layers, same outputs
    assert hidden.activation is keras.activations.relu and len(model.layers) == 5
    assert model.get_config() == config and len(model.weights) == 6
    np.testing.assert_allclose(model.predict_on_batch(x), model(x), atol=1e-6)


def test_training_records_the_values_before_with_the_weights_of_the_moment(tmp_path) -> None:
    """The last record is taken after the last batch: its values before the activation
    are those of the trained weights (on JAX too, where the probe reads them compiled)."""
    model = _dense_model()
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse")
    x = np.random.default_rng(0).normal(size=(32, 4)).astype(np.float32)
    y = np.random.default_rng(1).normal(size=(32, 2)).astype(np.float32)
    callback = ActivationStats(probe=x[:8], out=tmp_path, every=1, bins=10)
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[callback])
    stats = read_stats(tmp_path)
    t, n = 9, 4  # before the first batch and after each of 8
    for key in ("pre_mean", "pre_std"):
        assert stats[key].shape == (t, n), key
    assert stats["pre_hist"].shape == (t, n, 10) and stats["pre_edges"].shape == (n, 11)
    assert list(stats["activation"]) == ["relu", "", "relu", "tanh"]
    hidden = model.get_layer("hidden")
    pre = x[:8] @ np.asarray(hidden.kernel) + np.asarray(hidden.bias)
    np.testing.assert_allclose(stats["pre_std"][-1, 0], pre.std(), rtol=1e-4)
    assert not np.isclose(stats["pre_std"][0, 0], pre.std(), rtol=1e-3)  # it moved


def test_cli_look_stats_draws_before_and_after(tmp_path: Path, capsys) -> None:
    saved = kerazoo.save_model(_lenet(), tmp_path / "m.keras", meta_for())
    image = tmp_path / "a.png"
    Image.fromarray(_images(1)[0, :, :, 0]).save(image)
    out = tmp_path / "stats.png"
    assert main(["look", "stats", str(saved), "--image", str(image), "--out", str(out)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"Wrote {out}"
    with Image.open(out) as picture:
        width, pixels = picture.size[0], np.asarray(picture.convert("RGB")).reshape(-1, 3)
    assert width > 1200  # four columns: before, after, mean and std, zeros
    # bars of both histograms: before the activation (blue) and after it (purple)
    for colour in ((0x2A, 0x7A, 0xB0), (0x5B, 0x3F, 0x8C)):
        assert (np.abs(pixels.astype(int) - colour).sum(axis=1) < 8).sum() > 500, colour


def test_a_picture_without_values_before_is_drawn_as_before(tmp_path: Path) -> None:
    """Statistics from a file written before the values before were recorded."""
    from kerazoo.interpret._stats import draw_activation_stats

    stats = layer_stats(_lenet(), _images())
    old = {k: v for k, v in stats.items() if not k.startswith("pre_") and k != "activation"}
    with Image.open(draw_activation_stats(old, tmp_path / "old.png")) as picture:
        assert 1000 <= picture.size[0] < 1200  # three columns, no "before"


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")
def test_a_resumed_run_goes_on_with_the_same_bins(tmp_path: Path) -> None:
    tiny = {
        "train_size": 32,
        "val_size": 16,
        "test_size": 0,
        "batch_size": 16,
        "data": {"size": 16},
        "hp": {"filters": 2, "filters2": 4, "dense1": 8, "dense2": 0},
        "verbose": 0,
    }
    out = tmp_path / "run"
    kerazoo.train(
        "shapes", "lenet", out=out, epochs=1, callbacks=[ActivationStats(every=1)], **tiny
    )
    first = read_stats(out)
    assert list(first["step"]) == [0, 1, 2] and list(first["activation"])[:2] == ["relu", "relu"]
    kerazoo.train(None, None, out=out, resume=True, epochs=2, callbacks=[ActivationStats(every=1)])
    stats = read_stats(out)
    assert list(stats["step"]) == [0, 1, 2, 3, 4] and stats["pre_hist"].shape[0] == 5
    np.testing.assert_array_equal(stats["pre_edges"], first["pre_edges"])
    np.testing.assert_array_equal(stats["pre_std"][:3], first["pre_std"])


def test_a_layer_called_twice_is_recorded_at_its_first_call() -> None:
    """A shared layer (a counter's detector applied to several inputs): its first call is
    its output, before and after the activation alike."""
    layers = keras.layers
    keras.utils.set_random_seed(2)
    inp = keras.Input((4,), name="x")
    shared = layers.Dense(3, activation="relu", name="shared")
    first, second = shared(inp), shared(layers.Rescaling(-1.0, name="flip")(inp))
    model = keras.Model(inp, layers.Dense(2, name="out")(layers.Concatenate()([first, second])))
    x = np.linspace(-1, 1, 20, dtype=np.float32).reshape(5, 4)
    stats = layer_stats(model, x, layers=["shared", "out"])
    kernel, bias = (np.asarray(w) for w in shared.get_weights())
    pre = x @ kernel + bias
    np.testing.assert_allclose(stats["pre_mean"][0, 0], pre.mean(), rtol=1e-5)
    np.testing.assert_allclose(stats["mean"][0, 0], np.maximum(pre, 0).mean(), rtol=1e-5)
