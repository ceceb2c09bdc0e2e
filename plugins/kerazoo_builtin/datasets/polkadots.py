"""``polkadots``: a white and a grey dot on black, for autoencoders (reconstruction)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from kerazoo import DataError, Dataset, Param, Samples, Task
from kerazoo.data.augment import applicable
from kerazoo_builtin.datasets._draw import scatter_disks

#: Rounds of redrawing the images whose two dots touch, before giving up.
MAX_ROUNDS = 1000
#: Every transform keeps a reconstruction target true; rot90 needs a square size.
SAFE_TRANSFORMS = ("hflip", "vflip", "rot90", "shift")


class PolkaDots(Dataset):
    """Two filled circles per image, one white and one grey, on black; the target is the image.

    Radii are integers drawn uniformly from ``min_radius..max_radius``; both circles lie fully
    inside the image. With ``overlap=false`` (the default) at least one black pixel separates
    them; with ``overlap=true`` they may overlap and the white one is drawn on top. Masks
    mark both circles.

    Example:
        >>> import kerazoo
        >>> ds = kerazoo.get_dataset("polkadots", size="50x75", min_radius=4, max_radius=8)
        >>> ds.generate(4, seed=0).images.shape, ds.task.kind
        ((4, 50, 75, 1), 'reconstruction')
    """

    description = "one white and one grey circle on black, for autoencoders: reconstruction"
    options: ClassVar[dict[str, Param]] = {
        "size": Param("100x150", "size", help="image size: N or HxW (default H=100, W=150)"),
        "min_radius": Param(8, int, low=1, high=1000, help="smallest radius in pixels"),
        "max_radius": Param(16, int, low=1, high=1000, help="largest radius in pixels"),
        "white": Param(255, int, low=1, high=255, help="grey level of the white circle"),
        "gray": Param(128, int, low=1, high=255, help="grey level of the grey circle"),
        "overlap": Param(False, bool, help="let the two circles overlap (white on top)"),
        "channels": Param(1, int, choices=(1, 3), help="1 (grey) or 3 (RGB, grey replicated)"),
    }
    # for the default 100x150; an instance with a square size also allows rot90
    augmentations = ("hflip", "vflip", "shift")

    def check_options(self) -> None:
        """Check the radius range, that the circles fit, and that the two greys differ."""
        c = self.config
        h, w = c["size"]
        rlo, rhi = c["min_radius"], c["max_radius"]
        if rlo > rhi:
            raise self.invalid(
                f"min_radius={rlo} is above max_radius={rhi}; give min_radius <= max_radius."
            )
        if 2 * rhi + 1 > min(h, w):
            raise self.invalid(
                f"a circle of radius {rhi} is {2 * rhi + 1} px across and does not fit in a "
                f"{h}x{w} image. Lower max_radius to at most {(min(h, w) - 1) // 2} or raise "
                "size."
            )
        if not c["overlap"] and 2 * (2 * rlo + 1) + 1 > max(h, w):
            raise self.invalid(
                f"two separate circles of radius {rlo} need {2 * (2 * rlo + 1) + 1} px side "
                f"by side, more than the {h}x{w} image has. Lower min_radius, raise size, "
                "or set overlap=true."
            )
        if c["white"] == c["gray"]:
            raise self.invalid(
                f"white and gray are both {c['white']}: the two circles would look the same. "
                "Give them different grey levels."
            )
        self.augmentations = applicable(SAFE_TRANSFORMS, self.image_shape)

    @property
    def task(self) -> Task:
        """Reconstruction: the target is the input image."""
        return Task.reconstruction()

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """``(H, W, channels)``."""
        h, w = self.config["size"]
        return (h, w, self.config["channels"])

    def make(self, n: int, rng: np.random.Generator) -> Samples:
        """Draw ``n`` images (labels are None) with masks of both circles."""
        c = self.config
        h, w = c["size"]
        r = rng.integers(c["min_radius"], c["max_radius"] + 1, size=(n, 2))
        cy, cx = rng.integers(r, h - r), rng.integers(r, w - r)
        if not c["overlap"]:
            bad = _touching(cy, cx, r)
            for _ in range(MAX_ROUNDS):
                idx = np.flatnonzero(bad)
                if idx.size == 0:
                    break
                r[idx] = rng.integers(c["min_radius"], c["max_radius"] + 1, size=(idx.size, 2))
                cy[idx], cx[idx] = (
                    rng.integers(r[idx], h - r[idx]),
                    rng.integers(r[idx], w - r[idx]),
                )
                bad[idx] = _touching(cy[idx], cx[idx], r[idx])
            else:
                raise DataError(
                    f"Could not place two separate circles of radius {c['min_radius']}-"
                    f"{c['max_radius']} in a {h}x{w} image in {MAX_ROUNDS} tries. Lower "
                    "max_radius, raise size, or set overlap=true."
                )
        index = np.arange(n)
        white = scatter_disks(n, h, w, index, cy[:, 0], cx[:, 0], r[:, 0])
        grey = scatter_disks(n, h, w, index, cy[:, 1], cx[:, 1], r[:, 1])
        images = np.where(white, np.uint8(c["white"]), grey * np.uint8(c["gray"]))
        images = np.repeat(images[..., None], c["channels"], axis=3)
        return Samples(images, None, white | grey)


def _touching(cy: np.ndarray, cx: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Whether the two disks of each row are closer than one clear pixel (see circles)."""
    dy, dx = cy[:, 0] - cy[:, 1], cx[:, 0] - cx[:, 1]
    need = 2 * (r[:, 0] + r[:, 1]) + 3
    return 4 * (dy * dy + dx * dx) <= need * need
