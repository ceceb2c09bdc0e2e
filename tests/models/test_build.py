"""kerazoo.build: heads, losses, layouts, options and metadata (no training here)."""

from __future__ import annotations

import gc
import json

import keras
import numpy as np
import pytest

import kerazoo
from kerazoo import (
    DataError,
    IncompatibleError,
    InvalidOptionError,
    ModelFileError,
    PluginError,
    UnknownNameError,
)
from kerazoo.models._build import build
from kerazoo.models._devices import has_accelerator, resolve_data_format
from kerazoo.models._metadata import info, set_info
from tests.fixtures.tiny_data import Bars, Blobs, Brightness

CONV_POOL = ("Conv2D", "MaxPooling2D", "AveragePooling2D", "UpSampling2D", "ZeroPadding2D")


def layer_classes(model) -> list[str]:
    return [type(layer).__name__ for layer in model.layers]


# -- task, encoding and loss ---------------------------------------------------------------
def test_reconstruction_on_lenet_is_refused() -> None:
    with pytest.raises(
        IncompatibleError,
        match=r"architecture 'lenet' does not support reconstruction tasks; it supports "
        r"classification, regression",
    ):
        build("lenet", Blobs())
    with pytest.raises(IncompatibleError, match=r"encoding='reconstruction' asks for a recon"):
        build("lenet", Bars(), encoding="reconstruction")


def test_autoencoder_on_classification_says_how() -> None:
    with pytest.raises(
        IncompatibleError,
        match=r"does not support classification tasks.*To reconstruct the images of this "
        r"classification dataset, pass encoding='reconstruction'",
    ):
        build("autoencoder", Bars())
    model = build("autoencoder", Bars(), encoding="reconstruction")
    assert info(model)["task"] == {
        "kind": "reconstruction",
        "encoding": "reconstruction",
        "output": "image",
    }


def test_binary_with_three_classes_is_refused() -> None:
    with pytest.raises(IncompatibleError, match=r"encoding='binary' needs exactly 2 classes"):
        build("lenet", Bars(classes=3), encoding="binary")


def test_onehot_for_regression_is_refused() -> None:
    with pytest.raises(IncompatibleError, match=r"encoding='onehot' is for classification"):
        build("lenet", Brightness(), encoding="onehot")


def test_loss_must_fit_the_encoding() -> None:
    with pytest.raises(
        IncompatibleError,
        match=r"loss='categorical_crossentropy' does not fit classification with "
        r"encoding='sparse': the encoding decides the loss \(sparse_categorical_crossentropy\)",
    ):
        build("lenet", Bars(), loss="categorical_crossentropy")
    with pytest.raises(IncompatibleError, match=r"encoding='sparse' gives class indices"):
        build("lenet", Bars(), loss="mse", encoding="sparse")  # mse alone picks onehot
    with pytest.raises(UnknownNameError, match=r"Unknown loss 'msa' for regression\. Did you"):
        build("lenet", Brightness(), loss="msa")


def test_softmax_needs_classes() -> None:
    with pytest.raises(IncompatibleError, match=r"softmax=True adds a softmax to class logits"):
        build("lenet", Brightness(), softmax=True)


@pytest.mark.parametrize(
    ("encoding", "classes", "units", "loss", "metric"),
    [
        ("sparse", 3, 3, "SparseCategoricalCrossentropy", "SparseCategoricalAccuracy"),
        ("onehot", 3, 3, "CategoricalCrossentropy", "CategoricalAccuracy"),
        ("binary", 2, 1, "BinaryCrossentropy", "BinaryAccuracy"),
    ],
)
@pytest.mark.parametrize("softmax", [False, True])
def test_classification_heads(encoding, classes, units, loss, metric, softmax) -> None:
    model = build("lenet", Bars(classes=classes), encoding=encoding, softmax=softmax)
    assert model.output.shape == (None, units)
    assert type(model.loss).__name__ == loss
    assert model.loss.get_config()["from_logits"] is (not softmax)
    metrics = model.get_compile_config()["metrics"]
    assert [m["class_name"] for m in metrics] == [metric]
    assert model.get_layer("logits").units == units
    meta = info(model)
    assert meta["task"]["output"] == ("probabilities" if softmax else "logits")
    assert meta["task"]["encoding"] == encoding
    if softmax:
        last = "sigmoid" if encoding == "binary" else "softmax"
        assert model.layers[-1].name == last
        x = Bars(classes=classes).generate(4).images
        p = np.asarray(model(x))
        assert np.all((p >= 0) & (p <= 1))


