"""Deletion and insertion (Petsiuk et al. 2018, RISE): does the model's confidence follow
the map?

Pixels are taken in the map's order, strongest first, in ``steps`` equal parts.
**Deletion** replaces them, part after part, by a blurred copy of the image and follows the
probability of the explained class as the image loses what the map called important: a
faithful map makes it fall fast, so the area under the curve (fraction removed 0 -> 1) is
small. **Insertion** starts from the blurred copy and puts the original pixels back in the
same order: a faithful map makes it rise fast, a large area. The same curves for a random
order of the pixels are the baseline a map must beat: deletion below it, insertion above.

Blurring rather than blacking out (RISE blurs for insertion and uses black for deletion;
towards a blur for both, here) keeps the perturbed images closer to what the model has seen:
black patches on a black background remove nothing, and sharp new edges are evidence of
their own. The blur is Gaussian with a standard deviation of an eighth of the shorter side.

All ``steps + 1`` perturbed copies of an image go through the model in large batches, for
every map at once. The probability is the model's own: softmax of the logits (sigmoid of the
signed logit for a one-logit model); a head trained by MSE (``output="scores"``) and a
regression model are followed by the explained score itself.

Example:
    >>> curves = deletion_insertion(setup, {"gradcam": maps}, seed=0)  # doctest: +SKIP
    >>> curves["gradcam"].deletion < curves["random"].deletion         # doctest: +SKIP
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from kerazoo.interpret import _probe as probe

__all__ = ["STEPS", "Curves", "deletion_insertion"]

#: Parts the pixels are removed or revealed in (the curves have ``STEPS + 1`` points).
STEPS = 16


@dataclass(frozen=True)
class Curves:
    """One order's deletion and insertion curves, averaged over the images, and their areas.

    Attributes:
        deletion, insertion: mean areas under the curves (fraction of pixels 0 -> 1).
        deletion_curve, insertion_curve: the mean probability at each step.
    """

    deletion: float
    insertion: float
    deletion_curve: np.ndarray
    insertion_curve: np.ndarray


def deletion_insertion(
    setup: Any, maps: Mapping[str, np.ndarray], steps: int = STEPS, seed: int = 0
) -> dict[str, Curves]:
    """Deletion and insertion curves of each map's pixel order, and of a random order.

    Args:
        setup: the prepared images and what to explain (``_attribution.prepare``).
        maps: per method, ``[N, H, W]`` maps of ``setup``'s images.
        steps: parts the pixels are taken in.
        seed: the random order's seed, and of the tie-breaking within a map.

    Returns:
        Per method, and ``"random"`` for the random order, its :class:`Curves`.
    """
    rng = np.random.default_rng(seed)
    x = probe.array_channels_last(setup.x, setup.info.input.data_format)
    n, h, w = x.shape[:3]
    sigma = min(h, w) / 8
    from scipy.ndimage import gaussian_filter

    blurred = gaussian_filter(x, sigma=(0, sigma, sigma, 0), mode="nearest").astype(np.float32)
    jitter = rng.random((n, h, w))  # breaks ties in a map (flat areas) at random
    orders = {name: np.asarray(m, np.float64) for name, m in maps.items()}
    orders["random"] = rng.random((n, h, w))
    return {
        name: _curves(setup, x, blurred, _ranks(order, jitter), steps)
        for name, order in orders.items()
    }


def _ranks(order: np.ndarray, jitter: np.ndarray) -> np.ndarray:
    """Per image and pixel: its place in the order, strongest first (ties: the jitter)."""
    n = len(order)
    flat, tie = order.reshape(n, -1), jitter.reshape(n, -1)
    by = np.lexsort((tie, -flat), axis=-1)  # last key first: the map, then the jitter
    ranks = np.empty_like(by)
    np.put_along_axis(ranks, by, np.arange(flat.shape[1])[None].repeat(n, 0), axis=-1)
    return ranks.reshape(order.shape)


def _curves(
    setup: Any, x: np.ndarray, blurred: np.ndarray, ranks: np.ndarray, steps: int
) -> Curves:
    n, h, w = x.shape[:3]
    counts = np.round(np.linspace(0, h * w, steps + 1)).astype(np.int64)
    per = max(1, 4 * setup.batch_size // (2 * (steps + 1)))  # images per forward pass
    deletion, insertion = [], []
    for s in range(0, n, per):
        part = slice(s, s + per)
        taken = ranks[part, None] < counts[None, :, None, None]  # [n', steps+1, H, W]
        taken = taken[..., None]
        original, blur = x[part, None], blurred[part, None]
        both = np.concatenate(
            [np.where(taken, blur, original), np.where(taken, original, blur)], axis=1
        )  # [n', 2 (steps+1), H, W, C]: the deletion copies, then the insertion copies
        k = len(both)
        flat = both.reshape(-1, *x.shape[1:])
        if setup.info.input.data_format == "channels_first":
            flat = flat.transpose(0, 3, 1, 2)
        index = np.repeat(setup.index[part], 2 * (steps + 1))
        sign = np.repeat(setup.sign[part], 2 * (steps + 1))
        p = _probability(setup, flat, index, sign).reshape(k, 2, steps + 1)
        deletion.append(p[:, 0])
        insertion.append(p[:, 1])
    d, i = np.concatenate(deletion), np.concatenate(insertion)
    # the trapezoid rule over the fractions 0, 1/steps, ..., 1 (np.trapezoid is numpy >= 2)
    area = lambda c: float(((c[:, :-1] + c[:, 1:]) / (2 * steps)).sum(axis=1).mean())  # noqa: E731
    return Curves(area(d), area(i), d.mean(axis=0), i.mean(axis=0))


def _probability(setup: Any, x: np.ndarray, index: np.ndarray, sign: np.ndarray) -> np.ndarray:
    """The explained class's probability (or score, or value) for float images ``x``."""
    out = np.concatenate(
        [
            setup.forward(x[s : s + 4 * setup.batch_size])
            for s in range(0, len(x), 4 * setup.batch_size)
        ]
    ).astype(np.float64)
    units = out.shape[1]
    rows = np.arange(len(out))
    if setup.info.task.kind != "classification" or setup.info.output == "scores":
        return out[rows, index] * sign
    if units == 1:
        return 1 / (1 + np.exp(-out[:, 0] * sign))
    out = np.exp(out - out.max(axis=1, keepdims=True))
    return out[rows, index] / out.sum(axis=1)
