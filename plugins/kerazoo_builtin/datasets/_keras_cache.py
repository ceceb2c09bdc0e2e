"""The classic Keras datasets on disk: where Keras keeps them, fetching them once, reading them.

The files, names, folders, origins and hashes are those of ``keras.datasets`` (Keras 3.15):
a cache filled by ``keras.datasets.mnist.load_data()`` serves kerazoo and the other way
round. A file that is present is read as it is, never hashed or downloaded again; a missing
one is fetched by ``keras.utils.get_file``, unless ``KERAZOO_OFFLINE`` is set, and a fetch
that fails is a :class:`~kerazoo.DataError` naming the file, its URL and where to put it.
The files are read here rather than by ``keras.datasets.*.load_data``, which would re-fetch
any file whose hash differs and assumes the full sizes (CIFAR-10's 50,000 training images).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kerazoo import DataError

#: Set (to anything but "" or "0") to refuse every download: a missing file is an error.
OFFLINE = "KERAZOO_OFFLINE"
GOOGLE = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
TORONTO = "https://www.cs.toronto.edu/~kriz/"


@dataclass(frozen=True)
class Download:
    """One ``keras.utils.get_file`` call: its arguments as ``keras.datasets`` gives them."""

    fname: str
    origin: str
    cache_subdir: str = "datasets"
    file_hash: str | None = None
    extract: bool = False

    def target(self, home: Path) -> Path:
        """Where ``get_file`` saves the download (an archive: ``<fname>_archive``)."""
        name = f"{self.fname}_archive" if self.extract else self.fname
        return home / self.cache_subdir / name


@dataclass(frozen=True)
class Source:
    """The files one dataset family reads, relative to the Keras home, and their download."""

    download: tuple[Download, ...]
    #: For each download, the files it provides (extracted ones for an archive).
    files: tuple[tuple[str, ...], ...]


MNIST = Source(
    (
        Download(
            "mnist.npz",
            GOOGLE + "mnist.npz",
            file_hash="731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
        ),
    ),
    (("datasets/mnist.npz",),),
)
FASHION_FILES = (
    "train-labels-idx1-ubyte.gz",
    "train-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
)
FASHION_MNIST = Source(
    tuple(Download(f, GOOGLE + f, cache_subdir="datasets/fashion-mnist") for f in FASHION_FILES),
    tuple((f"datasets/fashion-mnist/{f}",) for f in FASHION_FILES),
)
CIFAR10_DIR = "datasets/cifar-10-batches-py-target/cifar-10-batches-py"
CIFAR10 = Source(
    (
        Download(
            "cifar-10-batches-py-target",
            TORONTO + "cifar-10-python.tar.gz",
            file_hash="6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
            extract=True,
        ),
    ),
    (
        tuple(
            f"{CIFAR10_DIR}/{b}" for b in [*(f"data_batch_{i}" for i in range(1, 6)), "test_batch"]
        ),
    ),
)
CIFAR100_DIR = "datasets/cifar-100-python-target/cifar-100-python"
CIFAR100 = Source(
    (
        Download(
            "cifar-100-python-target",
            TORONTO + "cifar-100-python.tar.gz",
            file_hash="85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7",
            extract=True,
        ),
    ),
    ((f"{CIFAR100_DIR}/train", f"{CIFAR100_DIR}/test"),),
)


def keras_home() -> Path:
    """Keras' cache folder as Keras chooses it: ``$KERAS_HOME``, else ``~/.keras`` (or
    ``/tmp/.keras`` when the home folder is not writable). Read at each call, so a
    ``KERAS_HOME`` set after Keras was imported still counts here."""
    if "KERAS_HOME" in os.environ:
        return Path(os.environ["KERAS_HOME"]).expanduser()
    home = Path("~").expanduser()
    return (home if os.access(home, os.W_OK) else Path("/tmp")) / ".keras"


def offline() -> bool:
    """Whether ``KERAZOO_OFFLINE`` forbids downloads."""
    return os.environ.get(OFFLINE, "") not in ("", "0")


def ensure(source: Source, who: str) -> Path:
    """The Keras home, with every file of ``source`` in it: fetched now if missing.

    Raises:
        DataError: a file is missing and ``KERAZOO_OFFLINE`` is set, or its download failed.
    """
    home = keras_home()
    for download, files in zip(source.download, source.files, strict=True):
        if all((home / f).is_file() for f in files):
            continue
        _fetch(download, home, files, who)
    return home


def _fetch(download: Download, home: Path, files: tuple[str, ...], who: str) -> None:
    """Fetch one download with ``keras.utils.get_file``, or say how to put it in place."""
    target = download.target(home)
    if offline() and not (target.is_file() and _hash_ok(target, download.file_hash)):
        raise DataError(_missing(download, home, files, who, f"{OFFLINE} is set: no download"))
    try:
        import keras

        (home / download.cache_subdir).mkdir(parents=True, exist_ok=True)
        keras.utils.get_file(
            download.fname,
            download.origin,
            cache_dir=str(home),
            cache_subdir=download.cache_subdir,
            file_hash=download.file_hash,
            extract=download.extract,
        )
    except Exception as exc:  # urllib's errors, a hash mismatch, a disk that is full
        why = f"downloading it failed: {type(exc).__name__}: {exc}"
        raise DataError(_missing(download, home, files, who, why)) from exc
    if not all((home / f).is_file() for f in files):
        raise DataError(_missing(download, home, files, who, "the download did not hold it"))


def _missing(download: Download, home: Path, files: tuple[str, ...], who: str, why: str) -> str:
    """The message for a file that is not in the cache: the file, the URL, where it goes."""
    first = home / files[0]
    where = f"put it at {download.target(home)}"
    if download.extract:
        where += f" (kerazoo extracts it on first use), or extract it so that {first} exists"
    then = (
        f"unset {OFFLINE} on a machine with internet and kerazoo downloads it once"
        if offline()
        else "run again once the download can work (kerazoo downloads it once)"
    )
    return (
        f"{who} reads {first} from Keras' cache ($KERAS_HOME, else ~/.keras), and it is not "
        f"there ({why}). Download {download.origin} on a machine with internet and "
        f"{where}; or {then}."
    )


def _hash_ok(path: Path, sha256: str | None) -> bool:
    """Whether ``path`` has this SHA-256 (``get_file`` would download it again if not)."""
    if sha256 is None:
        return True
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest() == sha256


# -- the formats ------------------------------------------------------------------------
Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def read_mnist(home: Path) -> Arrays:
    """``x_train [N,28,28], y_train, x_test, y_test`` from ``mnist.npz`` (no pickles)."""
    with np.load(home / MNIST.files[0][0], allow_pickle=False) as f:
        return f["x_train"], f["y_train"], f["x_test"], f["y_test"]


def read_fashion_mnist(home: Path) -> Arrays:
    """The four gzipped IDX files: labels after 8 header bytes, images after 16."""
    y_train, x_train, y_test, x_test = (
        gzip.decompress((home / files[0]).read_bytes()) for files in FASHION_MNIST.files
    )
    labels = [np.frombuffer(y, np.uint8, offset=8) for y in (y_train, y_test)]
    images = [
        np.frombuffer(x, np.uint8, offset=16).reshape(len(y), 28, 28)
        for x, y in zip((x_train, x_test), labels, strict=True)
    ]
    return images[0], labels[0], images[1], labels[1]


def read_cifar10(home: Path) -> Arrays:
    """The five pickled training batches and the test batch, as NHWC."""
    paths = [home / f for f in CIFAR10.files[0]]
    train = [_cifar_batch(p, b"labels") for p in paths[:5]]
    x_test, y_test = _cifar_batch(paths[5], b"labels")
    x_train = np.concatenate([x for x, _ in train])
    return x_train, np.concatenate([y for _, y in train]), x_test, y_test


def read_cifar100(home: Path, labels: str) -> Arrays:
    """The pickled ``train`` and ``test`` files; ``labels``: ``fine`` or ``coarse``."""
    key = f"{labels}_labels".encode()
    x_train, y_train = _cifar_batch(home / CIFAR100.files[0][0], key)
    x_test, y_test = _cifar_batch(home / CIFAR100.files[0][1], key)
    return x_train, y_train, x_test, y_test


def _cifar_batch(path: Path, key: bytes) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR pickle (a Python 2 dict of bytes keys): ``uint8 [N,32,32,3]`` and labels."""
    try:
        with path.open("rb") as f:
            batch = _ArraysOnly(f, encoding="bytes").load()
        data = np.asarray(batch[b"data"], np.uint8)
        labels = np.asarray(batch[key], np.int64)
        images = data.reshape(len(data), 3, 32, 32).transpose(0, 2, 3, 1)
    except (pickle.UnpicklingError, KeyError, ValueError, TypeError, EOFError) as exc:
        raise DataError(
            f"{path} is not a CIFAR batch as Keras downloads it ({type(exc).__name__}: "
            f"{exc}). Delete it and its folder to download it again."
        ) from None
    return np.ascontiguousarray(images), labels


class _ArraysOnly(pickle.Unpickler):
    """An unpickler that rebuilds numpy arrays and nothing else (no code runs from a file)."""

    ALLOWED = frozenset(
        {
            ("numpy", "ndarray"),
            ("numpy", "dtype"),
            ("numpy.core.multiarray", "_reconstruct"),
            ("numpy._core.multiarray", "_reconstruct"),
        }
    )

    def find_class(self, module: str, name: str) -> object:
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a dataset file")
