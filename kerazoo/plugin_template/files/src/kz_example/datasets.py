"""The ``kz_example_bars`` dataset: one bright bar per image, horizontal or vertical.

A dataset plugin declares its task and image shape before it makes anything, and makes
images, labels and (optionally) masks from a seeded random generator only.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

import kerazoo
from kerazoo import Param


class Bars(kerazoo.Dataset):
    """A bright bar on a noisy background; the class is its orientation.

    Example:
        >>> import kerazoo
        >>> ds = kerazoo.get_dataset("kz_example_bars", size=12)
        >>> s = ds.generate(4, seed=0)
        >>> s.images.shape, s.labels.dtype.name, s.masks.shape
        ((4, 12, 12, 1), 'int64', (4, 12, 12))
    """

    description: ClassVar[str] = "a horizontal or vertical bar on noise, with its mask"
    options: ClassVar[dict[str, Param]] = {
        "size": Param(16, "size", help="image size, N or HxW"),
        "thickness": Param(2, int, low=1, high=8, help="bar thickness in pixels"),
        "noise": Param(0.1, float, low=0.0, high=1.0, help="background noise level"),
        "channels": Param(1, int, choices=(1, 3), help="1 (grey) or 3 (RGB)"),
    }
    # Transforms that keep every label true: a flip keeps a bar's orientation.
    augmentations: ClassVar[tuple[str, ...]] = ("hflip", "vflip")

    def check_options(self) -> None:
        """Rules between options: the bar must fit in the image."""
        h, w = self.config["size"]
        if self.config["thickness"] >= min(h, w):
            raise self.invalid(
                f"thickness={self.config['thickness']} must be smaller than the image side "
                f"{min(h, w)}; give a smaller thickness or a larger size"
            )

    @property
    def task(self) -> kerazoo.Task:
        """Two classes; labels are their indices (int64)."""
        return kerazoo.Task.classification(["horizontal", "vertical"])

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(height, width, channels), channels last: kerazoo lays pixels out for the model."""
        h, w = self.config["size"]
        return (h, w, self.config["channels"])

    def make(self, n: int, rng: np.random.Generator) -> kerazoo.Samples:
        """``n`` images, labels and masks, using ``rng`` only (same seed, same bits)."""
        h, w, c = self.image_shape
        t = self.config["thickness"]
        labels = rng.integers(0, 2, size=n).astype(np.int64)
        rows = rng.integers(0, h - t + 1, size=n)
        cols = rng.integers(0, w - t + 1, size=n)
        yy, xx = np.mgrid[0:h, 0:w]
        horizontal = (yy[None] >= rows[:, None, None]) & (yy[None] < rows[:, None, None] + t)
        vertical = (xx[None] >= cols[:, None, None]) & (xx[None] < cols[:, None, None] + t)
        masks = np.where(labels[:, None, None] == 0, horizontal, vertical)
        noise = rng.uniform(0, 255 * self.config["noise"], size=(n, h, w, c))
        images = np.where(masks[..., None], 230.0, 20.0 + noise)
        return kerazoo.Samples(images.clip(0, 255).astype(np.uint8), labels, masks)
