"""Predictor: every input form, every task's output mapping, top-k, notes and input errors."""

from __future__ import annotations

import json
import warnings
import zipfile
from pathlib import Path

import keras
import numpy as np
import pytest
from keras import layers
from PIL import Image

from kerazoo import (
    DataError,
    IncompatibleError,
    InvalidOptionError,
    ModelFileError,
    Predictor,
    save_model,
)
from kerazoo.predict._predictor import ClassPrediction, ImagePrediction, ValuePrediction
from kerazoo.predict._values import ExtrapolationWarning
from tests.fixtures.tiny_models import (
    BAD_FIELDS,
    NAMES,
    changed,
    classifier,
    meta_for,
    rewrite_metadata,
)

RNG = np.random.default_rng(3)


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.fixture(scope="module")
def model() -> keras.Model:
    return classifier()


@pytest.fixture(scope="module")
def predictor(model: keras.Model) -> Predictor:
    return Predictor(model, meta_for())


@pytest.fixture(scope="module")
def rgb_predictor() -> Predictor:
    return Predictor(classifier(size=(8, 8, 3)), meta_for(size=(8, 8, 3)))


def expected(model: keras.Model, x: np.ndarray) -> np.ndarray:
    return softmax(model(x, training=False).numpy())


def scores(results: list) -> np.ndarray:
    return np.array([[dict(r.top_k)[n] for n in NAMES] for r in results])


@pytest.fixture
def gray() -> np.ndarray:
    return RNG.integers(0, 256, (8, 8), dtype=np.uint8)


# -- input forms ---------------------------------------------------------------------------
def test_numpy_single_image_forms_agree(predictor: Predictor, model, gray: np.ndarray) -> None:
    want = expected(model, gray[None, :, :, None])
    for form in (gray, gray[:, :, None], gray[None, :, :], gray / 255.0, gray.astype(np.int64)):
        (r,) = predictor.predict(form, top_k=3)
        np.testing.assert_allclose(scores([r]), want, atol=1e-5)
        assert r.source == "#0" and r.notes == ()


def test_numpy_batches_nhwc_and_nchw(predictor: Predictor, model) -> None:
    x = RNG.integers(0, 256, (5, 8, 8, 1), dtype=np.uint8)
    want = expected(model, x)
    for form in (x, x.transpose(0, 3, 1, 2), x.astype(np.float32) / 255):
        results = predictor.predict(form, top_k=3)
        assert [r.source for r in results] == ["#0", "#1", "#2", "#3", "#4"]
        np.testing.assert_allclose(scores(results), want, atol=1e-5)


def test_chunks_give_the_same_results(predictor: Predictor, capsys) -> None:
    x = RNG.integers(0, 256, (10, 8, 8, 1), dtype=np.uint8)
    whole = predictor.predict(x, top_k=3)
    parts = predictor.predict(list(x), top_k=3, batch_size=3, progress=True)
    np.testing.assert_allclose(scores(parts), scores(whole), atol=1e-6)
    assert [r.source for r in parts] == [f"#{i}" for i in range(10)]
    assert "predict: 10/10" in capsys.readouterr().err


def test_files_folders_and_pil(predictor: Predictor, model, tmp_path: Path) -> None:
    x = RNG.integers(0, 256, (3, 8, 8), dtype=np.uint8)
    for i, img in enumerate(x):
        Image.fromarray(img).save(tmp_path / f"img{2 - i}.png")  # names sort in reverse
    (tmp_path / "notes.txt").write_text("not an image")
    want = expected(model, x[::-1, :, :, None])
    files = sorted(tmp_path.glob("*.png"))
    for form in (tmp_path, str(tmp_path), files, [str(f) for f in files]):
        results = predictor.predict(form, top_k=3)
        assert [Path(r.source).name for r in results] == ["img0.png", "img1.png", "img2.png"]
        np.testing.assert_allclose(scores(results), want, atol=1e-5)
    (one,) = predictor.predict(files[0], top_k=3)
    np.testing.assert_allclose(scores([one]), want[:1], atol=1e-5)
    with Image.open(files[0]) as img:
        (pil,) = predictor.predict(img, top_k=3)
    assert pil.source.endswith("img0.png")
    (anon,) = predictor.predict([Image.fromarray(x[2])], top_k=3)
    assert anon.source == "#0"
    np.testing.assert_allclose(scores([anon]), want[:1], atol=1e-5)


