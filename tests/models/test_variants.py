"""The classic variants as options: linear head + MSE, initialisation, L2, per-block convs,
padding inside the model, per-image mean subtraction and probability outputs; from
kerazoo.build, from the settings table and from the command line."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

import kerazoo
from kerazoo import IncompatibleError, InvalidOptionError, ModelInfo, UnknownNameError
from kerazoo.models._build import build
from kerazoo.models._kernels import INITS, NORMAL_STDDEV, apply_kernel_options
from kerazoo.models._metadata import info
from tests.fixtures.processes import run_cli
from tests.fixtures.tiny_data import Bars, Blobs, Brightness

TINY_RUN = (
    "--epochs",
    "1",
    "--train-size",
    "64",
    "--val-size",
    "32",
    "--test-size",
    "32",
    "--batch-size",
    "32",
    "--quiet",
)


def kernels(model) -> dict[str, np.ndarray]:
    return {
        layer.name: np.asarray(layer.kernel)
        for layer in model.layers
        if hasattr(layer, "kernel_initializer")
    }


# -- 1. linear head + MSE ------------------------------------------------------------------
def test_mse_on_classes_trains_linear_scores_on_onehot_targets() -> None:
    model = build("lenet", Bars(), loss="mse")
    meta = info(model)
    assert meta["task"]["encoding"] == "onehot" and meta["task"]["output"] == "scores"
    assert meta["compile"]["loss"] == "mse"
    assert type(model.loss).__name__ == "MeanSquaredError"
    metrics = model.get_compile_config()["metrics"]
    assert [m["class_name"] for m in metrics] == ["CategoricalAccuracy"]
    assert model.layers[-1].name == "logits"  # linear, no softmax after it
    assert model.get_layer("logits").get_config()["activation"] == "linear"
    soft = build("lenet", Bars(), loss="mse", softmax=True)  # softmax + MSE: old-school
    assert info(soft)["task"]["output"] == "probabilities"
    assert type(soft.loss).__name__ == "MeanSquaredError" and soft.layers[-1].name == "softmax"
    mae = build("lenet", Bars(classes=2), loss="mae", encoding="binary", softmax=True)
    assert type(mae.loss).__name__ == "MeanAbsoluteError"
    assert mae.get_compile_config()["metrics"][0]["config"]["threshold"] == 0.5
    same = build("lenet", Bars(), loss="crossentropy")
    assert info(same)["compile"]["loss"] == "sparse_categorical_crossentropy"


def test_mse_on_classes_learns_and_accuracy_is_the_argmax() -> None:
    keras.utils.set_random_seed(0)
    data = Bars().generate(192, seed=1)
    model = build("lenet", Bars(), loss="mse", adapt=data.images)
    onehot = np.eye(3, dtype="float32")[data.labels]
    fit = model.fit(data.images, onehot, epochs=6, batch_size=32, verbose=0)
    assert fit.history["loss"][-1] < fit.history["loss"][0]
    scores = np.asarray(model(data.images))
    accuracy = float(np.mean(scores.argmax(1) == data.labels))
    assert accuracy == pytest.approx(fit.history["accuracy"][-1], abs=0.1)  # dropout-free
    assert accuracy > 0.8
    # the Predictor reads the scores as probabilities: clipped at 0, summing to 1, same argmax
    from kerazoo import Predictor

    results = Predictor(model, ModelInfo.of(model)).predict(data.images[:32], top_k=3)
    for row, result in zip(scores[:32], results, strict=True):
        probs = dict(result.top_k)
        assert sum(probs.values()) == pytest.approx(1.0)
        assert result.index == int(row.argmax()) and min(probs.values()) >= 0
        if row.max() > 0:
            expected = np.clip(row, 0, None) / np.clip(row, 0, None).sum()
            assert result.score == pytest.approx(float(expected.max()), rel=1e-5)


def test_value_losses_that_cannot_work_on_classes_are_refused() -> None:
    with pytest.raises(
        IncompatibleError,
        match=r"loss='mse' compares each class output with a one-hot target, but "
        r"encoding='sparse' gives class indices\. Use encoding='onehot', or leave encoding out",
    ):
        build("lenet", Bars(), loss="mse", encoding="sparse")
    with pytest.raises(
        IncompatibleError,
        match=r"loss='mse' with encoding='binary' needs a sigmoid output, "
        r"output='probabilities' \(kerazoo.build: softmax=True\)",
    ):
        build("lenet", Bars(classes=2), loss="mse", encoding="binary")
    with pytest.raises(
        UnknownNameError,
        match=r"Unknown loss 'msa' for classification\. Did you mean 'mse'.*Valid: crossentropy",
    ):
        build("lenet", Bars(), loss="msa")
    with pytest.raises(UnknownNameError, match=r"Unknown loss 'crossentropy' for regression"):
        build("lenet", Brightness(), loss="crossentropy")


# -- 2. initialisation ---------------------------------------------------------------------
@pytest.mark.parametrize("init", [i for i in INITS if i != "auto"])
def test_every_kernel_is_drawn_from_the_chosen_initializer(init) -> None:
    model = build(
        "chopped_vgg", Bars(size=16), init=init, init_scale=0.5, data_format="channels_last"
    )
    layer = model.get_layer("dense1")  # 256 x 256 after two blocks: a fair sample
    fan_in, fan_out = layer.kernel.shape
    want = {"he": 2 / fan_in, "glorot": 2 / (fan_in + fan_out), "lecun": 1 / fan_in}
    var = NORMAL_STDDEV**2 if init == "normal" else want[init.split("_")[0]]
    assert np.std(layer.kernel) == pytest.approx(0.5 * np.sqrt(var), rel=0.1)
    for name in kernels(model):
        config = model.get_layer(name).get_config()["kernel_initializer"]
        assert config["class_name"] in ("VarianceScaling", "RandomNormal"), name
    assert info(model)["compile"]["init"] == init and info(model)["compile"]["init_scale"] == 0.5


def test_auto_keeps_the_architectures_weights_and_scale_multiplies_them() -> None:
    keras.utils.set_random_seed(3)
    plain = kernels(build("lenet", Bars()))
    keras.utils.set_random_seed(3)
    scaled = build("lenet", Bars(), init_scale=0.1)
    for name, kernel in kernels(scaled).items():
        assert np.allclose(kernel, 0.1 * plain[name], atol=1e-7), name
    assert "init" not in info(scaled)["compile"] and info(scaled)["compile"]["init_scale"] == 0.1
    assert apply_kernel_options(scaled) == 0  # the defaults touch nothing


def test_bad_kernel_options() -> None:
    with pytest.raises(
        InvalidOptionError, match=r"Unknown init 'he'\. Valid: auto, he_normal, he_uniform"
    ):
        build("lenet", Bars(), init="he")
    with pytest.raises(InvalidOptionError, match=r"init_scale must be a number above 0, got 0"):
        build("lenet", Bars(), init_scale=0)
    with pytest.raises(InvalidOptionError, match=r"l2 must be a number of at least 0, got -1"):
        build("lenet", Bars(), l2=-1)


# -- 3. L2 ---------------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")
def test_l2_penalises_every_kernel_and_survives_saving(tmp_path) -> None:
    model = build("lenet", Bars(), l2=1e-3)
    names = list(kernels(model))
    assert names == ["conv1", "conv2", "dense1", "dense2", "logits"]
    expect = 1e-3 * sum(float(np.sum(k**2)) for k in kernels(model).values())
    assert len(model.losses) == len(names)
    assert float(sum(np.asarray(x) for x in model.losses)) == pytest.approx(expect, rel=1e-4)
    for name in names:
        assert model.get_layer(name).get_config()["kernel_regularizer"]["config"] == {"l2": 1e-3}
    path = kerazoo.save_model(model, tmp_path / "l2.keras")
    loaded, _ = kerazoo.load_model(path)  # safe mode: only built-in Keras objects
    assert float(sum(np.asarray(x) for x in loaded.losses)) == pytest.approx(expect, rel=1e-4)
    assert len(build("lenet", Bars()).losses) == 0


# -- 4. per-block convs and wide dense layers ----------------------------------------------
def test_chopped_vgg_takes_one_conv_count_per_block() -> None:
    arch = kerazoo.get_architecture("chopped_vgg", blocks=4, convs="2,2,3,3", dense_units=4096)
    model = build(arch, Bars(size=16))
    convs = [layer.name for layer in model.layers if type(layer).__name__ == "Conv2D"]
    assert convs == [
        "block1_conv1",
        "block1_conv2",
        "block2_conv1",
        "block2_conv2",
        "block3_conv1",
        "block3_conv2",
        "block3_conv3",
        "block4_conv1",
        "block4_conv2",
        "block4_conv3",
    ]
    assert model.get_layer("dense1").units == 4096
    assert info(model)["architecture"]["hyperparameters"]["convs"] == "2,2,3,3"
    same = kerazoo.get_architecture("chopped_vgg", blocks=4, convs=[2, 2, 3, 3])
    assert (
        same.config["convs"] == arch.config["convs"]
    )  # a list from Python or JSON, a string from the CLI
    assert kerazoo.get_architecture("chopped_vgg", convs="3").block_convs() == [3, 3, 3]


def test_per_block_conv_counts_must_match_the_blocks() -> None:
    with pytest.raises(
        InvalidOptionError,
        match=r"'convs' of architecture 'chopped_vgg' gives 4 counts \(2,2,3,3\) for "
        r"blocks=3: give one count per block, or one number for every block",
    ):
        kerazoo.get_architecture("chopped_vgg", convs="2,2,3,3")
    with pytest.raises(InvalidOptionError, match=r"each count must be from 1 to 4, got '2,5'"):
        kerazoo.get_architecture("chopped_vgg", blocks=2, convs="2,5")
    with pytest.raises(InvalidOptionError, match=r"expected N or N,N,\.\.\. \(one count per"):
        kerazoo.get_architecture("chopped_vgg", convs="2.5")
    with pytest.raises(InvalidOptionError, match=r"'dense_units'.*above the maximum 4096"):
        kerazoo.get_architecture("chopped_vgg", dense_units=4097)


def test_the_tuner_searches_conv_counts_as_one_number() -> None:
    kt = pytest.importorskip("keras_tuner")
    hp = kt.HyperParameters()
    values = type(kerazoo.get_architecture("chopped_vgg")).search_space(hp)
    convs = next(h for h in hp.space if h.name == "convs")
    assert values["convs"] == 2 and (convs.min_value, convs.max_value) == (1, 4)
    assert kerazoo.get_architecture("chopped_vgg", **values).block_convs() == [2, 2, 2]


# -- 5. padding inside the model -----------------------------------------------------------
@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")
def test_pad_to_pads_inside_and_the_saved_model_takes_the_datasets_size(tmp_path) -> None:
    data = Bars(size=28).generate(64, seed=2).images
    model = build("lenet", Bars(size=28), pad_to=32, adapt=data, normalization="image")
    assert model.input.shape == (None, 28, 28, 1)
    assert tuple(model.get_layer("pad_to").output.shape[1:]) == (32, 32, 1)
    assert tuple(model.get_layer("conv1").output.shape[1:3]) == (32, 32)  # LeNet's 32x32
    mean = model.get_layer("normalize").adapt_mean.numpy()
    assert mean.shape == (32, 32, 1) and np.all(mean[:2] == 0) and np.all(mean[:, -2:] == 0)
    assert info(model)["input"]["height"] == 28 and info(model)["compile"]["pad_to"] == 32
    path = kerazoo.save_model(model, tmp_path / "padded.keras")
    result = kerazoo.Predictor.load(path).predict(data[:3])
    assert len(result) == 3 and {r.label for r in result} <= {"band0", "band1", "band2"}


def test_pad_to_lets_a_deeper_body_fit_and_never_crops() -> None:
    with pytest.raises(IncompatibleError, match=r"blocks=5: each block halves the image"):
        build(kerazoo.get_architecture("chopped_vgg", blocks=5), Bars(size=28))
    deep = build(kerazoo.get_architecture("chopped_vgg", blocks=5), Bars(size=28), pad_to=32)
    assert tuple(deep.get_layer("block5_pool").output.shape[1:3]) == (1, 1)
    with pytest.raises(
        IncompatibleError,
        match=r"pad_to=24 pads the image up to 24x24, but the dataset's images are already "
        r"28x28: padding never crops\. Use pad_to=28 or more",
    ):
        build("lenet", Bars(size=28), pad_to=24)
    with pytest.raises(IncompatibleError, match=r"a reconstruction must give back the image"):
        build("autoencoder", Blobs(), pad_to=16)
    odd = build("lenet", Bars(size="27x11"), pad_to=32, normalization="none")
    assert tuple(odd.get_layer("pad_to").output.shape[1:3]) == (32, 32)
    assert "pad_to" not in [layer.name for layer in build("lenet", Bars(), pad_to=12).layers]


# -- 6. per-image mean subtraction and probability outputs ---------------------------------
def test_per_image_normalization_subtracts_each_images_own_mean() -> None:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (5, 12, 12, 3), np.uint8)
    images[0] //= 4  # a dark image and bright ones: each is centred on its own mean
    model = build("lenet", Bars(channels=3), normalization="per_image")
    assert "normalize" not in [layer.name for layer in model.layers]
    sub = keras.Model(model.input, model.get_layer("subtract_image_mean").output)
    z = np.asarray(sub(images))
    assert np.allclose(z.mean(axis=(1, 2)), 0, atol=1e-6)
    assert np.allclose(z, images / 255 - (images / 255).mean(axis=(1, 2), keepdims=True), atol=1e-6)
    assert info(model)["compile"]["normalization"] == "per_image"
    assert kerazoo.ModelInfo.of(model).input_stats is None  # nothing adapted, none given


def test_per_image_and_padding_convert_to_channels_last() -> None:
    from kerazoo.models._layout import to_channels_last

    first = build(
        "lenet",
        Bars(size=10, channels=3),
        normalization="per_image",
        pad_to=12,
        data_format="channels_first",
        _allow_unrunnable=True,
    )
    twin = to_channels_last(first)
    images = np.random.default_rng(1).integers(0, 256, (2, 10, 10, 3), np.uint8)
    sub = keras.Model(twin.input, twin.get_layer("subtract_image_mean").output)
    z = np.asarray(sub(images))
    assert z.shape == (2, 12, 12, 3) and np.allclose(z.mean(axis=(1, 2)), 0, atol=1e-6)


# -- settings and the command line ---------------------------------------------------------
def test_the_variants_are_training_settings_with_sensible_tuning() -> None:
    from kerazoo.training._loop import model_variants
    from kerazoo.training._settings import SETTINGS, check_settings

    tuned = {name for name, p in SETTINGS.items() if p.tune}
    assert {"init", "init_scale", "l2"} <= tuned
    assert not {"loss", "output", "normalization", "pad_to", "keep_checkpoints"} & tuned
    cfg = check_settings(
        {
            "loss": "mse",
            "output": "probabilities",
            "pad_to": "32",
            "init": "he_uniform",
            "init_scale": "0.5",
            "l2": "1e-4",
            "normalization": "per_image",
            "keep_checkpoints": "true",
        }
    )
    assert model_variants(cfg) == {
        "softmax": True,
        "loss": "mse",
        "normalization": "per_image",
        "pad_to": 32,
        "init": "he_uniform",
        "init_scale": 0.5,
        "l2": 1e-4,
    }
    assert cfg["keep_checkpoints"] is True
    with pytest.raises(
        InvalidOptionError, match=r"Invalid value 'softmax' for training setting 'output'"
    ):
        check_settings({"output": "softmax"})


def test_train_help_lists_every_variant_with_its_choices() -> None:
    done = run_cli("train", "--help")
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    for flag, shown in (
        ("--loss LOSS", "'crossentropy', 'mse', 'mae'; default auto"),
        ("--output OUTPUT", "'logits', 'probabilities'; default logits"),
        ("--normalization NORMALIZATION", "'channel', 'image', 'per_image', 'none'"),
        ("--pad-to PAD_TO", "int in [1, inf]; default auto"),
        ("--init INIT", "'he_normal', 'he_uniform', 'glorot_normal', 'glorot_uniform'"),
        ("--init-scale INIT_SCALE", "float in [0.01, 10.0]; tune searches [0.5, 2.0]; default 1.0"),
        ("--l2 L2", "float in [0.0, 0.01]; default 0.0"),
        ("--keep-checkpoints", "checkpoints/epoch-NNN.keras"),
    ):
        assert flag in text and shown in text, flag


@pytest.mark.slow
def test_cli_linear_head_with_mse_trains_predicts_and_evaluates(tmp_path) -> None:
    run = tmp_path / "mse"
    done = run_cli(
        "train",
        "shapes",
        "chopped_vgg",
        "--loss",
        "mse",
        "--data",
        "size=16",
        "--hp",
        "blocks=2",
        "--hp",
        "filters=4",
        "--hp",
        "dense_units=16",
        "--out",
        str(run),
        *TINY_RUN,
    )
    assert done.returncode == 0, done.stderr
    assert "accuracy" in done.stdout and "test_accuracy" in done.stdout
    meta = kerazoo.read_metadata(run / "model.keras")
    assert (meta["task"]["output"], meta["task"]["encoding"]) == ("scores", "onehot")
    assert meta["compile"]["loss"] == "mse"
    assert json.loads((run / "run.json").read_text())["settings"]["loss"] == "mse"
    image = kerazoo.get_dataset("shapes", size=16).generate(1, seed=9).images[0]
    from PIL import Image

    Image.fromarray(image[..., 0]).save(tmp_path / "one.png")
    shown = run_cli("predict", str(run), str(tmp_path / "one.png"))
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split(": ")[1].split(" (")[0] in ("circle", "square", "triangle")
    scored = run_cli("evaluate", str(run), "-n", "32", "--json")
    assert scored.returncode == 0, scored.stderr
    metrics = json.loads(scored.stdout)["metrics"]
    assert 0 <= metrics["accuracy"] <= 1 and np.isfinite(metrics["cross_entropy"])


@pytest.mark.slow
def test_cli_pads_28_to_32_and_the_model_predicts_28x28_images(tmp_path) -> None:
    run = tmp_path / "pad"
    done = run_cli(
        "train",
        "shapes",
        "lenet",
        "--data",
        "size=28",
        "--pad-to",
        "32",
        "--normalization",
        "per_image",
        "--init",
        "glorot_uniform",
        "--l2",
        "1e-4",
        "--output",
        "probabilities",
        "--out",
        str(run),
        *TINY_RUN,
    )
    assert done.returncode == 0, done.stderr
    meta = kerazoo.read_metadata(run / "model.keras")
    assert meta["input"]["height"] == 28 and meta["task"]["output"] == "probabilities"
    assert {k: meta["compile"][k] for k in ("pad_to", "init", "l2", "normalization")} == {
        "pad_to": 32,
        "init": "glorot_uniform",
        "l2": 1e-4,
        "normalization": "per_image",
    }
    images = kerazoo.get_dataset("shapes", size=28).generate(4, seed=9).images
    result = kerazoo.Predictor.load(run / "model.keras").predict(images)
    assert all(0 <= r.score <= 1 for r in result)
