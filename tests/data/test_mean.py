"""The mean image of a dataset: numpy's mean of the same samples, per class and per band."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import kerazoo
from kerazoo.data import _mean


def test_the_mean_is_numpys_mean_of_the_same_samples_in_any_chunks(monkeypatch) -> None:
    ds = kerazoo.get_dataset("shapes", size=16)
    images = ds.generate(50, seed=3).images.astype(np.float64)
    whole = kerazoo.dataset_mean(ds, n=50, seed=3)
    monkeypatch.setattr(_mean, "CHUNK_BYTES", 16 * 16 * 8 * 7)  # 7 images a chunk, 8 chunks
    chunked = kerazoo.dataset_mean(ds, n=50, seed=3)
    for got in (whole, chunked):
        assert got.count == 50 and got.mean.shape == (16, 16, 1)
        np.testing.assert_allclose(got.mean, images.mean(axis=0), rtol=1e-12)
        np.testing.assert_allclose(got.std, images.std(axis=0), atol=1e-9)
        np.testing.assert_allclose(got.channel_mean, images.mean(axis=(0, 1, 2)), rtol=1e-12)
        np.testing.assert_allclose(got.channel_std, images.std(axis=(0, 1, 2)), rtol=1e-9)


def test_each_class_has_the_mean_of_its_own_samples() -> None:
    ds = kerazoo.get_dataset("traffic_lights")
    data = ds.generate(60, seed=1)
    got = kerazoo.dataset_mean(ds, n=60, seed=1)
    assert got.group_names == ("red", "yellow", "green")
    assert got.group_counts.tolist() == np.bincount(data.labels, minlength=3).tolist()
    for k in range(3):
        expected = data.images[data.labels == k].astype(np.float64).mean(axis=0)
        np.testing.assert_allclose(got.group_means[k], expected, rtol=1e-12)
    assert got.summary().startswith("mean pixel value per channel: R ")


def test_centred_shapes_give_a_mean_circle_and_a_mean_square() -> None:
    """Drawn in the same circle, a square leaves the circle's sides dark: so do their means."""
    options = {"size": 32, "position": 0, "rotate": False, "classes": "circle,square"}
    ds = kerazoo.get_dataset("shapes", min_scale=0.5, max_scale=0.6, **options)
    got = kerazoo.dataset_mean(ds, n=100)
    circle, square = got.group_means[:, :, :, 0]
    assert circle[16, 16] > 250 and square[16, 16] > 250  # both cover the centre
    assert circle[16, 8] > 250 and square[16, 8] == 0  # a side: the disc's, not the square's
    assert circle[10, 10] > 250 and square[10, 10] > 250  # a corner of the square: both


def test_a_regression_dataset_has_a_mean_per_band_of_values() -> None:
    ds = kerazoo.get_dataset("circles", size=24, target="count", min_count=1, max_count=8)
    data = ds.generate(80, seed=0)
    got = kerazoo.dataset_mean(ds, n=80, bands=4)
    assert got.group_names == ("1 to 2", "3 to 4", "5 to 6", "7 to 8")
    band = (data.labels.astype(int) - 1) // 2
    for k in range(4):
        expected = data.images[band == k].astype(np.float64).mean(axis=0)
        np.testing.assert_allclose(got.group_means[k], expected, rtol=1e-12)
    brightness = got.group_means.mean(axis=(1, 2, 3))
    assert np.all(np.diff(brightness) > 0)  # more circles, a brighter mean


def test_a_reconstruction_dataset_has_only_the_overall_mean(tmp_path) -> None:
    got = kerazoo.dataset_mean(
        kerazoo.get_dataset("polkadots", size=20, min_radius=2, max_radius=4), n=10
    )
    assert got.group_names == () and got.group_means.shape == (0, 20, 20, 1)
    path = got.save_picture(tmp_path / "dots.png")
    with Image.open(path) as img:
        assert img.format == "PNG"


def test_a_class_with_no_sample_has_no_mean() -> None:
    got = kerazoo.dataset_mean("shapes", n=1)
    assert sorted(got.group_counts.tolist()) == [0, 0, 1]
    empty = got.group_counts == 0
    assert np.isnan(got.group_means[empty]).all()
    assert not np.isnan(got.group_means[~empty]).any()


def test_value_bands_cut_a_range_of_numbers_or_counts() -> None:
    starts, names = _mean.value_bands(0.0, 1.0, 4)
    assert starts.tolist() == [0.0, 0.25, 0.5, 0.75]
    assert names == ("0 to 0.25", "0.25 to 0.5", "0.5 to 0.75", "0.75 to 1")
    assert _mean.value_bands(0, 2, 4, integer=True)[1] == ("0", "1", "2")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 0}, r"^n must be an integer >= 1, got 0\.$"),
        ({"n": True}, r"^n must be an integer >= 1, got True\.$"),
        ({"bands": 0}, r"^bands must be an integer >= 1, got 0\.$"),
    ],
)
def test_bad_counts_are_refused(kwargs, message: str) -> None:
    with pytest.raises(kerazoo.InvalidOptionError, match=message):
        kerazoo.dataset_mean("shapes", **kwargs)


def test_an_unknown_dataset_is_refused_with_the_closest_name() -> None:
    with pytest.raises(kerazoo.UnknownNameError, match=r"Unknown dataset 'shape'\. Did you mean"):
        kerazoo.dataset_mean("shape")


def test_more_samples_than_fit_are_refused_before_any_is_made() -> None:
    with pytest.raises(
        kerazoo.InvalidOptionError,
        match=r"^n=1000000000000 \(dataset 'shapes', .* Ask for fewer with n: about",
    ):
        kerazoo.dataset_mean("shapes", n=10**12)


def test_a_picture_name_matplotlib_cannot_write_is_refused(tmp_path) -> None:
    got = kerazoo.dataset_mean("shapes", n=3)
    with pytest.raises(kerazoo.InvalidOptionError, match=r"cannot write '\.txt' files"):
        got.save_picture(tmp_path / "mean.txt")
