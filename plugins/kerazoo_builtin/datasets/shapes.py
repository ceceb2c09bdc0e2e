"""``shapes``: one geometric shape per image (circle, square, triangle, ...): classification."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from kerazoo import Dataset, Param, Samples, Task
from kerazoo.data.augment import applicable
from kerazoo_builtin.datasets._draw import (
    add_noise,
    chunks,
    disk_masks,
    polygon_masks,
    random_rotations,
)

_R3 = float(np.sqrt(3.0)) / 2  # sin 60
_H = float(np.sqrt(0.5))  # sin 45
_S5 = float(np.sqrt(5.0))
_C72, _S72 = (_S5 - 1) / 4, float(np.sqrt(10 + 2 * _S5)) / 4
_C36, _S36 = (_S5 + 1) / 4, float(np.sqrt(10 - 2 * _S5)) / 4
_STAR_INNER = (3 - _S5) / 2  # inner radius of a regular pentagram


def _convex(*points: tuple[float, float]) -> np.ndarray:
    """A convex polygon as ``(K, 2)`` ``(x, y)`` vertices, ordered so inside is cross >= 0."""
    v = np.array(points, dtype=np.float64)
    c = v.mean(axis=0)
    e, p = v[1] - v[0], c - v[0]
    return v if e[0] * p[1] - e[1] * p[0] >= 0 else v[::-1].copy()


def _star() -> tuple[np.ndarray, ...]:
    outer = [(0.0, -1.0), (_S72, -_C72), (_S36, _C36), (-_S36, _C36), (-_S72, -_C72)]
    inner = [(_S36, -_C36), (_S72, _C72), (0.0, 1.0), (-_S72, _C72), (-_S36, -_C36)]
    inner = [(x * _STAR_INNER, y * _STAR_INNER) for x, y in inner]
    # five convex kites: centre, inner vertex before the point, the point, inner vertex after
    return tuple(_convex((0.0, 0.0), inner[k - 1], outer[k], inner[k]) for k in range(5))


#: Shape kinds: a union of convex polygons with vertices on or inside the unit circle
#: (x right, y down; the canonical orientation points up), or None for the circle itself.
#: Values are closed forms with square roots only, exact on every machine.
KINDS: dict[str, tuple[np.ndarray, ...] | None] = {
    "circle": None,
    "square": (_convex((-_H, -_H), (_H, -_H), (_H, _H), (-_H, _H)),),
    "triangle": (_convex((0.0, -1.0), (_R3, 0.5), (-_R3, 0.5)),),
    "pentagon": (_convex((0.0, -1.0), (_S72, -_C72), (_S36, _C36), (-_S36, _C36), (-_S72, -_C72)),),
    "hexagon": (
        _convex((0.0, -1.0), (_R3, -0.5), (_R3, 0.5), (0.0, 1.0), (-_R3, 0.5), (-_R3, -0.5)),
    ),
    "star": _star(),
    "cross": (
        _convex((-0.3, -0.95), (0.3, -0.95), (0.3, 0.95), (-0.3, 0.95)),
        _convex((-0.95, -0.3), (0.95, -0.3), (0.95, 0.3), (-0.95, 0.3)),
    ),
}

#: The smallest outer diameter, in pixels, at which the kinds still look different.
MIN_DIAMETER_PX = 5


class Shapes(Dataset):
    """One filled shape per image on a plain background; the label is its kind.

    The shape's size is its outer diameter (the circle through its corners) as a fraction of
    the image's shorter side, drawn uniformly in ``[min_scale, max_scale]``; it is placed
    fully inside the image, rotated at random unless ``rotate=false``. Masks mark the shape.

    Example:
        >>> import kerazoo
        >>> ds = kerazoo.get_dataset("shapes", size=32, classes="circle,square,star")
        >>> data = ds.generate(8, seed=0)
        >>> data.images.shape, ds.task.class_names
        ((8, 32, 32, 1), ('circle', 'square', 'star'))
    """

    description = "circle / square / triangle (or more kinds), one per image: classification"
    options: ClassVar[dict[str, Param]] = {
        "size": Param(64, "size", help="image size: N or HxW"),
        "classes": Param(
            "circle,square,triangle",
            str,
            help="comma-separated shape kinds, from: " + ", ".join(KINDS),
        ),
        "min_scale": Param(
            0.4, float, low=0.05, high=1.0, help="smallest shape diameter / shorter side"
        ),
        "max_scale": Param(
            0.8, float, low=0.05, high=1.0, help="largest shape diameter / shorter side"
        ),
        "position": Param(
            1.0, float, low=0.0, high=1.0, help="0 = always centred, 1 = anywhere it fits"
        ),
        "rotate": Param(True, bool, help="rotate each shape by a random angle"),
        "foreground": Param(255, int, low=0, high=255, help="grey level of the shape"),
        "background": Param(0, int, low=0, high=255, help="grey level of the background"),
        "noise": Param(0.0, float, low=0.0, high=0.5, help="uniform pixel noise, fraction of 255"),
        "channels": Param(1, int, choices=(1, 3), help="1 (grey) or 3 (RGB, grey replicated)"),
    }
    augmentations = ("hflip", "vflip", "rot90", "shift")

    def check_options(self) -> None:
        """Check the class list, the scale range and the contrast."""
        c = self.config
        kinds = [k.strip() for k in c["classes"].split(",") if k.strip()]
        unknown = [k for k in kinds if k not in KINDS]
        if unknown:
            raise self.invalid(
                f"unknown shape kind {unknown[0]!r} in classes={c['classes']!r}. "
                f"Valid kinds: {', '.join(KINDS)}."
            )
        if len(set(kinds)) != len(kinds) or len(kinds) < 2:
            raise self.invalid(
                f"classes={c['classes']!r} must name at least 2 different kinds, e.g. "
                "classes=circle,square,triangle."
            )
        self.kinds = tuple(kinds)
        if c["min_scale"] > c["max_scale"]:
            raise self.invalid(
                f"min_scale={c['min_scale']} is above max_scale={c['max_scale']}; "
                "give min_scale <= max_scale."
            )
        h, w = c["size"]
        smallest = c["min_scale"] * min(h, w)
        if smallest < MIN_DIAMETER_PX:
            raise self.invalid(
                f"at size {h}x{w}, min_scale={c['min_scale']} makes shapes {smallest:.1f} px "
                f"across; they need at least {MIN_DIAMETER_PX} px. Raise min_scale or size."
            )
        if c["foreground"] == c["background"]:
            raise self.invalid(
                f"foreground and background are both {c['foreground']}: the shapes would be "
                "invisible. Give them different grey levels."
            )
        self.augmentations = applicable(type(self).augmentations, self.image_shape)

    @property
    def task(self) -> Task:
        """Classification over the chosen kinds, in the order given by ``classes``."""
        return Task.classification(self.kinds)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """``(H, W, channels)``."""
        h, w = self.config["size"]
        return (h, w, self.config["channels"])

    def make(self, n: int, rng: np.random.Generator) -> Samples:
        """Draw ``n`` labelled shapes with their masks (see the class docstring)."""
        c = self.config
        h, w = c["size"]
        labels = rng.integers(0, len(self.kinds), size=n)
        side = min(h, w)
        radius = rng.uniform(c["min_scale"], c["max_scale"], size=n) * (side / 2)
        # centre range keeps the whole outer circle inside [-0.5, side - 0.5]
        uy, ux = rng.uniform(-1.0, 1.0, size=(2, n))
        cy = (h - 1) / 2 + c["position"] * uy * (h / 2 - radius)
        cx = (w - 1) / 2 + c["position"] * ux * (w / 2 - radius)
        if c["rotate"]:
            cos, sin = random_rotations(rng, n)
        else:
            cos, sin = np.ones(n), np.zeros(n)
        masks = np.zeros((n, h, w), dtype=bool)
        for part in chunks(n):
            for k, kind in enumerate(self.kinds):
                idx = np.flatnonzero(labels[part] == k) + part.start
                if idx.size == 0:
                    continue
                pieces = KINDS[kind]
                if pieces is None:
                    masks[idx] = disk_masks(h, w, cy[idx], cx[idx], radius[idx])
                else:
                    masks[idx] = polygon_masks(
                        pieces, h, w, cy[idx], cx[idx], radius[idx], cos[idx], sin[idx]
                    )
        grey = np.where(masks, np.uint8(c["foreground"]), np.uint8(c["background"]))
        images = np.repeat(grey[..., None], c["channels"], axis=3)
        images = add_noise(images, rng, c["noise"])
        return Samples(images, labels.astype(np.int64), masks)
