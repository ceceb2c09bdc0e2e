"""``mnist``, ``fashion_mnist``, ``cifar10``, ``cifar100``: the classic datasets of
``keras.datasets``, from Keras' own cache, with their official training / test split."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from kerazoo import DataError, Dataset, Param, Samples, Task
from kerazoo.data.augment import applicable
from kerazoo.data.decode import convert_channels, resize

from . import _keras_cache as cache

FASHION_CLASSES = (
    "t-shirt_top", "trouser", "pullover", "dress", "coat",
    "sandal", "shirt", "sneaker", "bag", "ankle_boot",
)  # fmt: skip
CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)  # fmt: skip
_FINE = """apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus
    butterfly camel can castle caterpillar cattle chair chimpanzee clock cloud cockroach couch
    crab crocodile cup dinosaur dolphin elephant flatfish forest fox girl hamster house
    kangaroo keyboard lamp lawn_mower leopard lion lizard lobster man maple_tree motorcycle
    mountain mouse mushroom oak_tree orange orchid otter palm_tree pear pickup_truck pine_tree
    plain plate poppy porcupine possum rabbit raccoon ray road rocket rose sea seal shark
    shrew skunk skyscraper snail snake spider squirrel streetcar sunflower sweet_pepper table
    tank telephone television tiger tractor train trout tulip turtle wardrobe whale
    willow_tree wolf woman worm"""
CIFAR100_FINE = tuple(_FINE.split())
_COARSE = """aquatic_mammals fish flowers food_containers fruit_and_vegetables
    household_electrical_devices household_furniture insects large_carnivores
    large_man-made_outdoor_things large_natural_outdoor_scenes large_omnivores_and_herbivores
    medium_mammals non-insect_invertebrates people reptiles small_mammals trees vehicles_1
    vehicles_2"""
CIFAR100_COARSE = tuple(_COARSE.split())


class KerasDataset(Dataset):
    """Base of the classic ``keras.datasets`` images: a fixed pool with an official split.

    The files are Keras' own, in Keras' cache (``$KERAS_HOME/datasets``, else
    ``~/.keras/datasets``): downloaded once by ``keras.utils.get_file`` on first use, read
    as they are afterwards. With ``KERAZOO_OFFLINE=1`` nothing is downloaded: a missing file
    is a :class:`~kerazoo.DataError` naming it, its URL and where to put it.

    ``split()`` (and so ``kerazoo train``) takes training and validation images from the
    official training images and test images from the official test images
    (:attr:`~kerazoo.Dataset.fixed_split`); ``generate(n, seed)`` draws from the official
    test images (what ``kerazoo data`` shows and ``kerazoo evaluate`` scores), without
    replacement. Images keep their native size unless ``size`` asks for another (Pillow's
    bilinear filter); ``channels`` turns grey into RGB (copies) or RGB into grey (Pillow's
    ``L``).
    """

    #: The files and how to fetch them.
    source: ClassVar[cache.Source]
    #: ``(H, W, C)`` of the images in the files.
    native: ClassVar[tuple[int, int, int]]
    #: ``mask_level`` of datasets whose mask is their ink; ``None``: no masks.
    ink: ClassVar[int | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        h, w, c = cls.native
        table = {
            "size": Param(h, "size", help=f"image size: N or HxW ({h}, as in the files)"),
            "channels": Param(
                c, int, choices=(1, 3), help=f"1 (grey) or 3 (RGB); {c} as in the files"
            ),
        }
        if cls.ink is not None:
            help_ = "grey level from which a pixel is the object (the mask)"
            table["mask_level"] = Param(cls.ink, int, low=1, high=255, help=help_)
        cls.options = {**table, **cls.options}

    def __init__(self, **options: Any) -> None:
        self._loaded: cache.Arrays | None = None
        super().__init__(**options)

    def check_options(self) -> None:
        """Narrow the augmentations to those the size allows."""
        self.augmentations = applicable(type(self).augmentations, self.image_shape)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """``(H, W, channels)``."""
        h, w = self.config["size"]
        return (h, w, self.config["channels"])

    @property
    def fixed_split(self) -> tuple[int, int]:
        """How many images the files hold for training and for testing (read from them)."""
        x_train, _, x_test, _ = self.arrays()
        return len(x_train), len(x_test)

    @property
    def max_samples(self) -> int:
        """The official test images: what ``generate`` draws from."""
        return self.fixed_split[1]

    def read(self, home: Path) -> cache.Arrays:
        """``x_train, y_train, x_test, y_test`` from the files under ``home``."""
        raise NotImplementedError

    def arrays(self) -> cache.Arrays:
        """The files' images (``uint8 [N, H, W(, C)]``) and labels, read once per instance."""
        if self._loaded is None:
            home = cache.ensure(self.source, self.display_name)
            try:
                self._loaded = self.read(home)
            except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
                if isinstance(exc, DataError):
                    raise
                bad = gzip.BadGzipFile.__name__ if isinstance(exc, gzip.BadGzipFile) else ""
                raise DataError(
                    f"{self.display_name} could not read its files in {home / 'datasets'} "
                    f"({bad or type(exc).__name__}: {exc}). Delete the broken file to "
                    "download it again, or put Keras' own copy in its place."
                ) from None
        return self._loaded

    def make(self, n: int, rng: np.random.Generator) -> Samples:
        """Up to ``n`` of the official test images, in a seeded order."""
        return self.make_part("test", n, rng)

    def make_part(self, part: str, n: int, rng: np.random.Generator) -> Samples:
        """Up to ``n`` images of the official ``part`` (``train`` or ``test``), drawn
        without replacement in a seeded order, resized and with their masks."""
        x_train, y_train, x_test, y_test = self.arrays()
        images, labels = (x_train, y_train) if part == "train" else (x_test, y_test)
        chosen = rng.permutation(len(labels))[:n]
        out = convert(images[chosen], self.image_shape)
        masks = None if self.ink is None else out[..., 0] >= self.config["mask_level"]
        return Samples(out, np.asarray(labels[chosen], np.int64).reshape(-1), masks)


