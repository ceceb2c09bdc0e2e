"""``circles``: count the filled circles in an image (as classes or as a number)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from kerazoo import DataError, Dataset, Param, Samples, Task
from kerazoo.data.augment import applicable
from kerazoo_builtin.datasets._draw import add_noise, blend, render_disks, scatter_disks
from kerazoo_builtin.datasets._placement import (
    PlacementError,
    place_separate_disks,
    placement_successes,
)

#: Separate placement is checked when the dataset is made: TRIAL_IMAGES images with the
#: largest count, one attempt each; at least TRIAL_SUCCESS of them must succeed, else the
#: options are refused (at generation an image may start again up to RESTARTS times).
TRIAL_IMAGES, TRIAL_SUCCESS, RESTARTS = 32, 24, 30


class Circles(Dataset):
    """Filled circles on a dark background; the label is how many there are.

    The count is drawn uniformly from ``min_count..max_count`` and the radii uniformly from
    ``min_radius..max_radius`` (integers, in pixels; a disk is every pixel within the radius
    of its centre). With ``overlap=false`` circles keep at least one background pixel between
    them, so the count equals the number of separate blobs that
    ``skimage.measure.label(image > 0)`` finds; with ``overlap=true`` they may cover each
    other and the label is the number drawn. ``target=class`` makes one class per count
    ("1".."5"), ``target=count`` a regression on the number itself. Masks mark the circles.

    Example:
        >>> import kerazoo
        >>> ds = kerazoo.get_dataset("circles", min_count=45, max_count=50, max_radius=2,
        ...                          min_radius=1, target="count")
        >>> ds.task.value_range
        (45.0, 50.0)
    """

    description = "filled circles to count (classes or regression), with or without overlap"
    options: ClassVar[dict[str, Param]] = {
        "size": Param(64, "size", help="image size: N or HxW"),
        "min_count": Param(1, int, low=0, high=10_000, help="fewest circles in an image"),
        "max_count": Param(5, int, low=0, high=10_000, help="most circles in an image"),
        "min_radius": Param(2, int, low=0, high=1000, help="smallest radius in pixels"),
        "max_radius": Param(5, int, low=0, high=1000, help="largest radius in pixels"),
        "overlap": Param(
            False, bool, help="let circles overlap (false: separate blobs, 1 px apart)"
        ),
        "target": Param(
            "class",
            str,
            choices=("class", "count"),
            help="class: one class per count; count: regression on the number",
        ),
        "foreground": Param(255, int, low=0, high=255, help="grey level of the circles"),
        "noise": Param(0.0, float, low=0.0, high=0.5, help="uniform pixel noise, fraction of 255"),
        "background": Param(0, int, low=0, high=255, help="grey level of the background"),
        "color": Param(
            "grey",
            str,
            help="circle colour: grey (the foreground level), R,G,B (e.g. 255,0,0; needs "
            "channels=3), or random (each circle its own, far from the background)",
        ),
        "channels": Param(1, int, choices=(1, 3), help="1 (grey) or 3 (RGB) channels"),
        "antialias": Param(
            False, bool, help="anti-aliased edges: grey levels by how much a pixel is covered"
        ),
    }
    # no "shift": it could push a small circle out of the frame and change the count
    augmentations = ("hflip", "vflip", "rot90")

    def check_options(self) -> None:
        """Check the count and radius ranges, and that separate circles can fit."""
        c = self.config
        lo, hi = c["min_count"], c["max_count"]
        if lo > hi:
            raise self.invalid(
                f"min_count={lo} is above max_count={hi}; give min_count <= max_count."
            )
        if lo == hi:
            raise self.invalid(
                f"min_count and max_count are both {lo}: there would be nothing to learn. "
                f"Give a range, e.g. min_count={lo} max_count={lo + 4}."
            )
        rlo, rhi = c["min_radius"], c["max_radius"]
        if rlo > rhi:
            raise self.invalid(
                f"min_radius={rlo} is above max_radius={rhi}; give min_radius <= max_radius."
            )
        h, w = c["size"]
        if 2 * rhi + 1 > min(h, w):
            raise self.invalid(
                f"a circle of radius {rhi} is {2 * rhi + 1} px across and does not fit in a "
                f"{h}x{w} image. Lower max_radius to at most {(min(h, w) - 1) // 2} or "
                "raise size."
            )
        if not c["overlap"]:
            self._check_fit()
        self._check_colors()
        self.augmentations = applicable(type(self).augmentations, self.image_shape)

    def _check_colors(self) -> None:
        """Parse ``color`` into ``self._color`` (None: random) and refuse invisible circles."""
        c = self.config
        color, bg = c["color"].strip().lower(), c["background"]
        if color == "random":
            self._color = None
            return
        if color in ("grey", "gray"):
            self._color = (c["foreground"],) * c["channels"]
        else:
            parts = color.split(",")
            if len(parts) != 3 or not all(p.strip().isdigit() and int(p) <= 255 for p in parts):
                raise self.invalid(
                    f"color={c['color']!r} is not grey, random or R,G,B with three levels "
                    "0-255 (e.g. color=255,0,0)."
                )
            if c["channels"] != 3:
                raise self.invalid(
                    f"color={c['color']} is a colour, but channels={c['channels']}: give "
                    "channels=3, or color=grey with foreground=LEVEL for grey circles."
                )
            self._color = tuple(int(p) for p in parts)
        if all(v == bg for v in self._color):
            what = "foreground" if color in ("grey", "gray") else "color"
            raise self.invalid(
                f"{what} and background are both {bg}: the circles would be invisible. "
                "Give them different levels, e.g. foreground=0 background=255 for dark "
                "circles on a light background."
            )

    def _check_fit(self) -> None:
        """Refuse counts that random placement of separate circles rarely reaches."""
        c = self.config
        h, w = c["size"]
        hi, rlo, rhi = c["max_count"], c["min_radius"], c["max_radius"]
        if hi * np.pi * (rlo + 0.75) ** 2 > 0.9069 * (h + 0.5) * (w + 0.5):
            raise self.invalid(
                f"{hi} separate circles of radius {rlo} or more cannot fit in a {h}x{w} "
                "image even packed perfectly. Lower max_count or min_radius, raise size, or "
                "set overlap=true."
            )
        ok = placement_successes(hi, TRIAL_IMAGES, h, w, rlo, rhi)
        if ok < TRIAL_SUCCESS:
            raise self.invalid(
                f"{hi} separate circles of radius {rlo}-{rhi} rarely fit in a {h}x{w} image: "
                f"random placement succeeded in {ok} of {TRIAL_IMAGES} trials. Lower "
                "max_count or max_radius, raise size, or set overlap=true."
            )

    @property
    def task(self) -> Task:
        """Classes ``"min_count".."max_count"``, or a regression over that range."""
        lo, hi = self.config["min_count"], self.config["max_count"]
        if self.config["target"] == "count":
            return Task.regression(lo, hi, integer=True)
        return Task.classification([str(k) for k in range(lo, hi + 1)])

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """``(H, W, channels)``."""
        h, w = self.config["size"]
        return (h, w, self.config["channels"])

    def make(self, n: int, rng: np.random.Generator) -> Samples:
        """Draw ``n`` images with their counts and masks (see the class docstring)."""
        c = self.config
        h, w = c["size"]
        counts = rng.integers(c["min_count"], c["max_count"] + 1, size=n)
        if c["overlap"]:
            img = np.repeat(np.arange(n), counts)
            r = rng.integers(c["min_radius"], c["max_radius"] + 1, size=img.size)
            cy = rng.integers(r, h - r)
            cx = rng.integers(r, w - r)
        else:
            img, cy, cx, r = self._place_separate(rng, counts)
        if self._plain():  # the original drawing: its bits stay as they were
            masks = scatter_disks(n, h, w, img, cy, cx, r)
            images = (masks * np.uint8(c["foreground"]))[..., None]
        else:
            images, masks = self._render(rng, n, (img, cy, cx, r))
        images = add_noise(images, rng, c["noise"])
        if c["target"] == "count":
            labels = counts.astype(np.float32)
        else:
            labels = (counts - c["min_count"]).astype(np.int64)
        return Samples(images, labels, masks)

    def _plain(self) -> bool:
        c = self.config
        return (
            c["background"] == 0
            and c["channels"] == 1
            and not c["antialias"]
            and (self._color is not None)
        )

    def _render(
        self, rng: np.random.Generator, n: int, disks: tuple[np.ndarray, ...]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Images and masks with the colour and anti-aliasing options.

        A pixel belongs to the mask when at least half of it is covered, so with
        ``antialias`` the masks are the disks drawn without it, up to pixels cut nearly in
        half by the edge.
        """
        c = self.config
        h, w = c["size"]
        k = c["channels"]
        coverage, owner, full = render_disks(n, h, w, disks, c["antialias"])
        if self._color is None:
            colors = self._random_colors(rng, disks[0].size, k)
            fg = colors[owner]
        else:
            fg = np.broadcast_to(np.array(self._color, dtype=np.int64), (n, h, w, k))
        images = blend(coverage, full, fg, np.full(k, c["background"]))
        return images, 2 * coverage >= full

    def _random_colors(self, rng: np.random.Generator, m: int, k: int) -> np.ndarray:
        """``(m, k)`` colours: uniform, then one random channel moved >= 128 from the
        background, so every circle stands out in at least one channel."""
        bg = self.config["background"]
        colors = rng.integers(0, 256, size=(max(m, 1), k))
        far = rng.integers(bg + 128, 256, size=m) if bg < 128 else rng.integers(0, bg - 127, size=m)
        colors[np.arange(m), rng.integers(0, k, size=m)] = far
        return colors

    def _place_separate(
        self, rng: np.random.Generator, counts: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        c = self.config
        restarts = RESTARTS
        h, w = c["size"]
        try:
            return place_separate_disks(
                rng, counts, h, w, c["min_radius"], c["max_radius"], restarts=restarts
            )
        except PlacementError:
            raise DataError(
                f"Could not place {int(counts.max())} separate circles of radius "
                f"{c['min_radius']}-{c['max_radius']} in a {h}x{w} image after {restarts + 1} "
                "attempts. Lower max_count or max_radius, raise size, or set overlap=true."
            ) from None
