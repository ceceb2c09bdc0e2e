"""Architectures: the contract over every registered plugin, then each built-in's promises."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import kerazoo
from kerazoo import IncompatibleError
from kerazoo.data._batches import encode_inputs, make_batches
from kerazoo.models._build import build
from kerazoo.models._metadata import info
from kerazoo.testing import check_architecture
from tests.fixtures.tiny_data import LOCAL, Bars, Blobs, tiny_dataset, write_image_folder

ARCHITECTURES = kerazoo.list_architectures()
# The contract with every dataset: LeNet's runs in the fast set, the larger bodies' are slow.
CONTRACT_ARCHITECTURES = [
    pytest.param(name, marks=() if name == "lenet" else pytest.mark.slow) for name in ARCHITECTURES
]
DATASETS = kerazoo.list_datasets() + sorted(LOCAL)


@pytest.fixture(scope="module")
def image_folder(tmp_path_factory: pytest.TempPathFactory):
    """PNG files in class folders, for datasets with a ``path`` option (``folder``)."""
    return write_image_folder(tmp_path_factory.mktemp("images"))


def fit_and_predict(model, data) -> np.ndarray:
    """Two training steps (eagerly: tiny runs are dominated by tracing) and a prediction."""
    model.run_eagerly = True
    history = model.fit(make_batches(data, info(model), 8), epochs=1, verbose=0, shuffle=False)
    assert np.isfinite(history.history["loss"][-1])
    return model.predict(encode_inputs(data.images[:3], info(model)), verbose=0)


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("arch", CONTRACT_ARCHITECTURES)
def test_contract_every_architecture_with_every_dataset(
    arch: str, dataset: str, image_folder, tmp_path, keras_home
) -> None:
    ds = tiny_dataset(dataset, image_folder)
    saved = check_architecture(arch, ds, tmp_path)
    made = kerazoo.get_architecture(arch)
    supported = type(made).tasks
    (h, w, _), (mh, mw) = ds.image_shape, made.min_input_size()
    refused = ds.task.kind not in supported and "reconstruction" not in supported
    assert (saved is None) == (refused or h < mh or w < mw)


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_declarations(arch: str) -> None:
    cls = kerazoo._registry.architecture_class(arch)
    assert cls.description and cls.tasks
    a = cls()
    mh, mw = a.min_input_size()
    assert mh >= 1 and mw >= 1
    for name, p in cls.hyperparameters.items():
        assert p.help, name
        if p.tune and p.kind in (int, float):
            assert p.low is not None and p.high is not None, name


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_search_space_draws_buildable_models(arch: str) -> None:
    kt = pytest.importorskip("keras_tuner")
    cls = kerazoo._registry.architecture_class(arch)
    hp = kt.HyperParameters()
    values = cls.search_space(hp)
    assert set(values) == set(cls.hyperparameters)
    ds = Blobs(size=32) if "reconstruction" in cls.tasks else Bars(size=32)
    build(cls(**values), ds, adapt=ds.generate(4).images)


def test_plugin_modules_do_not_import_keras() -> None:
    code = (
        "import sys, kerazoo; kerazoo.list_architectures(); "
        "[kerazoo.get_architecture(a) for a in kerazoo.list_architectures()]; "
        "print('keras' in sys.modules, 'tensorflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False False", out.stderr


# -- lenet ---------------------------------------------------------------------------------
def test_lenet_is_sized_from_the_input() -> None:
    from kerazoo_builtin.architectures.lenet import lenet_geometry

    assert lenet_geometry(27, 11) == {"kernel": (5, 3), "pool": (2, 2)}
    assert lenet_geometry(100, 150) == {"kernel": (5, 5), "pool": (4, 5)}
    for size, channels, final in (("27x11", 1, (6, 2)), ("100x150", 3, (6, 6))):
        model = build("lenet", Bars(size=size, channels=channels), normalization="none")
        assert tuple(model.get_layer("pool2").output.shape[1:3]) == final
        assert [model.get_layer(n).units for n in ("dense1", "dense2")] == [120, 84]
        assert model.get_layer("conv1").filters == 6 and model.get_layer("conv2").filters == 16


def test_lenet_classic_variant_and_too_small_input() -> None:
    a = kerazoo.get_architecture("lenet", activation="tanh", pooling="average", dense2=0)
    model = build(a, Bars(), normalization="none")
    assert model.get_layer("conv1").get_config()["kernel_initializer"]["class_name"] == (
        "GlorotUniform"
    )
    assert type(model.get_layer("pool1")).__name__ == "AveragePooling2D"
    assert "dense2" not in [layer.name for layer in model.layers]
    with pytest.raises(IncompatibleError, match=r"Input 3x9 is too small for architecture 'lenet'"):
        build("lenet", Bars(size="3x9"))


# -- chopped VGG ---------------------------------------------------------------------------
def test_chopped_vgg_refuses_too_small_input_and_names_the_depth_that_fits() -> None:
    a = kerazoo.get_architecture("chopped_vgg", blocks=4)
    assert a.min_input_size() == (16, 16)
    with pytest.raises(
        IncompatibleError,
        match=r"Input 27x11 is too small for architecture 'chopped_vgg' with blocks=4: each "
        r"block halves the image, so 4 blocks need at least 16x16; the largest depth that "
        r"fits is blocks=3\. Use fewer blocks or larger images\.",
    ):
        build(a, Bars(size="27x11"))
    with pytest.raises(IncompatibleError, match=r"no depth fits: even one block needs 2x2"):
        build("chopped_vgg", Bars(size="1x8"))


def vgg(**hp):
    return build(kerazoo.get_architecture("chopped_vgg", **hp), Bars(size=16))


def by_class(model, cls: str) -> list:
    return [layer for layer in model.layers if type(layer).__name__ == cls]


def test_chopped_vgg_classic_experiments_are_one_option_each() -> None:
    base = vgg(blocks=2)
    assert [c.filters for c in by_class(base, "Conv2D")] == [32, 32, 64, 64]
    assert [d.name for d in by_class(base, "Dense")] == ["dense1", "logits"]
    half = vgg(blocks=2, width=0.5)
    assert [c.filters for c in by_class(half, "Conv2D")] == [16, 16, 32, 32]
    deeper = vgg(blocks=2, dense_layers=2)
    assert [d.name for d in by_class(deeper, "Dense")] == ["dense1", "dense2", "logits"]
    wider = vgg(blocks=2, dense_units=512)
    assert wider.get_layer("dense1").units == 512
    bare = vgg(blocks=2, dense_layers=0, dropout=0.0)
    assert [d.name for d in by_class(bare, "Dense")] == ["logits"]
    assert not by_class(bare, "Dropout")
    linear = vgg(blocks=2, dense_activation="linear")
    assert linear.get_layer("dense1").get_config()["activation"] == "linear"
    bn = vgg(blocks=2, convs=1, batch_norm=True)
    assert len(by_class(bn, "BatchNormalization")) == 2
    assert not bn.get_layer("block1_conv1").use_bias


# -- autoencoder ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("size", "channels", "depth"), [("100x150", 3, 2), ("27x11", 1, 3), ("16x16", 1, 1)]
)
def test_autoencoder_output_shape_equals_input(size: str, channels: int, depth: int) -> None:
    a = kerazoo.get_architecture("autoencoder", depth=depth, bottleneck=4)
    model = build(a, Blobs(size=size, channels=channels), normalization="none")
    assert model.output.shape == model.input.shape
    assert model.get_layer("bottleneck").filters == 4
    assert model.layers[-1].get_config().get("activation") in ("sigmoid", None)
    first = build(
        a,
        Blobs(size=size, channels=channels),
        data_format="channels_first",
        normalization="none",
        _allow_unrunnable=True,
    )
    assert first.output.shape == first.input.shape == (None, channels, *model.input.shape[1:3])


@pytest.mark.parametrize(
    ("top", "layer"),
    [("flatten", "Flatten"), ("average", "GlobalAveragePooling2D"), ("max", "GlobalMaxPooling2D")],
)
def test_chopped_vgg_top_turns_the_feature_map_into_a_vector(top: str, layer: str) -> None:
    ds = kerazoo.get_dataset("circles", size=32, target="count")
    arch = kerazoo.get_architecture("chopped_vgg", blocks=2, top=top, dense_layers=0)
    model = build(arch, ds, adapt=ds.generate(8).images)
    names = [type(x).__name__ for x in model.layers]
    assert layer in names
    head = model.get_layer("value")
    # global pooling leaves one weight per channel: the head cannot tell positions apart
    expected = 8 * 8 * 64 if top == "flatten" else 64
    assert head.kernel.shape == (expected, 1)