def convert(images: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    """``uint8 [N, h, w(, c)]`` to ``[N, H, W, C]``: channels as the Predictor converts
    them, then Pillow's bilinear resize (:mod:`kerazoo.data.decode`)."""
    if images.ndim == 3:
        images = images[..., None]
    h, w, c = shape
    images = convert_channels(images, c, [])
    if images.shape[1:3] == (h, w):
        return np.ascontiguousarray(images)
    out = np.zeros((len(images), h, w, c), np.uint8)
    for i, image in enumerate(images):
        out[i] = resize(image, width=w, height=h)
    return out


class Mnist(KerasDataset):
    """MNIST: 70,000 handwritten digits, 28x28 grey (60,000 training, 10,000 test).

    ``keras.datasets.mnist``'s ``mnist.npz``. The mask of a digit is its ink: the pixels at
    or above ``mask_level``. Only ``shift`` keeps labels true (a turned 6 is a 9).

    Example:
        >>> import kerazoo
        >>> ds = kerazoo.get_dataset("mnist", size=32)      # doctest: +SKIP
        >>> ds.split(1000, 100, 100, seed=0).train.images.shape  # doctest: +SKIP
        (1000, 32, 32, 1)
    """

    description = "MNIST handwritten digits (28x28 grey, 60k/10k), Keras' download"
    source = cache.MNIST
    native = (28, 28, 1)
    ink = 128
    augmentations = ("shift",)

    @property
    def task(self) -> Task:
        """The ten digits, named "0" to "9"."""
        return Task.classification([str(d) for d in range(10)])

    def read(self, home: Path) -> cache.Arrays:
        """``mnist.npz``."""
        return cache.read_mnist(home)


class FashionMnist(KerasDataset):
    """Fashion-MNIST: 70,000 Zalando garments, 28x28 grey (60,000 training, 10,000 test).

    ``keras.datasets.fashion_mnist``'s four IDX files. The mask is the garment: the pixels
    at or above ``mask_level`` (a low level: garments have dark parts). A mirrored garment
    is the same garment: ``hflip`` and ``shift`` keep labels true.
    """

    description = "Fashion-MNIST garments (28x28 grey, 60k/10k), Keras' download"
    source = cache.FASHION_MNIST
    native = (28, 28, 1)
    ink = 16
    augmentations = ("hflip", "shift")

    @property
    def task(self) -> Task:
        """The ten garments, Keras' order (0 is t-shirt/top, 9 ankle boot)."""
        return Task.classification(FASHION_CLASSES)

    def read(self, home: Path) -> cache.Arrays:
        """The four IDX files."""
        return cache.read_fashion_mnist(home)


class Cifar10(KerasDataset):
    """CIFAR-10: 60,000 photos in 10 classes, 32x32 RGB (50,000 training, 10,000 test).

    ``keras.datasets.cifar10``'s ``cifar-10-python.tar.gz``, extracted in Keras' cache.
    Masks are None (a photo has no drawn object to outline). ``hflip`` and ``shift``
    keep labels true.
    """

    description = "CIFAR-10 photos, 10 classes (32x32 RGB, 50k/10k), Keras' download"
    source = cache.CIFAR10
    native = (32, 32, 3)
    augmentations = ("hflip", "shift")

    @property
    def task(self) -> Task:
        """airplane, automobile, ..., truck: Keras' order."""
        return Task.classification(CIFAR10_CLASSES)

    def read(self, home: Path) -> cache.Arrays:
        """The pickled batches."""
        return cache.read_cifar10(home)


class Cifar100(KerasDataset):
    """CIFAR-100: 60,000 photos in 100 classes (or 20 superclasses), 32x32 RGB.

    ``keras.datasets.cifar100``'s ``cifar-100-python.tar.gz``; ``labels=fine`` (100
    classes) or ``coarse`` (20 superclasses), as its ``label_mode``. Masks are None.
    """

    description = "CIFAR-100 photos, 100 classes or 20 (32x32 RGB, 50k/10k), Keras' download"
    source = cache.CIFAR100
    native = (32, 32, 3)
    augmentations = ("hflip", "shift")
    options: ClassVar[dict[str, Param]] = {
        "labels": Param(
            "fine", str, choices=("fine", "coarse"), help="fine: 100 classes; coarse: 20"
        ),
    }

    @property
    def task(self) -> Task:
        """The 100 fine classes or the 20 coarse ones, in Keras' (alphabetical) order."""
        fine = self.config["labels"] == "fine"
        return Task.classification(CIFAR100_FINE if fine else CIFAR100_COARSE)

    def read(self, home: Path) -> cache.Arrays:
        """The pickled ``train`` and ``test`` files."""
        return cache.read_cifar100(home, self.config["labels"])
