"""The refusals of looking inside that the other interpret tests do not reach: nothing to
explain, counts below one, a model with nothing of the kind asked for."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import kerazoo
from kerazoo import interpret
from kerazoo._errors import DataError, IncompatibleError, InvalidOptionError
from tests.fixtures.tiny_data import Bars
from tests.fixtures.tiny_models import classifier, meta_for


class _DenseOnly(kerazoo.Architecture):
    """A body without a convolution or a pooling layer: nothing with maps or kernels."""

    description = "flatten and one dense layer"
    plugin = "kz-dense 0.1"

    def build_body(self, inputs, spec, data_format):
        return keras.layers.Dense(4, name="hidden")(keras.layers.Flatten()(inputs))


@pytest.fixture(scope="module")
def bars():
    ds = Bars(size=12)
    return ds, kerazoo.build("lenet", ds, seed=0), ds.generate(2, seed=0).images


@pytest.fixture(scope="module")
def dense_only():
    return kerazoo.build(_DenseOnly(), Bars(size=12), seed=0)


def test_saliency_refuses_no_images_and_counts_below_one(bars) -> None:
    _, model, images = bars
    with pytest.raises(DataError, match=r"No images to explain: got an array of shape \(0, 12"):
        interpret.saliency(model, images[:0])
    with pytest.raises(InvalidOptionError, match=r"^batch_size=0 must be at least 1\.$"):
        interpret.saliency(model, images, batch_size=0)
    with pytest.raises(InvalidOptionError, match=r"^samples=0 must be at least 1\.$"):
        interpret.saliency(model, images, "smoothgrad", samples=0)
    with pytest.raises(InvalidOptionError, match=r"^stride=0 must be at least 1\.$"):
        interpret.saliency(model, images, "occlusion", patch=2, stride=0)


def test_a_reconstruction_model_has_no_class_score_to_explain(bars) -> None:
    ds, _, images = bars
    autoencoder = kerazoo.build("autoencoder", ds, encoding="reconstruction", seed=0)
    with pytest.raises(IncompatibleError, match=r"Model '.*' reconstructs images: it has no cl"):
        interpret.saliency(autoencoder, images)


def test_a_layer_model_starts_at_pixels_or_floats_only(bars) -> None:
    with pytest.raises(InvalidOptionError, match=r"start must be 'pixels' or 'float', got 'by"):
        interpret.layer_model(bars[1], ["conv1"], start="bytes")


def test_the_saliency_score_needs_one_image_or_more(bars) -> None:
    with pytest.raises(InvalidOptionError, match=r"^n=0 must be at least 1 image\.$"):
        interpret.saliency_score(bars[1], n=0)


def test_a_model_without_convolutions_has_no_maps_or_kernels(dense_only, bars, tmp_path) -> None:
    with pytest.raises(IncompatibleError, match=r"Model '.*' has no convolution to draw\."):
        interpret.draw_kernels(dense_only, tmp_path / "k.png")
    with pytest.raises(
        IncompatibleError,
        match=r"has no convolution or pooling layer to show maps of\. Name layers with maps "
        r"instead: pixels, rescale, normalize\.",
    ):
        interpret.feature_maps(dense_only, bars[2])
    assert list(tmp_path.iterdir()) == []


def test_samples_need_a_dataset_named_in_the_metadata(tmp_path) -> None:
    meta = meta_for()
    del meta["dataset"]  # a model described without the data it was trained on
    path = kerazoo.save_model(classifier(), tmp_path / "m.keras", meta)
    with pytest.raises(
        IncompatibleError, match=r"^The model's metadata names no dataset to draw images from: p"
    ):
        interpret.draw_feature_maps(path, tmp_path / "maps.png")
    assert not (tmp_path / "maps.png").exists()


def test_activation_stats_take_whole_numbers_of_at_least_one() -> None:
    for name in ("every", "bins", "points"):
        with pytest.raises(
            InvalidOptionError,
            match=rf"^ActivationStats: {name} must be a whole number of at least 1, got 0\.$",
        ):
            interpret.ActivationStats(**{name: 0})


def test_snapshots_refuse_more_frames_than_a_gif_keeps_before_the_first_batch(bars, tmp_path):
    ds, model, images = bars
    data = ds.generate(16, seed=1)
    snapshots = interpret.Snapshots(["conv1"], every=1, probe=images[:1], out=tmp_path)
    with pytest.raises(
        InvalidOptionError,
        match=r"^Snapshots keeps at most 500 frames per GIF; one every 1 batches would take 602 "
        r"in this run\. Use every=2 or more, or leave it out for about 40\.$",
    ):
        model.fit(
            data.images, data.labels, batch_size=8, epochs=300, verbose=0, callbacks=[snapshots]
        )
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_interpret_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match=r"^module 'kerazoo.interpret' has no attribute 'map"):
        interpret.maps_of  # noqa: B018


def test_snapshots_outside_a_run_need_a_folder(bars) -> None:
    ds, model, images = bars
    data = ds.generate(8, seed=1)
    snapshots = interpret.Snapshots(["conv1"], every=1, probe=images[:1])
    with pytest.raises(
        InvalidOptionError,
        match=r"^Snapshots has no folder to write into: pass out=FOLDER \(kerazoo\.train gives",
    ):
        model.fit(
            data.images, data.labels, batch_size=8, epochs=1, verbose=0, callbacks=[snapshots]
        )


def test_statistics_need_a_layer_to_record(bars) -> None:
    flat = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten()], name="flat")
    with pytest.raises(
        InvalidOptionError,
        match=r"^Model 'flat' has no layer with weights or an activation to record; name the la",
    ):
        interpret.layer_stats(flat, np.zeros((1, 4, 4, 1), np.uint8))


def test_the_pointing_tolerance_is_zero_or_more_pixels() -> None:
    from kerazoo.interpret._score import score_maps

    with pytest.raises(InvalidOptionError, match=r"^tolerance=-1 must be 0 or more pixels\.$"):
        score_maps(np.ones((1, 4, 4)), np.ones((1, 4, 4), bool), tolerance=-1)
