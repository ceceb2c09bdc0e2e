"""The comparison's ``classes.png``: per variant (its first finished seed's model), the image
that maximises each class's logit, one column per class.

The ascent is :func:`kerazoo.interpret.maximize_classes` with the defaults of ``kerazoo look
maximize --classes`` (its parametrisation, learning rate, seed 0, one image per class), so a
tile is the image that command gives for the same model and steps. The columns are the
variants' classes in order of first appearance (a variant that changes the classes adds its
new ones, and has a blank tile under a class it lacks), at most :data:`CLASSES_SHOWN`.

Example:
    >>> draw_classes(Path("runs/cmp/classes.png"),
    ...              {"baseline": Path("runs/cmp/baseline/seed-0/model.keras")},
    ...              table)                                               # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kerazoo.experiments._compare_grid import draw_rows
from kerazoo.experiments._compare_table import Table
from kerazoo.interpret._maximize_pictures import STEPS

__all__ = ["CLASSES_SHOWN", "ClassTiles", "Tile", "class_tiles", "draw_classes"]

#: The most classes (columns) ``classes.png`` shows: the first ones.
CLASSES_SHOWN = 10


@dataclass(frozen=True)
class Tile:
    """One class image of one variant: ``uint8 [H, W, C]`` and its title (``p=0.97``: the
    variant's probability of the class on it; ``score=0.83`` for a linear head fit by MSE)."""

    image: np.ndarray
    title: str


@dataclass(frozen=True)
class ClassTiles:
    """What :func:`class_tiles` made.

    Attributes:
        shown: the classes shown (the columns), in order.
        total: how many classes the variants have together.
        params: the parametrisations the ascent used (``maco`` for a model whose dataset
            is known, as ``kerazoo look maximize --classes`` chooses).
        tiles: variant -> class -> its :class:`Tile`, or ``None`` (the variant lacks it);
            only the variants that classify.
    """

    shown: list[str]
    total: int
    tiles: dict[str, dict[str, Tile | None]]
    params: list[str]


def class_tiles(
    models: Mapping[str, Path], steps: int = STEPS, most: int = CLASSES_SHOWN
) -> ClassTiles:
    """The images that maximise each shown class's logit, per variant that classifies.

    Args:
        models: variant name -> model file.
        steps: gradient-ascent steps (``kerazoo look maximize``'s default: 200).
        most: the most classes shown (the first ones, in order of first appearance).

    Returns:
        A :class:`ClassTiles` (no variant classifies: ``shown`` and ``tiles`` empty).
    """
    from kerazoo.interpret import _probe as probe
    from kerazoo.interpret._maximize import class_param, maximize_classes
    from kerazoo.interpret._maximize_draw import class_confidence
    from kerazoo.saving._archive import read_info

    own: dict[str, list[str]] = {}
    for name, file in models.items():
        info = read_info(file)
        if info is not None and info.task.kind == "classification":
            own[name] = list(info.task.class_names)
    every = list(dict.fromkeys(c for names in own.values() for c in names))
    shown = every[:most]
    tiles: dict[str, dict[str, Tile | None]] = {}
    params: dict[str, None] = {}
    for name, names in own.items():
        index = [names.index(c) for c in shown if c in names]
        row: dict[str, Tile | None] = dict.fromkeys(shown)
        if index:
            model, info = probe.load(models[name])
            params[class_param(None, info)] = None
            images = maximize_classes(model, index, steps=steps)
            values, word = class_confidence(model, info, index, images)
            for c, image, value in zip(index, images, values, strict=True):
                row[names[c]] = Tile(image, f"{word}={value:.2f}")
        tiles[name] = row
    return ClassTiles(shown, len(every), tiles, list(params))


def draw_classes(
    path: Path,
    models: Mapping[str, Path],
    table: Table,
    steps: int = STEPS,
    most: int = CLASSES_SHOWN,
) -> Path | None:
    """One row per variant, one column per class: the image that maximises the class's
    logit for the variant's model (see :func:`class_tiles`).

    Args:
        path: the picture to write.
        models: variant name -> model file (its first finished seed's).
        table: the comparison (for the heading).
        steps: gradient-ascent steps.
        most: the most classes shown (the heading says when there are more).

    Returns:
        ``path``, or ``None`` when no model classifies (nothing drawn).
    """
    made = class_tiles(models, steps, most)
    if not made.tiles:
        return None
    rows = [[row[c].image if row[c] else None for c in made.shown] for row in made.tiles.values()]
    titles = [[row[c].title if row[c] else "" for c in made.shown] for row in made.tiles.values()]
    words = {t.split("=")[0] for row in titles for t in row if t}
    heading = (
        f"{table.architecture} on {table.dataset}: the image that maximises each class's "
        f"logit (each variant's first finished seed; {steps} steps of the "
        f"{' or '.join(made.params) or 'default'} ascent, as kerazoo look maximize --classes); "
        "tile: the variant's probability of the class"
    )
    if "score" in words:
        heading += " (score: the class's score, for a linear head trained with MSE)"
    if made.total > len(made.shown):
        heading += f"; the first {len(made.shown)} of {made.total} classes"
    if any(tile is None for row in rows for tile in row):
        heading += "; blank: the variant has no such class"
    return draw_rows(path, rows, titles, list(made.tiles), heading, columns=made.shown)
