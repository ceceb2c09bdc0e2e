"""``digits``: scikit-learn's real handwritten digits, offline: the bits, the labels, the
masks, the splits, and a LeNet that reads them."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pytest
from sklearn.datasets import load_digits

import kerazoo
from kerazoo import InvalidOptionError
from tests.fixtures.processes import run_cli


def test_at_8x8_the_images_are_scikit_learns_scaled_to_255_with_their_labels() -> None:
    bunch = load_digits()
    data = kerazoo.get_dataset("digits", size=8).generate(40, seed=2)
    assert data.images.shape == (40, 8, 8, 1) and data.labels.dtype == np.int64
    # find each image among scikit-learn's: it must be there, with the same label
    scaled = np.rint(bunch.images * (255 / 16)).astype(np.uint8).reshape(len(bunch.target), -1)
    for image, label in zip(data.images, data.labels, strict=True):
        where = np.flatnonzero((scaled == image.reshape(-1)).all(axis=1))
        assert len(where) >= 1 and label in bunch.target[where]


def test_upsampled_masks_are_the_ink_and_sizes_follow_the_option() -> None:
    ds = kerazoo.get_dataset("digits", size="20x24", mask_level=100)
    data = ds.generate(6, seed=0)
    assert data.images.shape == (6, 20, 24, 1) and ds.image_shape == (20, 24, 1)
    assert (data.masks == (data.images[..., 0] >= 100)).all()
    assert 0.1 < data.masks.mean() < 0.6  # strokes, not the whole image or nothing
    assert ds.task.class_names == tuple(str(d) for d in range(10))


def test_all_1797_digits_once_each_and_splits_never_share_one() -> None:
    ds = kerazoo.get_dataset("digits", size=8)
    every = ds.generate(5000, seed=1)  # asks for more than there are: gets all of them
    assert len(every) == ds.max_samples == 1797
    assert np.bincount(every.labels).min() >= 170  # about 180 of each digit
    s = ds.split(1000, 400, 397, seed=3)

    def pairs(*parts: kerazoo.Samples) -> list[tuple[bytes, int]]:
        return sorted(
            (img.tobytes(), int(y))
            for p in parts
            for img, y in zip(p.images, p.labels, strict=True)
        )

    assert pairs(*s) == pairs(every)
    a, b = ds.generate(10, seed=3), ds.generate(10, seed=4)
    assert a.images.tobytes() == ds.generate(10, seed=3).images.tobytes()
    assert a.images.tobytes() != b.images.tobytes()


def test_same_bits_as_recorded() -> None:
    # scikit-learn's files and Pillow's bilinear filter both feed these bits
    digest = hashlib.sha256()
    for array in kerazoo.get_dataset("digits", size=16).generate(5, seed=7):
        digest.update(array.tobytes())
    assert digest.hexdigest()[:16] == "312fa86b18338f2b"


def test_an_image_smaller_than_the_digits_is_refused() -> None:
    with pytest.raises(InvalidOptionError, match=r"size=6x8 is smaller than .* 8x8; give size=8"):
        kerazoo.get_dataset("digits", size="6x8")
    with pytest.raises(InvalidOptionError, match=r"mask_level"):
        kerazoo.get_dataset("digits", mask_level=0)


@pytest.mark.slow
def test_lenet_reads_real_digits_offline() -> None:
    # no --epochs: the dataset's suggested 10 epochs are used, and the run says so
    done = run_cli("train", "digits", "lenet", "--out", "digits-run")
    assert done.returncode == 0, done.stderr
    assert "dataset 'digits' suggests epochs 10: used (give --epochs to change)" in done.stdout
    found = re.search(r"Test on (\d+) held-out images: accuracy ([0-9.]+)", done.stdout)
    assert found, done.stdout
    assert int(found[1]) >= 250 and float(found[2]) >= 0.95, done.stdout