def test_folder_tree_is_searched_in_natural_order(
    predictor: Predictor, model, tmp_path: Path
) -> None:
    """Sub-folders too (the ``kerazoo data export`` layout); names starting with "." skipped."""
    x = RNG.integers(0, 256, (5, 8, 8), dtype=np.uint8)
    names = ["b/img2.png", "b/img10.png", "a/deep/1.bmp", "top.png", "B2/x.png"]
    for rel, img in zip(names, x, strict=True):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(img).save(tmp_path / rel)
    (tmp_path / ".hidden").mkdir()
    Image.fromarray(x[0]).save(tmp_path / ".hidden" / "skip.png")
    Image.fromarray(x[0]).save(tmp_path / "b" / ".skip.png")
    (tmp_path / "b" / "labels.csv").write_text("file,label\n")
    order = ["a/deep/1.bmp", "b/img2.png", "b/img10.png", "B2/x.png", "top.png"]
    results = predictor.predict(tmp_path, top_k=3)
    assert [r.source for r in results] == [str(tmp_path / rel) for rel in order]
    want = expected(model, x[[names.index(rel) for rel in order], :, :, None])
    np.testing.assert_allclose(scores(results), want, atol=1e-5)
    empty = tmp_path / "empty"
    (empty / "sub" / ".hidden").mkdir(parents=True)
    Image.fromarray(x[0]).save(empty / "sub" / ".hidden" / "skip.png")
    (empty / "sub" / "notes.txt").write_text("not an image")
    with pytest.raises(DataError, match=r"Folder '.*empty' has no image files, in it or in its"):
        predictor.predict(empty)


def test_mixed_list_and_nested_batch_sources(predictor: Predictor, gray, tmp_path) -> None:
    Image.fromarray(gray).save(tmp_path / "a.png")
    batch = np.stack([gray, gray])[..., None]
    results = predictor.predict([gray, str(tmp_path / "a.png"), batch])
    assert [r.source for r in results] == ["#0", str(tmp_path / "a.png"), "#2[0]", "#2[1]"]
    assert len({r.label for r in results}) == 1


def test_conversions_are_noted(predictor: Predictor, rgb_predictor: Predictor) -> None:
    rgb = RNG.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    (r,) = predictor.predict(rgb)
    assert r.notes == ("RGB -> grayscale", "resized 16x16 -> 8x8")
    assert "[RGB -> grayscale; resized 16x16 -> 8x8]" in str(r)
    (r,) = predictor.predict(RNG.integers(0, 256, (8, 12, 4), dtype=np.uint8))
    assert r.notes == (
        "RGBA -> grayscale (alpha dropped)",
        "resized 8x12 -> 8x8 (aspect ratio changed)",  # H x W, as size= is written
    )
    (r,) = rgb_predictor.predict(RNG.integers(0, 256, (8, 8), dtype=np.uint8))
    assert r.notes == ("grayscale -> RGB",)
    (r,) = rgb_predictor.predict(rgb.transpose(2, 0, 1))  # CHW RGB
    assert r.notes == ("resized 16x16 -> 8x8",)
    (r,) = rgb_predictor.predict(Image.fromarray(rgb[:8, :8]).convert("P"))
    assert r.notes == ()
    img16 = Image.fromarray((RNG.integers(0, 65536, (8, 8))).astype(np.uint16))
    (r,) = rgb_predictor.predict(img16)
    assert r.notes == ("16-bit -> 8-bit", "grayscale -> RGB")


def test_grayscale_to_rgb_repeats_the_channel(rgb_predictor: Predictor, gray) -> None:
    (a,) = rgb_predictor.predict(gray)
    (b,) = rgb_predictor.predict(np.repeat(gray[:, :, None], 3, axis=2))
    assert a.top_k == b.top_k