def test_regression_head_is_linear_and_scaled_to_the_range() -> None:
    model = build("lenet", Brightness(), loss="mae")
    assert model.output.shape == (None, 1)
    assert model.get_layer("value").get_config()["activation"] == "linear"
    scale = model.get_layer("value_range").get_config()
    assert (scale["scale"], scale["offset"]) == (5.0, 5.0)
    assert type(model.loss).__name__ == "MeanAbsoluteError"
    assert info(model)["compile"]["loss"] == "mae"
    assert info(model)["task"]["output"] == "values"


# -- input pipeline inside the model ------------------------------------------------------
def test_input_is_raw_uint8_with_rescaling_and_normalization_inside() -> None:
    data = Bars(channels=3).generate(64, seed=3).images
    model = build("lenet", Bars(channels=3), adapt=data)
    assert model.input.dtype == "uint8" and model.input.shape == (None, 12, 12, 3)
    assert layer_classes(model)[:3] == ["InputLayer", "Rescaling", "Normalization"]
    sub = keras.Model(model.input, model.get_layer("normalize").output)
    z = np.asarray(sub(data))
    assert np.allclose(z.mean(axis=(0, 1, 2)), 0, atol=1e-4)
    assert np.allclose(z.std(axis=(0, 1, 2)), 1, atol=1e-3)
    assert info(model)["dataset"]["seed"] is None  # adapted on given images


def test_image_normalization_is_per_pixel_and_none_has_no_layer() -> None:
    data = Bars().generate(64, seed=3).images
    model = build("lenet", Bars(), adapt=data, normalization="image")
    sub = keras.Model(model.input, model.get_layer("normalize").output)
    z = np.asarray(sub(data))
    assert np.allclose(z.mean(axis=0), 0, atol=1e-4)  # every pixel centred
    bare = build("lenet", Bars(), normalization="none")
    assert "Normalization" not in layer_classes(bare)
    assert info(bare)["compile"]["normalization"] == "none"


def test_adapts_on_generated_images_when_none_given() -> None:
    model = build("lenet", Bars(), seed=7)
    assert info(model)["dataset"]["seed"] == 7
    mean = model.get_layer("normalize").adapt_mean.numpy()
    expect = Bars().generate(512, seed=7).images.mean() / 255
    assert np.allclose(mean, expect, atol=1e-5)


def test_input_statistics_of_the_adapt_images_are_recorded_and_saved(tmp_path) -> None:
    from kerazoo.saving._records import InputStats

    images = Bars(channels=3).generate(40, seed=2).images
    model = build("lenet", Bars(channels=3), adapt=images)
    stats = kerazoo.ModelInfo.of(model).input_stats
    assert stats == InputStats.measure(images)
    assert (stats.n, stats.height, stats.width, stats.channels) == (40, 12, 12, 3)
    assert len(stats.mean) == len(stats.std) == 3
    assert 20 < stats.background.mean < 40  # noise 0..59 around a bright bar
    assert stats.polarity.low > 0.5 and stats.colour.mean > 20  # bright; noise per channel
    record = info(model)["input_stats"]
    assert len(json.dumps(record)) < 800  # rounded floats: the file stays small
    path = kerazoo.save_model(model, tmp_path / "bars.keras")
    assert kerazoo.read_metadata(path)["input_stats"] == record
    assert kerazoo.ModelInfo.of(kerazoo.load_model(path)[0]).input_stats == stats


def test_input_statistics_need_training_images() -> None:
    assert kerazoo.ModelInfo.of(build("lenet", Bars())).input_stats.n == 512  # generated
    bare = build("lenet", Bars(), normalization="none")  # nothing to adapt: nothing made
    assert kerazoo.ModelInfo.of(bare).input_stats is None
    images = Bars().generate(8).images
    given = build("lenet", Bars(), normalization="none", adapt=images)
    assert kerazoo.ModelInfo.of(given).input_stats.n == 8


