"""to_channels_last: a channels_first model's twin predicts exactly what the original would.

TensorFlow on CPU cannot run channels_first convolutions, so the reference is a hand-built
channels_last model with the same weights and an explicit ``Permute`` that restores the
C, H, W order before flattening (or after reshaping): the computation a channels_first
model does, written with CPU-runnable layers.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import pytest
from keras import layers

import kerazoo
from kerazoo import IncompatibleError
from kerazoo.models._layout import is_channels_first, to_channels_last

CF = "channels_first"
RNG = np.random.default_rng(0)


def _randomize(model: keras.Model) -> None:
    """Random weights everywhere (BatchNorm variances positive) so a wrong order shows."""
    for layer in model.layers:
        lo, hi = (0.5, 1.5) if isinstance(layer, layers.BatchNormalization) else (-0.5, 0.5)
        ws = layer.get_weights()
        if ws:
            layer.set_weights([RNG.uniform(lo, hi, w.shape).astype(w.dtype) for w in ws])


def _copy_by_order(src: keras.Model, dst: keras.Model) -> None:
    src_w = [lay for lay in src.layers if lay.get_weights()]
    dst_w = [lay for lay in dst.layers if lay.get_weights()]
    assert len(src_w) == len(dst_w)
    for a, b in zip(src_w, dst_w, strict=True):
        b.set_weights(a.get_weights())


def _classifier(cf: bool, flatten_format: str = "channels_last") -> keras.Model:
    fmt = CF if cf else "channels_last"
    ax = 1 if cf else -1
    inp = keras.Input((1, 12, 12) if cf else (12, 12, 1), dtype="uint8")
    x = layers.Rescaling(1 / 255)(inp)
    x = layers.Normalization(axis=ax, mean=[0.3], variance=[0.2])(x)
    x = layers.Conv2D(4, 3, data_format=fmt, activation="relu")(x)
    x = layers.BatchNormalization(axis=ax)(x)
    y = layers.Conv2D(2, 1, data_format=fmt)(x)
    x = layers.Concatenate(axis=ax)([x, y])
    x = layers.MaxPooling2D(data_format=fmt)(x)
    if not cf and flatten_format == "channels_last":
        x = layers.Permute((3, 1, 2))(x)  # restore C, H, W order, as channels_first flattens
    x = layers.Flatten(data_format=flatten_format if cf else "channels_last")(x)
    x = layers.Dropout(0.5)(x)
    x = layers.Dense(7, activation="relu")(x)
    return keras.Model(inp, layers.Dense(3)(x))


def _images(n: int = 5) -> np.ndarray:
    return RNG.integers(0, 256, (n, 12, 12, 1), dtype=np.uint8)


@pytest.mark.parametrize("flatten_format", ["channels_last", "channels_first"])
def test_functional_classifier_matches_reference(flatten_format: str) -> None:
    cf_model = _classifier(cf=True, flatten_format=flatten_format)
    _randomize(cf_model)
    assert is_channels_first(cf_model)
    twin = to_channels_last(cf_model)
    assert not is_channels_first(twin)
    # Flatten(data_format="channels_first") already flattens in H, W, C order: no Permute.
    ref = _classifier(cf=False, flatten_format=flatten_format)
    _copy_by_order(cf_model, ref)
    x = _images()
    want = ref(x, training=False).numpy()
    np.testing.assert_allclose(twin(x, training=False).numpy(), want, atol=1e-5)


def test_sequential_matches_reference() -> None:
    cf_model = keras.Sequential(
        [
            keras.Input((1, 12, 12)),
            layers.Conv2D(3, 3, data_format=CF),
            layers.AveragePooling2D(2, data_format=CF),
            layers.Flatten(),
            layers.Dense(4),
        ]
    )
    _randomize(cf_model)
    ref = keras.Sequential(
        [
            keras.Input((12, 12, 1)),
            layers.Conv2D(3, 3),
            layers.AveragePooling2D(2),
            layers.Permute((3, 1, 2)),
            layers.Flatten(),
            layers.Dense(4),
        ]
    )
    _copy_by_order(cf_model, ref)
    x = _images().astype("float32") / 255
    twin = to_channels_last(cf_model)
    np.testing.assert_allclose(twin(x).numpy(), ref(x).numpy(), atol=1e-5)


def test_dense_reshape_decoder_matches_reference() -> None:
    """An autoencoder-like decoder: Dense -> Reshape(C, H, W) -> transposed conv."""

    def decoder(cf: bool) -> keras.Model:
        inp = keras.Input((5,))
        x = layers.Dense(2 * 3 * 4)(inp)
        x = layers.Activation("relu")(x)
        x = layers.Reshape((2, 3, 4))(x)
        if not cf:
            x = layers.Permute((2, 3, 1))(x)  # (C, H, W) -> (H, W, C)
        fmt = CF if cf else "channels_last"
        x = layers.UpSampling2D(data_format=fmt)(x)
        x = layers.Conv2DTranspose(1, 3, padding="same", data_format=fmt)(x)
        return keras.Model(inp, x)

    cf_model = decoder(cf=True)
    _randomize(cf_model)
    ref = decoder(cf=False)
    _copy_by_order(cf_model, ref)
    z = RNG.normal(size=(4, 5)).astype("float32")
    twin = to_channels_last(cf_model)
    out = twin(z).numpy()
    assert out.shape == (4, 6, 8, 1)
    np.testing.assert_allclose(out, ref(z).numpy(), atol=1e-5)


def test_per_pixel_normalization_weights_are_transposed() -> None:
    """The builder's normalization="image": a mean image over all of (C, H, W)."""

    def model(cf: bool) -> keras.Model:
        inp = keras.Input((2, 6, 5) if cf else (6, 5, 2))
        x = layers.Normalization(axis=(1, 2, 3))(inp)
        x = layers.Conv2D(3, 3, data_format=CF if cf else "channels_last")(x)
        if not cf:
            x = layers.Permute((3, 1, 2))(x)
        return keras.Model(inp, layers.Dense(2)(layers.Flatten()(x)))

    cf_model = model(cf=True)
    _randomize(cf_model)
    ref = model(cf=False)
    mean, var, count = cf_model.layers[1].get_weights()
    ref.layers[1].set_weights([mean.transpose(1, 2, 0), var.transpose(1, 2, 0) + 1, count])
    ref.layers[1].finalize_state()  # what adapt() and file loading do after setting weights
    cf_model.layers[1].set_weights([mean, var + 1, count])
    cf_model.layers[1].finalize_state()
    ref.layers[2].set_weights(cf_model.layers[2].get_weights())  # conv
    ref.layers[-1].set_weights(cf_model.layers[-1].get_weights())  # dense
    x = RNG.uniform(size=(3, 6, 5, 2)).astype("float32")
    twin = to_channels_last(cf_model)
    np.testing.assert_allclose(twin(x).numpy(), ref(x).numpy(), atol=1e-5)


