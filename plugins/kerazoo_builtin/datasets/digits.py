"""``digits``: scikit-learn's 1,797 handwritten digits (8x8), upsampled; no download."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from kerazoo import Dataset, Param, Samples, Task
from kerazoo.data.decode import resize

#: The digits in the set (scikit-learn's copy of the UCI "optdigits" test images).
TOTAL = 1797
#: Their grey levels run from 0 (paper) to this (ink).
INK = 16


class Digits(Dataset):
    """Real handwritten digits: the 1,797 8x8 images bundled with scikit-learn.

    A real dataset that needs no network: ``sklearn.datasets.load_digits`` reads them from
    scikit-learn's own files. Each 8x8 image (levels 0-16, white ink on black) is scaled to
    0-255 and upsampled to ``size`` with Pillow's bilinear filter. ``generate(n, seed)``
    returns up to ``n`` of them, drawn without replacement by a seeded permutation, so a
    split never repeats a digit. The mask of a digit is its ink: the pixels at or above
    ``mask_level``. Only ``shift`` keeps labels true (a flipped 2 is not a digit, a turned 6
    is a 9).

    Example:
        >>> import kerazoo
        >>> ds = kerazoo.get_dataset("digits", size=16)
        >>> data = ds.generate(4, seed=0)
        >>> data.images.shape, ds.task.class_names[:3], ds.max_samples
        ((4, 16, 16, 1), ('0', '1', '2'), 1797)
    """

    description = "scikit-learn's 1,797 real handwritten digits (8x8, upsampled), offline"
    options: ClassVar[dict[str, Param]] = {
        "size": Param(32, "size", help="image size the 8x8 digits are upsampled to: N or HxW"),
        "mask_level": Param(
            128, int, low=1, high=255, help="grey level from which a pixel is ink (the mask)"
        ),
    }
    augmentations = ("shift",)
    # 1,797 images: 5 epochs of 1,258 leave LeNet at 0.944 test accuracy, 10 reach 0.96-0.97
    suggested_settings: ClassVar[dict[str, Any]] = {"epochs": 10}

    def check_options(self) -> None:
        """Refuse a size below the digits' own 8x8."""
        h, w = self.config["size"]
        if h < 8 or w < 8:
            raise self.invalid(
                f"size={h}x{w} is smaller than the digits' own 8x8; give size=8 or more "
                "(the default is 32)."
            )

    @property
    def task(self) -> Task:
        """Classification over the ten digits, named "0" to "9"."""
        return Task.classification([str(d) for d in range(10)])

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """``(H, W, 1)``: grey."""
        h, w = self.config["size"]
        return (h, w, 1)

    @property
    def max_samples(self) -> int:
        """All 1,797 digits."""
        return TOTAL

    def make(self, n: int, rng: np.random.Generator) -> Samples:
        """Up to ``n`` digits in a seeded order, upsampled, with their ink as mask."""
        from sklearn.datasets import load_digits

        bunch = load_digits()
        chosen = rng.permutation(len(bunch.target))[:n]
        levels = np.rint(bunch.images[chosen] * (255 / INK)).astype(np.uint8)
        images = _upsample(levels, *self.config["size"])
        masks = images >= self.config["mask_level"]
        return Samples(images[..., None], bunch.target[chosen].astype(np.int64), masks)


def _upsample(levels: np.ndarray, h: int, w: int) -> np.ndarray:
    """``uint8 [N, 8, 8]`` to ``[N, h, w]`` with Pillow's bilinear filter, as the Predictor
    resizes."""
    out = np.zeros((len(levels), h, w), np.uint8)
    for i, a in enumerate(levels):
        out[i] = resize(a[..., None], width=w, height=h)[..., 0]
    return out