def test_bad_adapt_images() -> None:
    with pytest.raises(DataError, match=r"adapt= takes the raw training images as uint8"):
        build("lenet", Bars(), adapt=np.zeros((4, 12, 12, 1), np.float32))
    with pytest.raises(DataError, match=r"\(H, W, C\) = \(12, 12, 1\), got uint8 \(4, 9, 9, 1\)"):
        build("lenet", Bars(), adapt=np.zeros((4, 9, 9, 1), np.uint8))


@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")
def test_only_builtin_layers_and_safe_mode_loading(tmp_path) -> None:
    for model in (
        build("chopped_vgg", Bars(size=16), softmax=True),
        build("autoencoder", Blobs(size="9x13"), precision="mixed_bfloat16"),
        build(
            "lenet",
            Brightness(),
            normalization="image",
            schedule="onecycle",
            steps_per_epoch=3,
            epochs=2,
        ),
    ):
        for layer in model.layers:
            assert type(layer).__module__.startswith("keras."), layer
        path = tmp_path / f"{model.name}.keras"
        model.save(path)
        x = np.random.default_rng(0).integers(0, 256, (2, *model.input.shape[1:]), np.uint8)
        loaded = keras.saving.load_model(path, safe_mode=True)
        assert np.allclose(loaded(x), model(x), atol=1e-5)


def test_initialisation_fits_the_activation() -> None:
    for arch in ("lenet", "chopped_vgg"):
        model = build(arch, Bars(size=16))
        for layer in model.layers:
            cfg = layer.get_config()
            if "kernel_initializer" not in cfg:
                continue
            init = cfg["kernel_initializer"]["class_name"]
            if layer.name == "logits":
                assert init == "GlorotUniform"
            elif cfg.get("activation") == "relu" or "conv" in layer.name:
                assert init == "HeNormal", layer.name


# -- channel order -------------------------------------------------------------------------
def test_channels_first_is_refused_on_tensorflow_cpu() -> None:
    if has_accelerator():
        pytest.skip("a GPU can run channels_first")
    with pytest.raises(
        IncompatibleError,
        match=r"^data_format='channels_first' cannot run on TensorFlow without a GPU: "
        r"TensorFlow's CPU convolutions only accept channels_last\. Use data_format='auto' "
        r"or data_format='channels_last'\.$",
    ):
        build("lenet", Bars(), data_format="channels_first")