# -- input errors --------------------------------------------------------------------------
def test_uninterpretable_inputs(predictor: Predictor, rgb_predictor, tmp_path: Path) -> None:
    cases = [
        (RNG.random((1, 2, 8, 8, 1)), r"Input array has 5 dimensions"),
        (np.zeros(8), r"Input array has 1 dimensions"),
        (np.full((8, 8), 1.5), r"float pixels in \[1.5, 1.5\]; float images must be in \[0, 1\]"),
        (np.full((8, 8), np.nan), "NaN or infinite"),
        (np.full((8, 8), 300), r"integer pixels in \[300, 300\]"),
        (np.zeros((8, 8, 7), np.uint8), "Cannot tell the channel axis of input array"),
        (np.zeros((5, 8, 8), np.uint8), r"add a channel axis: \(N, H, W, 1\)"),
        (np.zeros((0, 8, 8, 1), np.uint8), "is empty"),
        (np.array([["a"]]), "has dtype <U1"),
        ({"x": 1}, "Cannot interpret the input of type dict"),
        ([np.zeros((8, 8)), 3], "Cannot interpret input #1 of type int"),
        ([], "the list is empty"),
        (tmp_path / "missing.png", r"Input '.*missing\.png' does not exist"),
        (tmp_path, r"Folder '.*' has no image files"),
    ]
    for bad, match in cases:
        with pytest.raises(DataError, match=match):
            predictor.predict(bad)
    (tmp_path / "broken.png").write_bytes(b"\x89PNG not really")
    with pytest.raises(DataError, match=r"Cannot read image '.*broken\.png'"):
        predictor.predict(tmp_path / "broken.png")
    two = Predictor(classifier(size=(8, 8, 2)), meta_for(size=(8, 8, 2)))
    with pytest.raises(DataError, match=r"has 3 channels \(RGB\) and the model takes 2"):
        two.predict(np.zeros((8, 8, 3), np.uint8))


def test_bad_options(predictor: Predictor, gray) -> None:
    with pytest.raises(InvalidOptionError, match="top_k must be an integer >= 1, got 0"):
        predictor.predict(gray, top_k=0)
    with pytest.raises(InvalidOptionError, match="batch_size must be an integer >= 1"):
        predictor.predict(gray, batch_size=2.5)


# -- output mapping ------------------------------------------------------------------------
def test_classification_logits_and_top_k(predictor: Predictor, model, gray) -> None:
    p = expected(model, gray[None, :, :, None])[0]
    order = np.argsort(-p)
    (r,) = predictor.predict(gray, top_k=2)
    assert isinstance(r, ClassPrediction)
    assert r.label == NAMES[order[0]] and r.index == order[0]
    assert r.score == pytest.approx(p[order[0]], abs=1e-6)
    assert [n for n, _ in r.top_k] == [NAMES[i] for i in order[:2]]
    (r,) = predictor.predict(gray, top_k=10)  # more than there are classes: all of them
    assert len(r.top_k) == 3 and sum(s for _, s in r.top_k) == pytest.approx(1.0, abs=1e-5)
    data = json.loads(r.to_json())
    assert data["label"] == r.label and data["top_k"][0] == {"label": r.label, "score": r.score}


def test_classification_probabilities_are_not_softmaxed_again(gray) -> None:
    model = classifier(softmax=True)
    pred = Predictor(model, meta_for(output="probabilities"))
    (r,) = pred.predict(gray, top_k=3)
    want = model(gray[None, :, :, None]).numpy()[0]
    assert r.score == pytest.approx(want.max(), abs=1e-6)
    assert dict(r.top_k) == pytest.approx(dict(zip(NAMES, want.tolist(), strict=True)), abs=1e-6)


def _value_model(size: int = 4, scale: float = 10.0, bias: float = 0.0) -> keras.Model:
    """Output = scale * mean pixel (in [0, 1]) + bias."""
    inp = keras.Input((size, size, 1), dtype="uint8")
    x = layers.Flatten()(layers.Rescaling(1 / 255)(inp))
    dense = layers.Dense(1)
    model = keras.Model(inp, dense(x))
    dense.set_weights([np.full((size * size, 1), scale / size**2), np.array([bias])])
    return model


def test_binary_logit_sigmoid_and_threshold() -> None:
    pred = Predictor(_value_model(bias=-5.0), meta_for(names=["no", "yes"], size=(4, 4, 1)))
    dark, bright = np.zeros((4, 4), np.uint8), np.full((4, 4), 255, np.uint8)
    a, b = pred.predict([dark, bright], top_k=2)
    assert (a.label, b.label) == ("no", "yes")
    assert a.score == pytest.approx(1 - 1 / (1 + np.exp(5)), abs=1e-6)
    assert b.score == pytest.approx(1 / (1 + np.exp(-5)), abs=1e-6)
    assert [n for n, _ in b.top_k] == ["yes", "no"]
    meta = meta_for(names=["no", "yes"], output="probabilities", size=(4, 4, 1))
    exact_half = Predictor(_value_model(scale=0.0, bias=0.5), meta)
    (c,) = exact_half.predict(dark)  # p = 0.5 is not above the threshold: "no", like Keras
    assert c.label == "no" and c.score == pytest.approx(0.5)