def test_permute_is_refused() -> None:
    inp = keras.Input((1, 8, 8))
    x = layers.Conv2D(2, 3, data_format=CF)(inp)
    x = layers.Permute((2, 3, 1))(x)
    model = keras.Model(inp, layers.Flatten()(x))
    with pytest.raises(IncompatibleError, match=r"Permute\) on a 4-D channels_first"):
        to_channels_last(model)


def test_flatten_into_batchnorm_is_refused() -> None:
    inp = keras.Input((1, 8, 8))
    x = layers.Conv2D(2, 3, data_format=CF)(inp)
    x = layers.Flatten()(x)
    x = layers.BatchNormalization()(x)
    model = keras.Model(inp, layers.Dense(2)(x))
    with pytest.raises(IncompatibleError, match="only a Dense layer there"):
        to_channels_last(model)


def test_channels_last_layer_inside_channels_first_model_is_refused() -> None:
    inp = keras.Input((1, 8, 8))
    x = layers.Conv2D(2, 3, data_format=CF)(inp)
    x = layers.GlobalAveragePooling2D(data_format="channels_last")(x)
    model = keras.Model(inp, x)
    with pytest.raises(IncompatibleError, match="channels_last inside a channels_first"):
        to_channels_last(model)


def test_multi_axis_and_nested_are_refused() -> None:
    inp = keras.Input((1, 8, 8))
    x = layers.Conv2D(2, 3, data_format=CF)(inp)
    x = layers.LayerNormalization(axis=[1, 2])(x)
    with pytest.raises(IncompatibleError, match="only a single channel axis"):
        to_channels_last(keras.Model(inp, x))
    inner = keras.Sequential([keras.Input((1, 8, 8)), layers.Conv2D(2, 3, data_format=CF)])
    outer_in = keras.Input((1, 8, 8))
    with pytest.raises(IncompatibleError, match="nested model"):
        to_channels_last(keras.Model(outer_in, inner(outer_in)))


def test_per_channel_rescaling_is_moved() -> None:
    scale = np.array([0.5, 2.0])

    def model(cf: bool) -> keras.Model:
        inp = keras.Input((2, 4, 4) if cf else (4, 4, 2))
        x = layers.Rescaling(scale.reshape(2, 1, 1) if cf else scale, offset=0.1)(inp)
        x = layers.Conv2D(1, 1, data_format=CF if cf else "channels_last")(x)
        return keras.Model(inp, layers.Flatten()(layers.Permute((3, 1, 2))(x) if not cf else x))

    cf_model, ref = model(cf=True), model(cf=False)
    _randomize(cf_model)
    _copy_by_order(cf_model, ref)
    x = RNG.uniform(size=(2, 4, 4, 2)).astype("float32")
    np.testing.assert_allclose(to_channels_last(cf_model)(x).numpy(), ref(x).numpy(), atol=1e-5)


