"""How good maximisation images are, measured, and the images saved for other tools.

* Filters: the mean activation an image reaches divided by that of the best of a set of
  dataset images (the top image of :func:`~kerazoo.interpret.top_images`): at 1.0 or more,
  the picture excites its filter at least as much as anything the dataset shows it.
* Classes: **transfer** (as MACO, Fel et al. 2023, measures it): the share of the class
  images that a model classifies as the class they were made for, through the
  :class:`kerazoo.Predictor` on the uint8 images (what a user saves and shows). Judged by the
  model that made them it says whether the images survive uint8 rounding; judged by an
  independently trained model (another architecture, another seed), whether they show the
  class rather than a pattern only their own model answers to.

Example:
    >>> ratios = filter_ratios("runs/lenet", "conv2", images, samples)       # doctest: +SKIP
    >>> transfer(images, ["circle", "square"], "runs/vgg")                   # doctest: +SKIP
    1.0
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kerazoo._errors import InvalidOptionError, option
from kerazoo.interpret._maximize import mean_activations, top_images

__all__ = ["class_hits", "filter_ratios", "save_images", "share_at_least", "transfer"]


def filter_ratios(
    model: Any, layer: str, images: Any, filters: Sequence[int], samples: Any, count: int = 1
) -> np.ndarray:
    """``float [F]``: per filter, the best of its ``count`` images' mean activation divided
    by the best of ``samples`` (``uint8 [N, H, W, C]``); ``nan`` for a filter no sample
    excites (a dead filter: nothing to compare with).

    Example:
        >>> ratios = filter_ratios(model, "conv2", images, range(16), data)  # doctest: +SKIP
        >>> (ratios >= 1.0).mean()                                          # doctest: +SKIP
        1.0
    """
    _, best = top_images(model, layer, samples, k=1, filters=filters)
    acts = mean_activations(model, layer, images)
    rows = np.arange(len(filters) * count)
    reached = acts[rows, np.repeat(filters, count)].reshape(len(filters), count).max(axis=1)
    best = best[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(best > 0, reached / np.where(best > 0, best, 1.0), np.nan)


def share_at_least(ratios: np.ndarray, bar: float = 1.0) -> tuple[int, int]:
    """``(filters at or above bar, filters that fire on some sample)``."""
    alive = ~np.isnan(ratios)
    return int((ratios[alive] >= bar).sum()), int(alive.sum())


def class_hits(images: Any, intended: Sequence[str], judge: Any) -> np.ndarray:
    """``bool [N]``: whether ``judge`` (a model, a ``.keras`` file or a run folder)
    classifies each uint8 image, through the Predictor, as its ``intended`` class name.

    Raises:
        IncompatibleError: the judge does not classify, or lacks one of the classes.
    """
    from kerazoo.evaluation._class_images import class_hits as judged

    if isinstance(judge, str) or hasattr(judge, "__fspath__"):
        from kerazoo.saving._load import model_file

        judge = model_file(judge)[0]  # a run folder: its model file
    return judged(images, intended, judge)


def transfer(images: Any, intended: Sequence[str], judge: Any) -> float:
    """The share of ``images`` that ``judge`` classifies as their ``intended`` class.

    Args:
        images: ``uint8 [N, H, W, C]``, e.g. from :func:`maximize_classes`.
        intended: the class name each image was made for.
        judge: a classifier of those classes: a model, a ``.keras`` file or a run folder.

    Example:
        >>> transfer(images, ["circle", "square"], "runs/vgg")             # doctest: +SKIP
        1.0
    """
    return float(class_hits(images, intended, judge).mean())


def save_images(
    images: Any, folder: str | Path, groups: Sequence[Sequence[str]], count: int = 1
) -> list[Path]:
    """Each image as a lossless PNG at its own size: ``folder/<group...>/<k>.png``.

    Args:
        images: ``uint8 [U * count, H, W, C]``, unit-major; ``C`` 1 (grey), 3 (RGB) or 4.
        folder: where they go (made when missing).
        groups: per unit, the folder names under ``folder``: ``[class]`` or
            ``[layer, filter]``.
        count: images per unit: ``0.png`` to ``<count-1>.png``.

    Returns:
        The files written, in order.

    Raises:
        InvalidOptionError: images with a channel count PNG cannot hold.

    Example:
        >>> save_images(images, "out", [["circle"], ["square"]], count=2)  # doctest: +SKIP
    """
    from PIL import Image

    images = np.asarray(images)
    if images.shape[-1] not in (1, 3, 4) or images.dtype != np.uint8:
        raise InvalidOptionError(
            f"{option('save_images')} writes uint8 PNGs with 1, 3 or 4 channels; these "
            f"images have {images.shape[-1]} ({images.dtype}). Save them with numpy instead."
        )
    written = []
    for i, image in enumerate(images):
        path = Path(folder, *groups[i // count], f"{i % count}.png")
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image).save(path)
        written.append(path)
    return written
