"""Refusals of images a model cannot take: arrays of the wrong rank, dtype or size, images
above Pillow's pixel limit, class names that cannot name a folder."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import kerazoo
from kerazoo._errors import DataError
from kerazoo.data._export import export_samples
from tests.fixtures.tiny_data import Bars
from tests.fixtures.tiny_models import classifier, meta_for


@pytest.fixture(scope="module")
def predictor():
    model = kerazoo.build("lenet", Bars(size=12), seed=0)
    return kerazoo.Predictor(model, kerazoo.ModelInfo.of(model))


def test_an_array_of_the_wrong_rank_dtype_or_size_is_refused(predictor) -> None:
    with pytest.raises(
        DataError,
        match=r"Input array has 5 dimensions \(shape \(1, 1, 12, 12, 1\)\); expected one image "
        r"\(H, W\), \(H, W, C\) or \(C, H, W\), or a batch",
    ):
        predictor.predict(np.zeros((1, 1, 12, 12, 1), np.uint8))
    with pytest.raises(DataError, match=r"Input array has dtype complex64; expected uint8 or fl"):
        predictor.predict(np.zeros((12, 12, 1), np.complex64))
    with pytest.raises(DataError, match=r"^Input array is empty \(shape \(0, 12, 12, 1\)\)\.$"):
        predictor.predict(np.zeros((0, 12, 12, 1), np.uint8))


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_an_image_above_the_pixel_limit_is_refused_unread(predictor, tmp_path, monkeypatch) -> None:
    path = tmp_path / "big.png"
    Image.new("L", (4, 3)).save(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10)  # 12 pixels: over it, under twice it
    with pytest.raises(DataError, match=r"big\.png' is refused unread: Image size \(12 pixels\)"):
        predictor.predict(path)
    with (
        Image.open(path) as opened,  # an image the caller opened: checked before decoding
        pytest.raises(DataError, match=r"4x3 = 12 pixels is above the limit of 10 pixels"),
    ):
        predictor.predict(opened)


@pytest.mark.parametrize("name", ["a/b", ".hidden", "..", "c:d"])
def test_export_refuses_a_class_name_that_cannot_name_a_folder(tmp_path, name: str) -> None:
    samples = Bars(size=8, classes=2).generate(2, seed=0)
    task = kerazoo.Task.classification([name, "ok"])
    with pytest.raises(
        DataError,
        match=rf"The class name {name!r} cannot be a folder name; export needs class names "
        "without path separators or a leading dot",
    ):
        export_samples(samples, task, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_an_opened_image_that_fails_to_load_is_refused(predictor, tmp_path) -> None:
    path = tmp_path / "cut.png"
    Image.new("L", (12, 12), 90).save(path)
    path.write_bytes(path.read_bytes()[:-30])  # the file ends inside its pixel data
    with (
        Image.open(path) as opened,  # the header reads; the pixels do not
        pytest.raises(
            DataError, match=r"^Cannot read image '.*': (OSError|SyntaxError|EOFError): "
        ),
    ):
        predictor.predict(opened)


def test_channels_without_a_standard_conversion_are_refused() -> None:
    model = classifier(size=(8, 8, 2))
    predictor = kerazoo.Predictor(model, meta_for(size=(8, 8, 2)))
    with pytest.raises(
        DataError,
        match=r"^The input has 3 channels \(RGB\) and the model takes 2 \(2-channel\); there is "
        r"no standard conversion\. Pass grayscale, RGB or RGBA images\.$",
    ):
        predictor.predict(np.zeros((8, 8, 3), np.uint8))


def test_a_plain_model_the_predictor_cannot_read_is_refused() -> None:
    import keras

    inp = keras.Input((8, 8, 1))
    flat = keras.layers.Flatten()(inp)
    two = keras.Model(inp, [keras.layers.Dense(2)(flat), keras.layers.Dense(3)(flat)])
    with pytest.raises(
        kerazoo.IncompatibleError,
        match=r"^model: the Predictor runs models with one image input and one output; this one "
        r"has 1 inputs and 2 outputs\.$",
    ):
        kerazoo.Predictor(two)
    any_size = keras.Input((None, None, 1))
    pooled = keras.Model(any_size, keras.layers.GlobalAveragePooling2D()(any_size))
    with pytest.raises(
        kerazoo.IncompatibleError,
        match=r"^model has no kerazoo\.json and its input shape \(None, None, 1\) is not one "
        r"fixed-size image \(H, W, C\)",
    ):
        kerazoo.Predictor(pooled)
    rows = keras.Model(inp, keras.layers.Reshape((4, 16))(inp))
    with pytest.raises(
        kerazoo.IncompatibleError,
        match=r"^model has no kerazoo\.json and an output of shape \(4, 16\)\.$",
    ):
        kerazoo.Predictor(rows)