def test_unconvertible_rescaling_and_subclassed_models_are_refused() -> None:
    inp = keras.Input((2, 4, 4))
    x = layers.Rescaling(np.ones(4))(inp)  # broadcasts along W: no channels_last equivalent
    model = keras.Model(inp, layers.Conv2D(1, 1, data_format=CF)(x))
    with pytest.raises(IncompatibleError, match=r"scale/offset of shape \(4,\) is not a scalar"):
        to_channels_last(model)

    class Subclassed(keras.Model):
        def __init__(self) -> None:
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, x: Any) -> Any:
            return self.dense(x)

    sub = Subclassed()
    sub(np.zeros((1, 3)))
    with pytest.raises(IncompatibleError, match="only functional and Sequential models"):
        to_channels_last(sub)


def test_flattened_channels_first_output_is_refused() -> None:
    inp = keras.Input((1, 8, 8))
    x = layers.Conv2D(2, 3, data_format=CF)(inp)
    with pytest.raises(IncompatibleError, match="'flatten.*' is a model output listing"):
        to_channels_last(keras.Model(inp, layers.Flatten()(x)))
    y = layers.Dropout(0.1)(layers.Flatten()(x))
    with pytest.raises(IncompatibleError, match="'dropout.*' after 'flatten.*' is a model output"):
        to_channels_last(keras.Model(inp, y))
    one = layers.Conv2D(1, 3, data_format=CF)(inp)  # one channel: both orders agree
    to_channels_last(keras.Model(inp, layers.Flatten()(one)))


# -- models made by kerazoo.build ----------------------------------------------------------
#: case -> (architecture, hyperparameters, build options)
BUILT = {
    "lenet": ("lenet", {}, {}),
    "lenet-image-norm": ("lenet", {}, {"normalization": "image"}),
    "vgg-batchnorm": ("chopped_vgg", {"blocks": 2, "batch_norm": True}, {}),
    "autoencoder": ("autoencoder", {}, {"encoding": "reconstruction"}),
}


@pytest.fixture(scope="module")
def shapes() -> tuple[Any, np.ndarray]:
    ds = kerazoo.get_dataset("shapes", size=32)
    return ds, ds.generate(48, seed=0).images


@pytest.mark.parametrize("case", BUILT)
def test_built_channels_first_model_converts_exactly(case: str, shapes: Any) -> None:
    """The twin keeps the adapted normalisation and predicts what the channels_last build does.

    The reference is the same build in channels_last, adapted on the same images (so its
    Normalization holds the same statistics in its own layout), with the channels_first
    model's other weights copied by layer name: convolution kernels, BatchNorm statistics and
    the Dense after ``Flatten(data_format=...)`` mean the same in both layouts.
    """
    ds, images = shapes
    name, hp, kwargs = BUILT[case]

    def make(fmt: str) -> keras.Model:
        arch = kerazoo.get_architecture(name, **hp)
        return kerazoo.build(
            arch, ds, data_format=fmt, adapt=images, _allow_unrunnable=True, **kwargs
        )

    cf_model, ref = make(CF), make("channels_last")
    for layer in cf_model.layers:  # BatchNorm statistics away from 0/1, so a wrong axis shows
        if isinstance(layer, layers.BatchNormalization):
            layer.set_weights([RNG.uniform(0.5, 1.5, w.shape) for w in layer.get_weights()])
    twin = to_channels_last(cf_model)

    source, converted, want = (m.get_layer("normalize") for m in (cf_model, twin, ref))
    for stat in ("mean", "variance"):
        moved = np.moveaxis(np.asarray(getattr(source, stat)), 1, -1)  # (1, C, ..) -> (.., C)
        np.testing.assert_allclose(np.asarray(getattr(converted, stat)), moved, rtol=1e-6)
        np.testing.assert_allclose(np.asarray(getattr(want, stat)), moved, rtol=1e-6)

    assert sorted(lay.name for lay in ref.layers) == sorted(lay.name for lay in cf_model.layers)
    for layer in cf_model.layers:
        if layer.name != "normalize" and layer.get_weights():
            ref.get_layer(layer.name).set_weights(layer.get_weights())
    x = images[:8]
    got = keras.ops.convert_to_numpy(twin(x, training=False))
    np.testing.assert_allclose(got, keras.ops.convert_to_numpy(ref(x, training=False)), atol=1e-4)