def test_channels_first_refusal_speaks_flags_on_the_command_line(tmp_path, capsys) -> None:
    from kerazoo._cli import main

    if has_accelerator():
        pytest.skip("a GPU can run channels_first")
    code = main(
        [
            "train",
            "shapes",
            "lenet",
            "--data-format",
            "channels_first",
            "--out",
            str(tmp_path / "run"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "--data-format channels_first cannot run on TensorFlow" in err
    assert "Use --data-format auto or --data-format channels_last." in err


@pytest.mark.parametrize("arch", ["lenet", "chopped_vgg", "autoencoder"])
def test_auto_gives_channels_last_on_tensorflow_cpu(arch: str) -> None:
    ds = Blobs(size="16x12") if arch == "autoencoder" else Bars(size=16)
    model = build(arch, ds)
    assert info(model)["input"]["data_format"] == "channels_last"
    checked = 0
    for layer in model.layers:
        if type(layer).__name__ in CONV_POOL + ("Flatten", "Cropping2D"):
            assert layer.data_format == "channels_last", layer.name
            checked += 1
    assert checked >= 4


@pytest.mark.parametrize("arch", ["lenet", "chopped_vgg", "autoencoder"])
def test_channels_first_twin_has_the_same_weight_structure(arch: str) -> None:
    ds = Blobs(size="16x12", channels=3) if arch == "autoencoder" else Bars(size=16, channels=3)
    hp = {"batch_norm": True} if arch == "chopped_vgg" else {}
    a = kerazoo.get_architecture(arch, **hp)
    last = build(a, ds, data_format="channels_last")
    first = build(a, ds, data_format="channels_first", _allow_unrunnable=True)
    assert first.input.shape == (None, 3, *last.input.shape[1:3])
    assert info(first)["input"]["data_format"] == "channels_first"
    for layer in first.layers:
        if hasattr(layer, "data_format"):
            assert layer.data_format == "channels_first", layer.name
        if type(layer).__name__ == "BatchNormalization":
            assert layer.axis == 1
    assert [layer.name for layer in first.layers] == [layer.name for layer in last.layers]
    assert [w.shape for w in first.weights] == [w.shape for w in last.weights]
    assert first.output.shape[1:] == (
        last.output.shape[1:] if arch != "autoencoder" else (3, *last.output.shape[1:3])
    )


def test_resolve_data_format_per_backend() -> None:
    assert resolve_data_format("auto", backend="tensorflow", gpu=False) == "channels_last"
    assert resolve_data_format("auto", backend="tensorflow", gpu=True) == "channels_last"
    assert resolve_data_format("auto", backend="jax", gpu=True) == "channels_last"
    assert resolve_data_format("auto", backend="torch", gpu=True) == "channels_first"
    assert resolve_data_format("channels_first", backend="tensorflow", gpu=True) == (
        "channels_first"
    )
    assert resolve_data_format("channels_first", backend="jax", gpu=False) == "channels_first"
    with pytest.raises(InvalidOptionError, match=r"Unknown data_format 'channel_last'\. Did you"):
        resolve_data_format("channel_last")


# -- optimizer, schedule, precision, jit ---------------------------------------------------
@pytest.mark.parametrize(
    ("name", "cls", "lr"),
    [
        ("sgd", "SGD", 0.01),
        ("momentum", "SGD", 0.01),
        ("nesterov", "SGD", 0.01),
        ("adamw", "AdamW", 1e-3),
        ("RMSprop", "RMSprop", 1e-3),
    ],
)
def test_optimizers_by_name(name: str, cls: str, lr: float) -> None:
    model = build("lenet", Bars(), optimizer=name)
    assert type(model.optimizer).__name__ == cls
    assert info(model)["compile"]["optimizer"] == name.lower()
    assert info(model)["compile"]["learning_rate"] == lr
    if name == "nesterov":
        assert model.optimizer.nesterov and model.optimizer.momentum == 0.9


def test_optimizer_object_and_errors() -> None:
    opt = keras.optimizers.SGD(learning_rate=0.05)
    model = build("lenet", Bars(), optimizer=opt)
    assert model.optimizer is opt
    assert info(model)["compile"]["optimizer"] == "sgd"
    assert info(model)["compile"]["learning_rate"] == pytest.approx(0.05)
    with pytest.raises(InvalidOptionError, match=r"learning_rate and schedule apply to an opt"):
        build("lenet", Bars(), optimizer=keras.optimizers.Adam(), learning_rate=0.1)
    with pytest.raises(
        UnknownNameError, match=r"Unknown optimizer 'adm'\. Did you mean 'adam'.*Valid: sgd, "
    ):
        build("lenet", Bars(), optimizer="adm")
    with pytest.raises(InvalidOptionError, match=r"learning_rate must be a positive number"):
        build("lenet", Bars(), learning_rate=-1)


@pytest.mark.parametrize("schedule", ["exponential", "decay", "cosine", "onecycle"])
def test_schedules(schedule: str) -> None:
    model = build(
        "lenet",
        Bars(),
        optimizer="sgd",
        learning_rate=0.1,
        schedule=schedule,
        steps_per_epoch=10,
        epochs=10,
    )
    sched = model.optimizer._learning_rate
    start, peak, end = (float(sched(s)) for s in (0, 30, 100))
    if schedule == "onecycle":
        assert start == pytest.approx(0.004) and peak == pytest.approx(0.1) and end < 1e-5
    else:
        assert start == pytest.approx(0.1) and end <= 0.01 + 1e-9
    canonical = "exponential" if schedule == "decay" else schedule
    assert info(model)["compile"]["schedule"] == canonical


def test_schedule_errors() -> None:
    with pytest.raises(
        InvalidOptionError,
        match=r"schedule='cosine' needs the length of training: pass steps_per_epoch=\.\.\. "
        r"and epochs=\.\.\. \(positive integers\); got steps_per_epoch=None",
    ):
        build("lenet", Bars(), schedule="cosine")
    with pytest.raises(InvalidOptionError, match=r"Unknown schedule 'cosin'\. Did you mean"):
        build("lenet", Bars(), schedule="cosin", steps_per_epoch=1, epochs=1)


def test_mixed_precision_is_per_layer_and_leaves_the_global_policy() -> None:
    before = keras.config.dtype_policy().name
    model = build("chopped_vgg", Bars(size=16), precision="mixed_float16")
    assert keras.config.dtype_policy().name == before
    assert model.get_layer("block1_conv1").dtype_policy.name == "mixed_float16"
    assert model.get_layer("logits").dtype_policy.name == "float32"
    assert model.get_layer("normalize").dtype_policy.name == "float32"
    assert model.output.dtype == "float32"
    assert type(model.optimizer).__name__ == "LossScaleOptimizer"
    assert info(model)["compile"]["precision"] == "mixed_float16"
    rec = build("autoencoder", Blobs(), precision="mixed_bfloat16")
    assert rec.output.dtype == "float32" and keras.config.dtype_policy().name == before


def test_jit_compile_is_off_on_cpu_unless_asked() -> None:
    if has_accelerator():
        pytest.skip("on a GPU auto turns XLA on")
    assert info(build("lenet", Bars()))["compile"]["jit_compile"] is False
    model = build("lenet", Bars(), jit_compile=True)
    assert model.jit_compile is True and info(model)["compile"]["jit_compile"] is True


def test_option_value_errors() -> None:
    with pytest.raises(InvalidOptionError, match=r"Unknown normalization 'channels'\. Did you"):
        build("lenet", Bars(), normalization="channels")
    with pytest.raises(InvalidOptionError, match=r"Unknown precision 'float16'\..*Valid: float32"):
        build("lenet", Bars(), precision="float16")
    with pytest.raises(InvalidOptionError, match=r"jit_compile must be True, False or 'auto'"):
        build("lenet", Bars(), jit_compile="yes")
    with pytest.raises(InvalidOptionError, match=r"The dataset must be a registered name or a "):
        build("lenet", 3)
    with pytest.raises(UnknownNameError, match=r"Unknown architecture 'lenett'"):
        build("lenett", Bars())


def test_a_plugin_body_that_returns_garbage_is_reported() -> None:
    class Broken(kerazoo.Architecture):
        tasks = ("classification", "reconstruction")

        def build_body(self, inputs, spec, data_format):
            if spec.channels == 1 and spec.height == 12:
                return "features"
            return keras.layers.Conv2D(2, 3, data_format=data_format)(inputs)

    with pytest.raises(PluginError, match=r"build_body returned str, not a keras tensor"):
        build(Broken(), Bars())
    with pytest.raises(PluginError, match=r"returned shape \(8, 8, 2\) for reconstruction; it "):
        build(Broken(), Blobs(size=10))


# -- metadata ------------------------------------------------------------------------------
def test_build_is_the_public_kerazoo_build() -> None:
    assert kerazoo.build is build


def test_info_has_the_design_shape_and_is_json() -> None:
    arch = kerazoo.get_architecture("chopped_vgg", blocks=2, width=0.5)
    model = build(arch, Bars(size="16x12"), encoding="onehot", seed=3)
    meta = info(model)
    assert set(meta) == {
        "task",
        "input",
        "dataset",
        "architecture",
        "compile",
        "layers",
        "input_stats",
    }
    assert meta["layers"] == {"last_conv": "block2_conv2", "logits": "logits"}
    assert meta["task"] == {
        "kind": "classification",
        "class_names": ["band0", "band1", "band2"],
        "encoding": "onehot",
        "output": "logits",
    }
    assert meta["input"] == {
        "height": 16,
        "width": 12,
        "channels": 1,
        "data_format": "channels_last",
        "dtype": "uint8",
    }
    assert meta["dataset"] == {
        "name": "bars",
        "options": {"size": "16x12", "classes": 3, "channels": 1},
        "seed": 3,
        "plugin": "",
    }
    assert meta["architecture"]["name"] == "chopped_vgg"
    assert meta["architecture"]["hyperparameters"]["width"] == 0.5
    assert meta["architecture"]["plugin"].startswith("kerazoo ")
    assert set(meta["compile"]) == {
        "optimizer",
        "learning_rate",
        "schedule",
        "loss",
        "precision",
        "jit_compile",
        "normalization",
    }
    assert json.loads(json.dumps(meta)) == meta
    meta["task"]["kind"] = "changed"  # a copy: the model's metadata is untouched
    assert info(model)["task"]["kind"] == "classification"


def test_info_survives_fit_and_attribute_tracking_and_is_released() -> None:
    model = build("lenet", Bars())
    model.some_list = [1, 2]  # keras tracks attributes; the metadata is not an attribute
    data = Bars().generate(8)
    model.fit(data.images, data.labels, epochs=1, verbose=0)
    assert info(model)["task"]["encoding"] == "sparse"
    n = len(kerazoo.saving._info._TABLE)
    del model
    gc.collect()
    assert len(kerazoo.saving._info._TABLE) < n


def test_info_of_a_plain_keras_model_is_a_clear_error() -> None:
    plain = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)], name="plain")
    with pytest.raises(IncompatibleError, match=r"Sequential 'plain' carries no kerazoo metad"):
        info(plain)
    meta = {
        "task": {"kind": "regression", "value_range": [0.0, 1.0], "integer": False},
        "input": {
            "height": 2,
            "width": 1,
            "channels": 1,
            "data_format": "channels_last",
            "dtype": "uint8",
        },
    }
    set_info(plain, meta)
    assert info(plain) == meta
    with pytest.raises(ModelFileError, match=r"invalid: task.kind must be a string, got int 3"):
        set_info(plain, {**meta, "task": {"kind": 3}})


