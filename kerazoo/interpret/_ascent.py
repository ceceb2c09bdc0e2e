"""Gradient ascent in a Fourier parametrisation (:mod:`kerazoo.interpret._param`: the whole
spectrum, ``fft``, or its phase alone, ``maco``), with random transformations every step
and, for several images per unit, a diversity term.

One compiled step per call of :func:`ascend_spectrum`: a ``tf.function`` on TensorFlow, a
``jax.jit`` of the model's stateless call on JAX, the weights passed in as arguments at every
step (so a model whose weights change is never run with stale ones). The optimiser is Adam
on the spectrum or the phases (as lucid and MACO), in numpy.

Objective of image ``i``: ``weights[i] . pooled(layer(x_i))`` (a filter's mean activation,
or a class's logit). With ``count`` images per unit and ``diversity > 0``, each image also
pays ``diversity * cos`` where ``cos`` is the mean cosine similarity between its Gram matrix
(of ``gram_layer``'s maps) and those of the other images of its unit (lucid's diversity
objective), weighed by the batch's mean objective so that the trade does not depend on the
layer's scale.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from kerazoo.interpret._param import Phase, Spectrum, Transforms, render, render_phase

__all__ = ["ascend_spectrum", "objective_scores", "pooled"]

_RESTARTS = 2  # restarts, from larger noise, of an image whose unit gets no gradient
_RESTART_SD = 0.5
_BETAS = (0.9, 0.999)


def ascend_spectrum(
    sub: Any,
    maps_first: tuple[bool, ...],
    spec: Any,
    weights: np.ndarray,
    ids: list[tuple[int, int]],
    *,
    steps: int,
    lr: float,
    seed: int,
    transforms: Transforms,
    count: int = 1,
    diversity: float = 0.0,
    offset: float = 0.0,
    margin: bool = False,
    phase: Phase | None = None,
) -> np.ndarray:
    """``uint8 [N, H, W, C]`` canonical images, one per row of ``weights`` (unit-major).

    Args:
        sub: a float-input model whose first output is the objective's layer and, with a
            diversity term, whose second is the layer of the Gram matrices.
        maps_first: per output, whether its maps are channels-first.
        spec: the model's :class:`~kerazoo.InputSpec`.
        weights: ``[N, F]``: image ``i`` maximises ``weights[i] . pooled(output)``.
        ids: ``(unit, k)`` per image: seeds its start.
        offset: see :func:`~kerazoo.interpret._param.render`.
        margin: classes: see :func:`objective_scores`.
        phase: ``maco``: the fixed magnitude; the phases are optimised (``offset`` is then
            the data's mean pixel value).
    """
    h, w, c = spec.height, spec.width, spec.channels
    if phase is None:  # fft: the whole spectrum
        spectrum, draw = Spectrum(h, w, c), render
    else:  # maco: the phases, under the data's magnitude and mean
        spectrum, draw, offset = phase, render_phase, phase.mean
    params = list(spectrum.init(ids, seed))
    step = _compiled_step(
        sub, maps_first, spec, transforms, (count, diversity, offset, margin), draw
    )
    scale = keras.ops.convert_to_tensor(spectrum.scale())
    wt = keras.ops.convert_to_tensor(weights)
    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
    tries = np.zeros(len(ids), int)
    for t in range(1, steps + 1):
        seeds = [(seed, *i, 2**31, t) for i in ids]
        tmats = transforms.draw(h, w, seeds) if transforms.active() else np.zeros(1)
        grads = step(tuple(params), scale, keras.ops.convert_to_tensor(tmats), wt)
        grads = [np.asarray(keras.ops.convert_to_numpy(g), np.float32) for g in grads]
        silent = sum(np.abs(g).reshape(len(ids), -1).sum(axis=1) for g in grads) == 0
        for i in np.flatnonzero(silent & (tries < _RESTARTS)):
            tries[i] += 1
            fresh = spectrum.init([(*ids[i], tries[i])], seed, sd=_RESTART_SD)
            for p, f in zip(params, fresh, strict=True):
                p[i] = f[0]
        for p, g, (m, v) in zip(params, grads, moments, strict=True):
            m[:] = _BETAS[0] * m + (1 - _BETAS[0]) * g
            v[:] = _BETAS[1] * v + (1 - _BETAS[1]) * g**2
            m_hat, v_hat = m / (1 - _BETAS[0] ** t), v / (1 - _BETAS[1] ** t)
            p += lr * m_hat / (np.sqrt(v_hat) + 1e-8)
    image = keras.ops.convert_to_numpy(draw(tuple(params), scale, offset))
    return np.round(np.asarray(image) * 255).astype(np.uint8)


def _compiled_step(sub, maps_first, spec, transforms, terms, draw=render):
    """``step(params, scale, transforms, weights) -> grads``, compiled for the backend."""
    channels_first = spec.data_format == "channels_first"
    count, diversity, offset, margin = terms

    def objective(call: Any, params: Any, scale: Any, tmats: Any, wt: Any) -> Any:
        ops = keras.ops
        x = draw(params, scale, offset)
        if transforms.active():
            x = transforms.apply(x, tmats)
        if channels_first:
            x = ops.transpose(x, (0, 3, 1, 2))
        outs = call(x)
        outs = list(outs) if isinstance(outs, list | tuple) else [outs]
        scores = objective_scores(pooled(outs[0], maps_first[0]), wt, margin)
        total = ops.sum(scores)
        if count > 1 and diversity > 0:
            cos = _gram_similarity(outs[-1], maps_first[1], count)  # outs[0] if the same
            size = ops.stop_gradient(ops.mean(ops.abs(scores)))
            total = total - diversity * size * count * ops.sum(cos)
        return total

    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        def pure(params, scale, tmats, wt, trainable, other):
            def call(x: Any) -> Any:
                return sub.stateless_call(trainable, other, x, training=False)[0]

            return objective(call, params, scale, tmats, wt)

        grad = jax.jit(jax.grad(pure))

        def step_jax(params, scale, tmats, wt):
            trainable = [v.value for v in sub.trainable_variables]
            other = [v.value for v in sub.non_trainable_variables]
            return grad(params, scale, tmats, wt, trainable, other)

        return step_jax
    import tensorflow as tf

    @tf.function(reduce_retracing=True)
    def step_tf(params, scale, tmats, wt):
        with tf.GradientTape() as tape:
            tape.watch(params)
            value = objective(lambda x: sub(x, training=False), params, scale, tmats, wt)
        return tape.gradient(value, params)

    return step_tf


def objective_scores(pooled: Any, wt: Any, margin: bool) -> Any:
    """``[N]``: each image's objective, ``weights[i] . pooled[i]``; with ``margin`` (a
    class of several logits, ``weights`` one-hot) its logit minus the log-sum-exp of the
    other logits: a logit alone can rise with all the others (the image then looks like
    every class at once), the margin only by beating them."""
    ops = keras.ops
    scores = ops.sum(pooled * wt, axis=1)
    if not margin:
        return scores
    return scores - ops.logsumexp(pooled - 1e9 * wt, axis=1)


def pooled(out: Any, channels_first: bool) -> Any:
    """``[N, F]``: a map's mean over its positions (a vector is kept as it is)."""
    out = out[0] if isinstance(out, list | tuple) else out
    if len(out.shape) == 4:
        return keras.ops.mean(out, axis=(2, 3) if channels_first else (1, 2))
    return out


def _gram_similarity(maps: Any, channels_first: bool, count: int) -> Any:
    """``[U]``: per unit, the mean cosine similarity between the Gram matrices of its
    ``count`` images (the batch is unit-major)."""
    ops = keras.ops
    if channels_first:
        maps = ops.transpose(maps, (0, 2, 3, 1))
    n, c = maps.shape[0], maps.shape[-1]
    flat = ops.reshape(maps, (n, -1, c))
    grams = ops.matmul(ops.transpose(flat, (0, 2, 1)), flat)  # [N, c, c]
    grams = ops.reshape(grams, (n // count, count, c * c))
    grams = grams / (ops.sqrt(ops.sum(grams**2, axis=-1, keepdims=True)) + 1e-10)
    sims = ops.matmul(grams, ops.transpose(grams, (0, 2, 1)))  # [U, K, K]
    off = ops.sum(sims, axis=(1, 2)) - ops.sum(ops.diagonal(sims, axis1=1, axis2=2), axis=1)
    return off / (count * (count - 1))
