"""Test-local datasets for the builder and architecture tests (no tests in this module).

Tiny, separable problems made with numpy, so the builder's tests do not depend on the
built-in datasets, and so every task kind has a dataset (the built-ins have no
reconstruction dataset).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np

import kerazoo
from kerazoo import Dataset, Param, Samples, Task


class Bars(Dataset):
    """Classification: a bright vertical bar whose column band gives the class."""

    options: ClassVar[dict[str, Param]] = {
        "size": Param("12", "size"),
        "classes": Param(3, int, low=2, high=8),
        "channels": Param(1, int, choices=(1, 3)),
    }
    augmentations = ("vflip",)

    @property
    def task(self) -> Task:
        return Task.classification([f"band{i}" for i in range(self.config["classes"])])

    @property
    def image_shape(self) -> tuple[int, int, int]:
        h, w = self.config["size"]
        return (h, w, self.config["channels"])

    def make(self, n: int, rng: np.random.Generator) -> Samples:
        h, w, c = self.image_shape
        k = self.config["classes"]
        labels = rng.integers(0, k, n)
        images = rng.integers(0, 60, (n, h, w, c)).astype(np.uint8)
        cols = (labels * w + w // (2 * k)) // k
        images[np.arange(n), :, cols, :] = 250
        return Samples(images, labels.astype(np.int64), None)


class Brightness(Dataset):
    """Regression: the label is the image's brightness level in [0, 10]."""

    options: ClassVar[dict[str, Param]] = {"size": Param("12", "size")}

    @property
    def task(self) -> Task:
        return Task.regression(0, 10)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        h, w = self.config["size"]
        return (h, w, 1)

    def make(self, n: int, rng: np.random.Generator) -> Samples:
        h, w, _ = self.image_shape
        level = rng.uniform(0, 10, n).astype(np.float32)
        noise = rng.integers(0, 20, (n, h, w, 1))
        images = (level[:, None, None, None] * 20 + noise).astype(np.uint8)
        return Samples(images, level, None)


class Blobs(Dataset):
    """Reconstruction: a bright square on a grey background."""

    options: ClassVar[dict[str, Param]] = {
        "size": Param("12", "size"),
        "channels": Param(1, int, choices=(1, 3)),
    }

    @property
    def task(self) -> Task:
        return Task.reconstruction()

    @property
    def image_shape(self) -> tuple[int, int, int]:
        h, w = self.config["size"]
        return (h, w, self.config["channels"])

    def make(self, n: int, rng: np.random.Generator) -> Samples:
        h, w, c = self.image_shape
        images = np.full((n, h, w, c), 90, np.uint8)
        for i in range(n):
            y, x = rng.integers(0, max(1, h - 3)), rng.integers(0, max(1, w - 3))
            images[i, y : y + 3, x : x + 3] = 255
        return Samples(images, None, None)


LOCAL = {"bars": Bars, "brightness": Brightness, "blobs": Blobs}


def write_image_folder(root: Path, classes: int = 2, per_class: int = 8) -> Path:
    """A folder of PNGs of assorted sizes, one sub-folder per class, for ``folder``."""
    from PIL import Image

    rng = np.random.default_rng(0)
    for k in range(classes):
        (root / f"class{k}").mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            h, w = rng.integers(20, 50, 2)
            pixels = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / f"class{k}" / f"{i}.png")
    return root


def tiny_dataset(name: str, folder: Path | None = None) -> Dataset:
    """A registered or test-local dataset with small images.

    Where it has a ``size`` option, the smallest of 32, 48, 64 its other defaults accept;
    otherwise its defaults. ``folder`` is the ``path`` option of datasets that need one.
    """
    if name in LOCAL:
        return LOCAL[name]()
    cls = kerazoo.registry.dataset_class(name)
    options: dict[str, Any] = {}
    if "path" in cls.options and folder is not None:
        options["path"] = str(folder)
    if "size" in cls.options:
        for size in (32, 48, 64):
            try:
                return cls(**options, size=size)
            except kerazoo.InvalidOptionError:
                continue
    return cls(**options)
