"""``traffic_lights``: which lamp of a small traffic light is lit (red / yellow / green)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from kerazoo import Dataset, Param, Samples, Task
from kerazoo.data.augment import applicable
from kerazoo_builtin.datasets._draw import add_noise, disk_masks

#: Lamps from top to bottom, with their RGB colour at full brightness.
LAMPS: dict[str, tuple[int, int, int]] = {
    "red": (255, 40, 30),
    "yellow": (255, 190, 20),
    "green": (40, 230, 110),
}
#: Geometry as fractions: housing width of W, housing height of H, lamp radius of the
#: housing width (also capped by the lamp's share of the housing height).
HOUSING_W, HOUSING_H, LAMP_R = 0.82, 0.93, 0.40
#: Ranges drawn per image: lamp level when lit / unlit, housing grey, background levels.
LIT, UNLIT = (0.65, 1.0), (0.04, 0.35)
HOUSING_GREY = (8.0, 60.0)
BACKGROUND = (0.0, 210.0)
#: Smallest image in which the three lamps can still be drawn.
MIN_H, MIN_W = 9, 5


class TrafficLights(Dataset):
    """A traffic light with one lamp lit; the label is the lit colour.

    A dark housing with three lamps (red on top, yellow, green at the bottom) sits at a
    slightly random position (``jitter``) on a random background (a vertical gradient between
    two random colours, or black). The lit lamp is bright, the others dim; each image has its
    own overall brightness (from ``min_brightness`` to 1), lamp levels, housing grey, blur and
    noise, so that no single pixel separates the classes. ``classes=red,green`` makes a
    2-class problem (the yellow lamp is never lit). Masks mark the lit lamp. Only ``hflip``
    and ``shift`` keep labels true: a vertical flip swaps red and green.

    Example:
        >>> import kerazoo
        >>> ds = kerazoo.get_dataset("traffic_lights", classes="red,green")
        >>> ds.generate(4, seed=0).images.shape, ds.task.class_names
        ((4, 27, 11, 3), ('red', 'green'))
    """

    description = "small traffic light images: which lamp is lit (red / yellow / green)"
    options: ClassVar[dict[str, Param]] = {
        "size": Param("27x11", "size", help="image size: N or HxW (default 27 high, 11 wide)"),
        "classes": Param(
            "red,yellow,green",
            str,
            choices=("red,yellow,green", "red,green"),
            help="the lit colours to tell apart",
        ),
        "min_brightness": Param(
            0.3, float, low=0.05, high=1.0, help="darkest overall brightness (the top is 1)"
        ),
        "blur": Param(1, int, low=0, high=4, help="passes of a 3x3 binomial blur"),
        "noise": Param(0.03, float, low=0.0, high=0.5, help="uniform pixel noise, fraction of 255"),
        "background": Param(
            "random", str, choices=("random", "black"), help="random gradient or plain black"
        ),
        "jitter": Param(1, int, low=0, high=8, help="random shift of the housing in pixels"),
    }
    augmentations = ("hflip", "shift")

    def check_options(self) -> None:
        """Check that the image is large enough for three lamps."""
        h, w = self.config["size"]
        if h < MIN_H or w < MIN_W:
            raise self.invalid(
                f"a {h}x{w} image is too small for a traffic light; give at least "
                f"size={MIN_H}x{MIN_W} (the default is 27x11)."
            )
        self.augmentations = applicable(type(self).augmentations, self.image_shape)

    @property
    def task(self) -> Task:
        """Classification over the lit colours."""
        return Task.classification(self.config["classes"].split(","))

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """``(H, W, 3)``: always RGB, colour is the point."""
        h, w = self.config["size"]
        return (h, w, 3)

    def make(self, n: int, rng: np.random.Generator) -> Samples:
        """Draw ``n`` traffic lights with the lit lamp as mask."""
        c = self.config
        h, w = c["size"]
        names = self.task.class_names
        labels = rng.integers(0, len(names), size=n)
        lit = np.array([list(LAMPS).index(name) for name in names])[labels]

        # geometry: housing box and lamp centres, per image
        hw, hh = max(3, round(HOUSING_W * w)), max(6, round(HOUSING_H * h))
        j = c["jitter"]
        x0 = np.clip((w - hw) // 2 + rng.integers(-j, j + 1, size=n), 0, w - hw)
        y0 = np.clip((h - hh) // 2 + rng.integers(-j, j + 1, size=n), 0, h - hh)
        rows, cols = np.arange(h)[None, :], np.arange(w)[None, :]
        in_rows = (rows >= y0[:, None]) & (rows < (y0 + hh)[:, None])
        in_cols = (cols >= x0[:, None]) & (cols < (x0 + hw)[:, None])
        housing = in_rows[:, :, None] & in_cols[:, None, :]
        radius = np.full(n, min(LAMP_R * hw, 0.42 * hh / 3))
        lamp_x = x0 + (hw - 1) / 2

        # colours, per image
        if c["background"] == "random":
            top, bottom = rng.uniform(*BACKGROUND, size=(2, n, 1, 1, 3))
            t = (np.arange(h, dtype=np.float64) / max(h - 1, 1))[None, :, None, None]
            image = top * (1.0 - t) + bottom * t + np.zeros((1, 1, w, 1))
        else:
            image = np.zeros((n, h, w, 3))
        grey = rng.uniform(*HOUSING_GREY, size=n)
        level = rng.uniform(*UNLIT, size=(n, 3))
        level[np.arange(n), lit] = rng.uniform(*LIT, size=n)
        bright = rng.uniform(c["min_brightness"], 1.0, size=n)
        image = np.where(housing[..., None], (grey * bright)[:, None, None, None], image)
        masks = np.zeros((n, h, w), dtype=bool)
        for i, colour in enumerate(LAMPS.values()):
            lamp_y = y0 + hh * (2 * i + 1) / 6 - 0.5
            disk = disk_masks(h, w, lamp_y, lamp_x, radius)
            rgb = np.array(colour, dtype=np.float64)[None, :] * (level[:, i] * bright)[:, None]
            image = np.where(disk[..., None], rgb[:, None, None, :], image)
            masks |= disk & (lit == i)[:, None, None]

        pixels = np.rint(image).astype(np.int32)
        for _ in range(c["blur"]):
            pixels = _blur(pixels)
        images = add_noise(np.clip(pixels, 0, 255).astype(np.uint8), rng, c["noise"])
        return Samples(images, labels.astype(np.int64), masks)


def _blur(x: np.ndarray) -> np.ndarray:
    """One pass of a 3x3 binomial blur ([1 2 1]/4 along each axis), integer, edges repeated."""
    for axis in (1, 2):
        p = np.concatenate([x.take([0], axis), x, x.take([-1], axis)], axis=axis)
        a = p.take(np.arange(0, x.shape[axis]), axis)
        b = p.take(np.arange(1, x.shape[axis] + 1), axis)
        d = p.take(np.arange(2, x.shape[axis] + 2), axis)
        x = (a + 2 * b + d + 2) >> 2
    return x