def test_regression_counts_are_rounded_never_clipped_to_the_trained_range() -> None:
    meta = meta_for("regression", output="values", size=(4, 4, 1), value_range=[1, 5])
    meta["task"].update(integer=True, encoding="regression")
    pred = Predictor(_value_model(bias=-0.7), meta)
    levels = [0.0, 0.31, 0.33, 0.83]  # raw outputs -0.7, 2.4, 2.6, 7.6
    with pytest.warns(ExtrapolationWarning) as caught:
        results = pred.predict([np.full((4, 4), v) for v in levels])
    assert [r.value for r in results] == [0, 2, 3, 8]  # a count is >= 0, and may pass 5
    assert [r.raw_value for r in results] == pytest.approx([-0.7, 2.4, 2.6, 7.6], abs=0.03)
    assert all(isinstance(r, ValuePrediction) and isinstance(r.value, int) for r in results)
    assert str(results[3]).startswith("#3: 8 (raw 7.6")
    assert len(caught) == 1  # once for the call, not once per image
    message = str(caught[0].message)
    assert "2 of 4 predicted counts lie outside the range the model was trained on (1 to 5)" in (
        message
    )
    assert "from 0 to 8" in message and "not clipped" in message
    meta["task"]["integer"] = False
    with pytest.warns(ExtrapolationWarning, match=r"1 of 1 predicted values"):
        (r,) = Predictor(_value_model(), meta).predict(np.full((4, 4), 0.76))
    assert r.value == r.raw_value == pytest.approx(7.6, abs=0.03)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # inside the range: no warning
        (r,) = Predictor(_value_model(), meta).predict(np.full((4, 4), 0.3))


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_reconstruction_returns_the_image(data_format: str) -> None:
    shape = (6, 5, 3) if data_format == "channels_last" else (3, 6, 5)
    inp = keras.Input(shape, dtype="uint8")
    model = keras.Model(inp, layers.Rescaling(1 / 255)(inp))  # a perfect autoencoder
    meta = meta_for("reconstruction", output="image", size=(6, 5, 3), data_format=data_format)
    pred = Predictor(model, meta)
    x = RNG.integers(0, 256, (2, 6, 5, 3), dtype=np.uint8)
    results = pred.predict(x)
    assert all(isinstance(r, ImagePrediction) for r in results)
    np.testing.assert_array_equal(np.stack([r.image for r in results]), x)
    assert str(results[0]) == "#0: reconstructed image 6x5x3"
    assert np.array(results[0].to_dict()["image"]).shape == (6, 5, 3)


# -- models without metadata and mismatched metadata ---------------------------------------
def test_plain_model_predicts_indices_with_a_warning(tmp_path: Path, gray) -> None:
    path = tmp_path / "plain.keras"
    classifier(softmax=True).save(path)
    with pytest.warns(
        UserWarning, match=r"no kerazoo.json .* class indices 0..2 \(probabilities\)"
    ):
        pred = Predictor.load(path)
    (r,) = pred.predict(gray, top_k=3)
    assert r.label in {"0", "1", "2"} and sum(s for _, s in r.top_k) == pytest.approx(1, abs=1e-5)
    assert pred.output == "probabilities"


def test_plain_float_model_gets_0_255_floats(gray) -> None:
    inp = keras.Input((8, 8, 1))
    dense = layers.Dense(1)
    model = keras.Model(inp, dense(layers.Flatten()(inp)))
    dense.set_weights([np.full((64, 1), 1 / 64), np.zeros(1)])
    with pytest.warns(UserWarning, match="float32 0..255 pixels"):
        pred = Predictor(model)
    (r,) = pred.predict(gray)
    assert pred.task.kind == "regression"
    assert r.value == pytest.approx(gray.mean(), abs=1e-3)