class _Body(kerazoo.Architecture):
    """A one-layer body chosen by ``kind``, to test what build() refuses."""

    description = "test body"
    hyperparameters = {"kind": kerazoo.Param("lambda", str)}
    plugin = "kz-bodies 0.2"

    def build_body(self, inputs, spec, data_format):
        import keras

        kind = self.config["kind"]
        if kind == "lambda":
            return keras.layers.Lambda(lambda t: t * 2, name="double")(inputs)
        if kind == "custom":

            class Twice(keras.layers.Layer):  # not registered: safe_mode cannot load it
                def call(self, t):
                    return t * 2

            return Twice(name="twice")(inputs)
        if kind == "reserved":
            return keras.layers.Conv2D(4, 3, name="logits")(inputs)
        if kind == "nested":
            block = keras.Sequential([keras.layers.Conv2D(4, 3)], name="block")
            return block(inputs)
        raise RuntimeError("the body broke")


@pytest.mark.parametrize(
    ("kind", "error", "message"),
    [
        ("lambda", kerazoo.PluginError, r"layer 'double' \(Lambda\)"),
        ("custom", kerazoo.PluginError, r"layer 'twice' \(Twice\): its class is not a registered"),
        ("reserved", kerazoo.PluginError, r"layer 'logits'.* reserved"),
        (
            "nested",
            kerazoo.PluginError,
            r"layer 'block' \(Sequential\): a model inside the model hides its layers",
        ),
        (
            "raises",
            kerazoo.PluginError,
            r"architecture '_Body' from kz-bodies 0\.2 failed in build_body\(\): RuntimeError: "
            r"the body broke",
        ),
    ],
)
def test_build_refuses_bodies_a_saved_model_could_not_keep(kind, error, message) -> None:
    with pytest.raises(error, match=message) as caught:
        build(_Body(kind=kind), Brightness(size=8))
    assert "_Body" in str(caught.value)
    if kind == "raises":
        assert isinstance(caught.value.__cause__, RuntimeError)
