"""Gradient ascent on the pixels themselves (``param="pixel"``): each image's gradient is
divided by its own root mean square (``lr`` in pixel units whatever the layer's scale), the
pixels clipped to ``[0, 1]`` after every step, and the :class:`Regularizers` of
:mod:`kerazoo.interpret._maximize` applied between steps. A ReLU filter silent on its whole
image gets no gradient; that image restarts from uniform noise (twice at most, then back
to grey: a filter nothing wakes is shown flat, with activation 0).
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from kerazoo._params import check_seed
from kerazoo.interpret import _probe as probe
from kerazoo.interpret._ascent import objective_scores, pooled as _pooled
from kerazoo.interpret._gradients import value_and_grad

__all__ = ["GREY", "ascend_pixels"]

GREY = 0.5
_RESTARTS = 2  # restarts from uniform noise of an image whose filter is silent


def ascend_pixels(sub, first, info, weights, ids, steps, lr, seed, reg, margin=False) -> np.ndarray:
    """Gradient ascent of ``sum_i weights[i] . pooled(sub(x_i))`` on the pixels themselves;
    uint8 canonical images."""
    spec = info.input
    seed = check_seed(seed)
    x = np.stack([_start(spec, seed, int(i)) for i in ids])
    tries = np.zeros(len(ids), int)
    axes = (2, 3) if spec.data_format == "channels_first" else (1, 2)
    rng = np.random.default_rng([seed, 2**31])  # the jitter: the same for every image
    w = keras.ops.convert_to_tensor(weights)

    def objective(t: Any) -> Any:
        return keras.ops.sum(objective_scores(_pooled(sub(t, training=False), first), w, margin))

    for step in range(steps):
        shift = tuple(int(s) for s in rng.integers(-reg.jitter, reg.jitter + 1, size=2))
        _, grad = value_and_grad(objective, np.roll(x, shift, axis=axes) if reg.jitter else x)
        grad = np.asarray(keras.ops.convert_to_numpy(grad), np.float32)
        grad = np.roll(grad, tuple(-s for s in shift), axis=axes) if reg.jitter else grad
        rms = np.sqrt(np.mean(grad**2, axis=(1, 2, 3), keepdims=True))
        for i in np.flatnonzero((rms.ravel() == 0) & (tries <= _RESTARTS)):
            tries[i] += 1  # silent filter: no gradient; restart, or give up on grey
            x[i] = _start(spec, seed, int(ids[i]), tries[i] if tries[i] <= _RESTARTS else 0)
        x = x + lr * grad / (rms + 1e-8)
        if reg.tv:
            x = x - reg.tv * lr * _tv_gradient(x, axes)
        if reg.l2:
            x = GREY + (1.0 - reg.l2) * (x - GREY)
        if reg.blur_every and reg.blur_sigma and (step + 1) % reg.blur_every == 0:
            x = _blur(x, axes, reg.blur_sigma)
        x = np.clip(x, 0.0, 1.0)
    pixels = np.round(x * 255).astype(np.uint8)
    return np.ascontiguousarray(probe.array_channels_last(pixels, spec.data_format))


def _start(spec: Any, seed: int, index: int, restart: int = 0) -> np.ndarray:
    """Mid-grey with faint noise, or uniform noise for a restart; seeded per (seed, filter,
    restart), so a filter starts the same alone or in a batch."""
    rng = np.random.default_rng([seed, index, restart])
    if restart:
        return rng.uniform(0, 1, spec.shape).astype(np.float32)
    return np.clip(GREY + 0.05 * rng.standard_normal(spec.shape), 0, 1).astype(np.float32)


def _tv_gradient(x: np.ndarray, axes: tuple[int, int]) -> np.ndarray:
    """The (sub)gradient of the anisotropic total variation, sum |x[i+1] - x[i]| per axis.

    By hand: it is added after the activation's gradient is scaled to pixel units (as a
    differentiated penalty it would be weighed against activations whose scale differs per
    layer), and neither keras.ops nor scikit-image offers it as a gradient.
    """
    grad = np.zeros_like(x)
    for axis in axes:
        s = np.sign(np.diff(x, axis=axis))
        n = x.shape[axis]
        grad[(slice(None),) * axis + (slice(0, n - 1),)] -= s
        grad[(slice(None),) * axis + (slice(1, n),)] += s
    return grad


def _blur(x: np.ndarray, axes: tuple[int, int], sigma: float) -> np.ndarray:
    from skimage.filters import gaussian

    sigmas = [sigma if a in axes else 0.0 for a in range(x.ndim)]
    return gaussian(x, sigma=sigmas, mode="reflect", preserve_range=True).astype(np.float32)