def test_plain_sigmoid_and_image_models_are_inferred() -> None:
    inp = keras.Input((4, 4, 1), dtype="uint8")
    x = layers.Flatten()(layers.Rescaling(1 / 255)(inp))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        binary = Predictor(keras.Model(inp, layers.Dense(1, activation="sigmoid")(x)))
        image = Predictor(keras.Model(inp, layers.Rescaling(1 / 255)(inp)))
    assert (binary.class_names, binary.output) == (("0", "1"), "probabilities")
    assert image.task.kind == "reconstruction"


def test_metadata_that_does_not_fit_the_model(model: keras.Model) -> None:
    with pytest.raises(
        IncompatibleError, match="outputs 3 values per image but kerazoo.json lists 2"
    ):
        Predictor(model, meta_for(names=["a", "b"]))
    with pytest.raises(IncompatibleError, match=r"says the input is \(16, 16, 1\)"):
        Predictor(model, meta_for(size=(16, 16, 1)))


def test_repr(predictor: Predictor) -> None:
    assert repr(predictor).startswith(
        "Predictor(classification: circle, square, triangle; input 8x8x1 channels_last uint8"
    )


def test_save_then_load_gives_the_same_predictions(tmp_path, predictor, gray) -> None:
    path = save_model(predictor.model, tmp_path / "m.keras", predictor.metadata)
    (a,) = Predictor.load(path).predict(gray, top_k=3)
    (b,) = predictor.predict(gray, top_k=3)
    assert a.label == b.label and a.score == pytest.approx(b.score, abs=1e-6)


def test_incomplete_or_newer_metadata(model: keras.Model, gray) -> None:
    broken = meta_for()
    del broken["input"]
    with pytest.raises(ModelFileError, match=r"m.keras: its kerazoo.json is incomplete .*'input'"):
        Predictor(model, broken, source="m.keras")
    newer = {**meta_for(), "format": 2}
    with pytest.warns(UserWarning, match=r"saved by a newer kerazoo \(file format 2"):
        Predictor(model, newer).predict(gray)


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory, model: keras.Model) -> Path:
    return save_model(model, tmp_path_factory.mktemp("saved") / "m.keras", meta_for())


@pytest.mark.parametrize(("change", "message"), BAD_FIELDS)
def test_load_names_a_wrongly_typed_field(
    saved: Path, tmp_path: Path, change: dict, message: str
) -> None:
    meta = json.loads(zipfile.ZipFile(saved).read("kerazoo.json"))
    bad = rewrite_metadata(saved, changed(meta, change), tmp_path / "bad.keras")
    with pytest.raises(
        ModelFileError, match=rf"bad.keras': its kerazoo.json is invalid: {message}"
    ):
        Predictor.load(bad)


def test_predictor_keeps_info_and_metadata(model: keras.Model, saved: Path) -> None:
    from kerazoo import ModelInfo

    loaded = Predictor.load(saved)
    assert isinstance(loaded.info, ModelInfo) and loaded.info.task.class_names == tuple(NAMES)
    assert loaded.metadata == loaded.info.to_dict() and loaded.metadata["format"] == 1
    direct = Predictor(model, ModelInfo.from_dict(meta_for()))
    assert direct.metadata == ModelInfo.from_dict(meta_for()).to_dict()
    assert direct.class_names == tuple(NAMES)
    with pytest.raises(ModelFileError, match=r"m.keras: its kerazoo.json is invalid: task\.k"):
        Predictor(model, changed(meta_for(), {"task.kind": 1}), source="m.keras")


def test_progress_counts_chunks_of_one_big_batch(predictor: Predictor, capsys) -> None:
    predictor.predict(np.zeros((7, 8, 8, 1), np.uint8), batch_size=3, progress=True)
    err = capsys.readouterr().err
    assert err == "\rpredict: 3/7\rpredict: 6/7\rpredict: 7/7\n"


def test_a_built_model_is_read_with_the_metadata_it_carries() -> None:
    """``Predictor(model)`` on a model from ``kerazoo.build`` uses the metadata the builder
    attached (class names, no "plain Keras file" warning)."""
    import kerazoo

    model = kerazoo.build("lenet", kerazoo.get_dataset("shapes", size=16))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the plain-model warning would fail here
        predictor = Predictor(model)
    assert predictor.info is not None and predictor.info.task.class_names == (
        "circle",
        "square",
        "triangle",
    )
    label = predictor.predict(np.zeros((1, 16, 16, 1), np.uint8))[0].label
    assert label in ("circle", "square", "triangle")
