"""make_batches / encode_inputs: layout, targets, shuffling, augmentation; and training.

Each encoding trains on a tiny separable problem and its loss goes down.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

import kerazoo
from kerazoo import DataError, InvalidOptionError, Samples
from kerazoo.data._batches import build_batches, encode_inputs, make_batches
from kerazoo.models._build import build
from kerazoo.models._metadata import info
from tests.fixtures.tiny_data import Bars, Blobs, Brightness


def meta(data_format: str = "channels_last", encoding: str = "sparse", kind=None) -> dict:
    tasks = {
        "sparse": {"kind": "classification", "class_names": ["a", "b", "c"]},
        "onehot": {"kind": "classification", "class_names": ["a", "b", "c"]},
        "regression": {"kind": "regression", "value_range": [0, 10]},
        "reconstruction": {"kind": "reconstruction"},
    }
    return {
        "task": {**tasks[encoding], "encoding": encoding},
        "input": {"height": 12, "width": 12, "channels": 1, "data_format": data_format},
    }


def batches_of(ds) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(np.asarray(x), np.asarray(y)) for x, y in ds]


def test_encode_inputs_layouts_and_errors() -> None:
    x = np.arange(2 * 12 * 12, dtype=np.uint8).reshape(2, 12, 12, 1)
    assert encode_inputs(x, meta()).shape == (2, 12, 12, 1)
    first = encode_inputs(x, meta("channels_first"))
    assert first.shape == (2, 1, 12, 12) and first.flags.c_contiguous
    assert np.array_equal(first[:, 0], x[..., 0])
    with pytest.raises(DataError, match=r"raw uint8 pixels \(0-255\), got dtype float32"):
        encode_inputs(x.astype(np.float32), meta())
    with pytest.raises(DataError, match=r"\(H, W, C\) = \(12, 12, 1\), got shape \(12, 12, 1\)"):
        encode_inputs(x[0], meta())


def test_targets_follow_the_encoding_and_layout() -> None:
    data = Bars().generate(10, seed=1)
    (x, y), *_ = batches_of(make_batches(data, meta("channels_first", "onehot"), 10, shuffle=False))
    assert x.dtype == np.uint8 and x.shape == (10, 1, 12, 12)
    assert y.dtype == np.float32 and np.array_equal(y.argmax(1), data.labels)
    (x, y), *_ = batches_of(make_batches(data, meta(), 10, shuffle=False))
    assert y.dtype == np.int32 and np.array_equal(y, data.labels)
    blobs = Blobs().generate(6, seed=1)
    for fmt in ("channels_last", "channels_first"):
        (x, y), *_ = batches_of(make_batches(blobs, meta(fmt, "reconstruction"), 6))
        assert y.dtype == np.float32 and np.allclose(y * 255, x)


def test_shuffling_is_seeded_and_new_every_epoch() -> None:
    data = Brightness().generate(40, seed=1)
    ds = make_batches(data, meta(encoding="regression"), 8, seed=5)
    first = np.concatenate([y for _, y in batches_of(ds)]).ravel()
    second = np.concatenate([y for _, y in batches_of(ds)]).ravel()
    again = make_batches(data, meta(encoding="regression"), 8, seed=5)
    assert sorted(first) == sorted(data.labels) and not np.array_equal(first, second)
    assert np.array_equal(first, np.concatenate([y for _, y in batches_of(again)]).ravel())
    plain = make_batches(data, meta(encoding="regression"), 16, shuffle=False)
    sizes = [len(x) for x, _ in batches_of(plain)]
    assert sizes == [16, 16, 8]
    assert np.array_equal(np.concatenate([y for _, y in batches_of(plain)]).ravel(), data.labels)


def test_augmentation_is_fresh_every_epoch_and_keeps_labels() -> None:
    data = Bars().generate(32, seed=2)
    ds = make_batches(data, meta(), 8, shuffle=False, augment=("vflip",), seed=1)
    assert len(ds) == 4  # fit knows the length (tf.data: its cardinality)
    one, two = batches_of(ds), batches_of(ds)
    x1, y1 = (np.concatenate(a) for a in zip(*one, strict=True))
    x2, _ = (np.concatenate(a) for a in zip(*two, strict=True))
    flipped = np.array([not np.array_equal(a, b) for a, b in zip(x1, x2, strict=True)])
    assert 0 < flipped.sum() < 32  # some images flipped differently in the two epochs
    # a vertical flip keeps each image's bar column, so the labels still hold
    columns = x1[..., 0].astype(int).sum(axis=1).argmax(axis=1)
    assert np.array_equal(columns, ((y1 * 12 + 2) // 3))
    recon = make_batches(
        Blobs().generate(8), meta("channels_first", "reconstruction"), 4, augment=("hflip",)
    )
    for x, y in batches_of(recon):
        assert x.shape == (4, 1, 12, 12) and np.allclose(y * 255, x)


def test_batch_errors() -> None:
    data = Bars().generate(4)
    with pytest.raises(InvalidOptionError, match=r"batch_size must be a positive integer, got 0"):
        make_batches(data, meta(), 0)
    with pytest.raises(DataError, match=r"make_batches got no samples"):
        make_batches(data.take(slice(0, 0)), meta(), 2)
    with pytest.raises(DataError, match=r"Got 4 images but 3 labels"):
        make_batches((data.images, data.labels[:3]), meta(), 2)
    with pytest.raises(DataError, match=r"takes kerazoo.Samples or a tuple"):
        make_batches(data.images, meta(), 2)
    with pytest.raises(InvalidOptionError, match=r"Unknown augmentation 'flip'"):
        make_batches(data, meta(), 2, augment=("flip",))


# -- training: every encoding learns -------------------------------------------------------
@pytest.mark.parametrize(
    ("dataset", "options"),
    [
        (Bars(classes=3), {"encoding": "sparse"}),
        (Bars(classes=3), {"encoding": "onehot", "softmax": True}),
        (Bars(classes=2), {"encoding": "binary"}),
        (Brightness(), {"loss": "mse"}),
        (Brightness(), {"loss": "mae"}),
        (Blobs(), {"encoding": "reconstruction"}),
    ],
    ids=["sparse", "onehot-softmax", "binary", "regression-mse", "regression-mae", "recon"],
)
def test_each_encoding_trains(dataset, options) -> None:
    keras.utils.set_random_seed(0)
    recon = options.get("encoding") == "reconstruction"
    arch = kerazoo.get_architecture("autoencoder", depth=1) if recon else "lenet"
    model = build(arch, dataset, learning_rate=1e-3 if recon else 3e-3, **options)
    data = dataset.generate(96, seed=1)
    batches = make_batches(data, info(model), 16, seed=0)
    history = model.fit(batches, epochs=4, verbose=0, shuffle=False).history
    loss = history["loss"]
    assert loss[-1] < 0.7 * loss[0], loss
    metric = "mae" if dataset.task.kind != "classification" else "accuracy"
    assert metric in history
    preds = model.predict(encode_inputs(data.images[:4], model), verbose=0)
    assert preds.shape[0] == 4


def test_samples_tuple_and_model_as_info() -> None:
    model = build("lenet", Bars())
    data = Bars().generate(8)
    ds = make_batches(Samples(data.images, data.labels, None), model, 4)
    assert model.evaluate(ds, verbose=0, return_dict=True)["accuracy"] >= 0


@pytest.mark.parametrize("augment", [(), ("vflip",)])
def test_epoch_e_depends_only_on_the_seed_and_e(augment) -> None:
    data = Bars().generate(24, seed=3)
    whole = make_batches(data, meta(), 8, augment=augment, seed=7)
    epochs = [batches_of(whole) for _ in range(3)]
    resumed = make_batches(data, meta(), 8, augment=augment, seed=7, epoch=2)
    for (xa, ya), (xb, yb) in zip(epochs[2], batches_of(resumed), strict=True):
        assert np.array_equal(xa, xb) and np.array_equal(ya, yb)
    first = np.concatenate([y for _, y in epochs[0]])
    assert not np.array_equal(first, np.concatenate([y for _, y in epochs[1]]))


# -- numpy batches (JAX and every backend but TensorFlow) against tf.data ------------------
@pytest.mark.parametrize(
    ("data_format", "encoding", "augment"),
    [
        ("channels_last", "sparse", ()),
        ("channels_first", "onehot", ("vflip", "shift")),
        ("channels_first", "reconstruction", ("hflip",)),
        ("channels_last", "reconstruction", ()),
    ],
)
def test_numpy_and_tf_data_batches_are_the_same_bits(data_format, encoding, augment) -> None:
    data = (Blobs() if encoding == "reconstruction" else Bars()).generate(21, seed=2)
    how = {"shuffle": True, "augment": augment, "seed": 3, "epoch": 1}
    args = (data, meta(data_format, encoding), 8)
    tf_data, numpy = (build_batches(*args, **how, tf_data=tf) for tf in (True, False))
    assert len(tf_data) == len(numpy) == 3
    for _ in range(2):  # two epochs, each new
        for (xa, ya), (xb, yb) in zip(batches_of(tf_data), batches_of(numpy), strict=True):
            assert xa.dtype == xb.dtype and np.array_equal(xa, xb)
            assert ya.dtype == yb.dtype and np.array_equal(ya, yb)


def test_a_look_before_fit_takes_no_epoch_and_any_order_gets_the_same_batches() -> None:
    data = Bars().generate(40, seed=3)
    how = {"shuffle": True, "augment": ("vflip", "shift"), "seed": 2, "epoch": 0}
    reference = build_batches(data, meta(), 8, **how, tf_data=False)
    epochs = [batches_of(reference) for _ in range(2)]
    batches = build_batches(data, meta(), 8, **how, tf_data=False)
    looked = batches[0]  # Keras looks at one batch to build a model's metrics ...
    batches.on_epoch_end()  # ... and ends that pass: the epoch is not used up
    assert np.array_equal(looked[0], epochs[0][0][0])
    for expected in epochs:  # fit(..., shuffle=True) asks for the batches in any order
        got = {i: batches[i] for i in (3, 1, 0, 4, 2)}
        batches.on_epoch_end()
        for i, (x, y) in enumerate(expected):
            assert np.array_equal(got[i][0], x) and np.array_equal(got[i][1], y)
    with pytest.raises(IndexError, match="batch 5 of 5"):
        batches[5]


def test_fit_shows_the_number_of_batches_in_an_epoch(capsys) -> None:
    model = build("lenet", Bars())
    model.fit(make_batches(Bars().generate(40), model, 16), epochs=1, verbose=1, shuffle=False)
    assert "3/3" in capsys.readouterr().out
