"""The images a look at a model uses: image files brought to the model's input, or fresh
samples of the model's own dataset (with their object masks).

Example:
    >>> images, masks, notes = look_images(info, count=4)              # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kerazoo._errors import InvalidOptionError, option

__all__ = ["look_images"]


def look_images(
    info: Any,
    files: Sequence[str | Path] | None = None,
    count: int = 1,
    seed: int = 1,
) -> tuple[np.ndarray, Any, list[str]]:
    """``(uint8 [N, H, W, C] images, masks or None, notes)`` from files or fresh samples.

    Files go through kerazoo's one image decoder and are brought to the model's size and
    channels, as :class:`kerazoo.Predictor` does; ``notes`` says what changed (once each).

    Args:
        info: the model's :class:`kerazoo.ModelInfo`.
        files: image files; default (``None`` or empty): ``count`` fresh samples.
        count: how many fresh samples of the model's dataset.
        seed: the fresh samples' seed (default 1: not the training images).

    Raises:
        InvalidOptionError: ``count`` below 1.
        IncompatibleError: the metadata names no dataset to draw samples from.
    """
    if files:
        from kerazoo.data.decode import conform, read_image

        batch, notes = [], []
        spec = info.input
        for name in files:
            pixels, _ = read_image(Path(name))
            batch.append(conform(pixels[None], spec.height, spec.width, spec.channels, notes)[0])
        return np.stack(batch), None, list(dict.fromkeys(notes))
    check_count(count)
    from kerazoo.interpret._probe import model_samples

    samples = model_samples(info, count, seed=seed)
    return samples.images, samples.masks, []


def check_count(count: int) -> None:
    """Refuse fewer than one fresh sample.

    Example:
        >>> check_count(1)
    """
    if count < 1:
        raise InvalidOptionError(f"{option('count')} must be at least 1, got {count}.")
