"""``mnist``, ``fashion_mnist``, ``cifar10``, ``cifar100``: Keras' files in a temporary
``KERAS_HOME`` (tiny copies in the same formats), the official split, sizes, masks, and the
refusal when a file is missing. Nothing here downloads: ``KERAZOO_OFFLINE`` is set."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from kerazoo_builtin.datasets import _keras_cache as cache
from kerazoo_builtin.datasets.keras_datasets import Cifar10, Cifar100, FashionMnist, Mnist

import kerazoo
from kerazoo import DataError
from kerazoo.training._sizes import split_sizes
from tests.fixtures.keras_cache import write_keras_cache, write_mnist
from tests.fixtures.processes import run_cli, write_distribution

CLASSES = {"mnist": Mnist, "fashion_mnist": FashionMnist, "cifar10": Cifar10, "cifar100": Cifar100}


@pytest.fixture
def tiny_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, dict]:
    """A temporary Keras home with the four tiny datasets; downloads refused."""
    written = write_keras_cache(tmp_path)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setenv("KERAZOO_OFFLINE", "1")
    return tmp_path, written


def _rows(images: np.ndarray) -> list[bytes]:
    return [a.tobytes() for a in images]


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_the_official_split_is_kept_with_the_files_images_and_labels(name, tiny_home) -> None:
    written = tiny_home[1][name]
    ds = CLASSES[name]()
    assert ds.fixed_split == (30, 10) and ds.max_samples == 10
    s = ds.split(20, 10, 10, seed=4)
    trained = s.train.images.reshape(30 - 10, *written["x_train"].shape[1:])
    validated = s.val.images.reshape(10, *written["x_train"].shape[1:])
    # training + validation are exactly the official training images, test the test ones
    assert sorted(_rows(trained) + _rows(validated)) == sorted(_rows(written["x_train"]))
    assert sorted(_rows(s.test.images.reshape(written["x_test"].shape))) == sorted(
        _rows(written["x_test"])
    )
    by_image = {
        a.tobytes(): int(y) for a, y in zip(written["x_train"], written["y_train"], strict=True)
    }
    assert [by_image[a] for a in _rows(trained)] == list(s.train.labels)
    # generate draws from the official test images
    shown = ds.generate(4, seed=0).images.reshape(4, *written["x_test"].shape[1:])
    assert set(_rows(shown)) <= set(_rows(written["x_test"]))


def test_cifar100_coarse_labels_and_class_names(tiny_home) -> None:
    written = tiny_home[1]["cifar100"]
    ds = Cifar100(labels="coarse")
    assert len(ds.task.class_names) == 20 and ds.task.class_names[0] == "aquatic_mammals"
    assert len(Cifar100().task.class_names) == 100
    test = ds.split(1, 1, 10, seed=0).test
    by_image = {
        a.tobytes(): int(y) for a, y in zip(written["x_test"], written["c_test"], strict=True)
    }
    assert [by_image[a.tobytes()] for a in test.images] == list(test.labels)


def test_size_and_channels_resize_with_pillow_and_masks_are_the_ink(tiny_home) -> None:
    from PIL import Image

    written = tiny_home[1]["mnist"]
    data = Mnist(size="20x24", mask_level=100).split(2, 1, 0, seed=0).train
    assert data.images.shape == (2, 20, 24, 1)
    assert (data.masks == (data.images[..., 0] >= 100)).all()
    resized = [
        np.asarray(Image.fromarray(a).resize((24, 20), Image.Resampling.BILINEAR))
        for a in written["x_train"]
    ]
    assert data.images[0, ..., 0].tobytes() in {a.tobytes() for a in resized}
    rgb = Mnist(channels=3).generate(3, seed=1).images
    assert rgb.shape == (3, 28, 28, 3) and (rgb[..., 0] == rgb[..., 2]).all()
    grey = Cifar10(channels=1, size=16).generate(3, seed=1)
    assert grey.images.shape == (3, 16, 16, 1) and grey.masks is None


def test_training_sizes_follow_the_official_split(tiny_home) -> None:
    parts = Mnist().fixed_split
    assert split_sizes({}, 10, parts) == (27, 3, 10)
    assert split_sizes({"train_size": 5}, 10, parts) == (5, 3, 10)
    with pytest.raises(DataError, match=r"fixed split of 30 training and 10 test samples"):
        Mnist().split(25, 6, 0)


def test_a_missing_file_offline_is_refused_naming_file_url_and_place(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setenv("KERAZOO_OFFLINE", "1")
    ds = Mnist()  # making the dataset reads nothing
    target = tmp_path / "datasets" / "mnist.npz"
    with pytest.raises(DataError) as caught:
        ds.generate(2)
    message = str(caught.value)
    assert f"reads {target} from Keras' cache" in message
    assert "KERAZOO_OFFLINE is set: no download" in message
    assert "Download https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz" in (
        message
    )
    assert f"put it at {target}; or unset KERAZOO_OFFLINE on a machine with internet" in message
    archive = tmp_path / "datasets" / "cifar-10-batches-py-target_archive"
    with pytest.raises(DataError, match=rf"put it at {re.escape(str(archive))} \(kerazoo ext"):
        Cifar10().generate(1)
    assert not (tmp_path / "datasets" / "mnist.npz").exists()


def test_a_download_that_fails_is_refused_and_one_that_works_is_read(tmp_path, monkeypatch):
    # file:// origins: keras.utils.get_file runs for real, and no network is touched
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("KERAZOO_OFFLINE", raising=False)
    gone = cache.Source(
        (cache.Download("mnist.npz", (tmp_path / "no.npz").as_uri()),), (("datasets/mnist.npz",),)
    )
    failed = r"not there \(downloading it failed: .*Download file://.*; or run again once the"
    with pytest.raises(DataError, match=failed):
        cache.ensure(gone, "dataset 'mnist'")
    written = write_mnist(tmp_path / "server")
    served = (tmp_path / "server" / "datasets" / "mnist.npz").as_uri()
    monkeypatch.setattr(
        Mnist,
        "source",
        cache.Source((cache.Download("mnist.npz", served),), (("datasets/mnist.npz",),)),
    )
    data = Mnist().split(1, 1, 10, seed=0).test
    assert (tmp_path / "home" / "datasets" / "mnist.npz").is_file()  # cached for next time
    assert sorted(_rows(data.images[..., 0])) == sorted(_rows(written["x_test"]))


def test_a_damaged_cifar_file_is_refused_and_runs_no_code(tiny_home) -> None:
    import pickle

    batch = tiny_home[0] / cache.CIFAR10_DIR / "test_batch"
    batch.write_bytes(pickle.dumps(print, protocol=2))  # a global outside numpy's arrays
    with pytest.raises(DataError, match=r"test_batch is not a CIFAR batch .*refusing to load"):
        Cifar10().generate(1)


def test_kerazoo_train_mnist_lenet_runs_on_the_tiny_cache(tiny_home, tmp_path) -> None:
    home = tiny_home[0]
    site = None
    if "mnist" not in kerazoo.list_datasets():  # until `pip install -e .` registers it
        site = write_distribution(
            tmp_path / "site",
            "kz-mnist-test",
            {"kerazoo.datasets": {"mnist": "kerazoo_builtin.datasets.keras_datasets:Mnist"}},
            {},
        )
    env = {"KERAS_HOME": str(home), "KERAZOO_OFFLINE": "1"}
    done = run_cli(
        "train", "mnist", "lenet", "--epochs", "1", "--train-size", "20", "--batch-size", "10",
        "--out", str(tmp_path / "run"), env=env, pythonpath=site,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert re.search(r"Test on 10 held-out images", done.stdout), done.stdout
    assert (tmp_path / "run" / "model.keras").is_file()
