"""Saliency: which pixels the score of a class comes from, four ways.

``gradients``: ``|d score / d pixel|``, largest over channels (Simonyan et al. 2014);
``smoothgrad``: mean gradient over noisy copies, then its magnitude (Smilkov et al. 2017);
``gradcam``: a 4-D layer's maps weighted by the spatial mean of the score's gradient, summed,
ReLU'd, resized bilinearly to the input (Selvaraju et al. 2017); ``occlusion``: the score's
drop when a patch takes the image's mean colour, mean over the patches on each pixel (Zeiler
& Fergus 2014).

The score is taken before any softmax (after one, evidence for a class is mixed with
evidence against the others). All is batched ``keras.ops``/numpy, for the TensorFlow and
JAX backends; the sub-models run compiled (:mod:`kerazoo.interpret._compiled`: a
``tf.function``, or ``jax.jit`` with the weights as arguments).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np

from kerazoo._errors import DataError, IncompatibleError, InvalidOptionError, option, unknown_choice
from kerazoo.interpret import _probe as probe
from kerazoo.interpret._compiled import compiled, pick
from kerazoo.interpret._methods import SALIENCY_METHODS

__all__ = ["SALIENCY_METHODS", "method_maps", "prepare", "saliency"]


@dataclass
class _Setup:
    """What every method needs: the float input, the score's sub-model (compiled), what to
    explain. Made once, it serves every method (and, its model's weights read at each call,
    a model whose weights change in between)."""

    model: Any
    info: Any
    x: np.ndarray  # float input in the model's layout: pixels / 255
    net: Any  # float input -> the score layer
    index: np.ndarray  # per image: the unit of the score layer to explain
    sign: np.ndarray  # per image: +1, or -1 for class 0 of a one-logit (binary) model
    batch_size: int
    forward: Callable[[np.ndarray], np.ndarray] = field(repr=False, default=None)  # type: ignore[assignment]
    gradient: Callable[..., np.ndarray] = field(repr=False, default=None)  # type: ignore[assignment]
    cams: dict[str, Any] = field(default_factory=dict, repr=False)  # Grad-CAM's, per layer
    # compiled programs that models of this structure share (JAX; see _compiled.compiled)
    shared: dict[Any, dict] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.forward is None:
            self.forward, self.gradient = compiled(self.net, self.shared.setdefault("net", {}))


def saliency(
    model: Any,
    images: Any,
    method: str = "gradients",
    target: Any = None,
    layer: str | None = None,
    seed: int = 0,
    samples: int = 16,
    noise: float = 0.15,
    patch: int | None = None,
    stride: int | None = None,
    batch_size: int = 128,
) -> np.ndarray:
    """Saliency maps: how much each pixel counts for the score of a class.

    Args:
        model: a model made by :func:`kerazoo.build`, a saved ``.keras`` file or a run folder.
        images: raw ``uint8 [N, H, W, C]`` images (the model's size and channels).
        method: one of :data:`SALIENCY_METHODS`.
        target: the class to explain: an index or class name, or one per image. Default:
            the predicted class. A one-logit (binary) model explains its logit for class 1
            and minus it for class 0; a regression model explains its value (no target).
        layer: Grad-CAM's layer: any layer with a 4-D output (default: the last conv).
        seed, samples, noise: SmoothGrad's seed, noisy copies per image, and noise standard
            deviation as a fraction of each image's range (Smilkov et al.: 0.1-0.2).
        patch, stride: occlusion's square side and step in pixels (default: an eighth of
            the shorter side, and half the patch).
        batch_size: images (or noisy copies) per gradient; occlusion's forward passes
            take four times as many occluded copies.

    Returns:
        Non-negative ``float32 [N, H, W]`` maps at the input's resolution, rows and columns
        as in ``images`` whatever the model's data_format.

    Raises:
        InvalidOptionError: an unknown method or target, a bad option value.
        IncompatibleError: Grad-CAM on a layer without a 4-D output or that the score does
            not follow from alone.
        DataError: images that are not the model's uint8 ``[N, H, W, C]``.

    Example:
        >>> saliency(model, images, "smoothgrad", samples=32).shape     # doctest: +SKIP
        (4, 32, 32)
    """
    if method not in SALIENCY_METHODS:
        raise unknown_choice("method", method, SALIENCY_METHODS)
    _check_positive(batch_size=batch_size, samples=samples)
    setup = prepare(model, images, target, batch_size)
    return method_maps(setup, method, layer, seed, samples, noise, patch, stride)


def method_maps(
    setup: _Setup,
    method: str,
    layer: str | None = None,
    seed: int = 0,
    samples: int = 16,
    noise: float = 0.15,
    patch: int | None = None,
    stride: int | None = None,
) -> np.ndarray:
    """One method's maps for a prepared :func:`prepare` (several methods share one)."""
    if method == "gradients":
        return _channel_max(np.abs(_grads(setup, setup.x, setup.index, setup.sign)), setup)
    if method == "smoothgrad":
        return _smoothgrad(setup, seed, samples, noise)
    if method == "gradcam":
        return _gradcam(setup, layer)
    return _occlusion(setup, patch, stride)


# -- what is explained ---------------------------------------------------------------------
def prepare(model: Any, images: Any, target: Any = None, batch_size: int = 128) -> _Setup:
    """What every method needs, made once: see :class:`_Setup`."""
    model, info = probe.load(model)
    x = probe.float_images(images, info)
    if not len(x):
        raise DataError(f"No images to explain: got an array of shape {np.shape(images)}.")
    net = probe.layer_model(model, [probe.logits_layer(model, info)], start="float")
    shared: dict[Any, dict] = {"net": {}}
    forward, gradient = compiled(net, shared["net"])
    logits = _batched(forward, batch_size, x)
    (n, units), kind = logits.shape, info.task.kind
    if kind != "classification" and target is not None:
        raise InvalidOptionError(
            f"A {kind} model has one output, its value, and saliency explains that; got "
            f"{option('target', target)}. Leave the target out."
        )
    index, sign = np.zeros(n, np.int64), np.ones(n, np.float32)  # regression: the value
    if kind == "classification" and target is not None:
        index = _class_indices(target, info.task.class_names, n)
    elif kind == "classification":
        index = (logits[:, 0] > 0).astype(np.int64) if units == 1 else logits.argmax(-1)
    if units == 1:  # one logit: class 1's evidence is the logit, class 0's is its negative
        index, sign = np.zeros(n, np.int64), np.where(index == 1, 1.0, -1.0).astype(np.float32)
    return _Setup(model, info, x, net, index, sign, batch_size, forward, gradient, shared=shared)


def _class_indices(target: Any, names: Sequence[str], n: int) -> np.ndarray:
    given = [target] * n if isinstance(target, int | str | np.integer) else list(target)
    lookup = {**{c: i for i, c in enumerate(names)}, **{i: i for i in range(len(names))}}
    bad = [
        t for t in given if isinstance(t, bool) or not isinstance(t, Hashable) or t not in lookup
    ]
    if bad or len(given) != n:
        valid = ", ".join(f"{i} ({c})" for i, c in enumerate(names))
        raise InvalidOptionError(
            f"{option('target')} takes one class (index or name) or one per image ({n}); got "
            f"{repr(bad[0]) if bad else f'{len(given)} classes'}. Valid classes: {valid}."
        )
    return np.asarray([lookup[t] for t in given], np.int64)


def _check_positive(**values: int) -> None:
    for name, value in values.items():
        if int(value) < 1:
            raise InvalidOptionError(f"{option(name, value)} must be at least 1.")


def _numpy(outputs: Any) -> np.ndarray:
    """A one-output sub-model's output as numpy (Keras may or may not wrap it in a list)."""
    return keras.ops.convert_to_numpy(outputs[0] if isinstance(outputs, list) else outputs)


def _batched(fn: Callable[..., np.ndarray], size: int, x: Any, *per_image: Any) -> np.ndarray:
    """``fn(x_batch, *per_image_batches)`` over batches of ``size``, concatenated."""
    parts = [slice(s, s + size) for s in range(0, len(x), size)]
    return np.concatenate([fn(x[p], *(np.asarray(a)[p] for a in per_image)) for p in parts])


def _channel_max(grads: np.ndarray, setup: _Setup) -> np.ndarray:
    return probe.array_channels_last(grads, setup.info.input.data_format).max(-1).astype(np.float32)


# -- gradients and SmoothGrad --------------------------------------------------------------
def _grads(setup: _Setup, x: np.ndarray, index: np.ndarray, sign: np.ndarray) -> Any:
    """``d score / d x`` for float inputs ``x`` (model layout), in batches."""

    # one sum of per-image scores, differentiated: each image's gradient is its own score's
    return _batched(setup.gradient, setup.batch_size, x, index, sign)


def _smoothgrad(setup: _Setup, seed: int, samples: int, noise: float) -> np.ndarray:
    if not 0 <= noise <= 1:
        raise InvalidOptionError(
            f"{option('noise', noise)} is the noise's standard deviation as a fraction of "
            "the image's range: give a value in [0, 1] (0.1-0.2 is usual)."
        )
    rng = np.random.default_rng(seed)
    x, per, maps = setup.x, max(1, setup.batch_size // samples), []
    for s in range(0, len(x), per):
        xb = x[s : s + per]
        span = np.ptp(xb.reshape(len(xb), -1), axis=1)
        sigma = (noise * np.where(span > 0, span, 1.0)).astype(np.float32)
        # drawn image after image, so the noise does not depend on batch_size
        eps = rng.standard_normal((len(xb), samples, *xb.shape[1:]), dtype=np.float32)
        noisy = xb[:, None] + eps * sigma.reshape(-1, *([1] * xb.ndim))
        index, sign = (np.repeat(a[s : s + per], samples) for a in (setup.index, setup.sign))
        grads = _grads(setup, noisy.reshape(-1, *xb.shape[1:]), index, sign)
        maps.append(np.abs(grads.reshape(len(xb), samples, *xb.shape[1:]).mean(axis=1)))
    return _channel_max(np.concatenate(maps), setup)


# -- Grad-CAM ------------------------------------------------------------------------------
def _gradcam(setup: _Setup, layer: str | None) -> np.ndarray:
    model, info = setup.model, setup.info
    name = layer or probe.last_conv_layer(model, info)
    if name not in setup.cams:
        head = probe.layer_model(model, [name], start="float")  # refuses unknown names
        tail = _tail(model, name, probe.logits_layer(model, info))
        heads, tails = (setup.shared.setdefault((part, name), {}) for part in ("head", "tail"))
        setup.cams[name] = (compiled(head, heads)[0], compiled(tail, tails)[1])
    head_forward, tail_gradient = setup.cams[name]
    fmt = getattr(model.get_layer(name), "data_format", None) or info.input.data_format

    def cams(xb: np.ndarray, idx: np.ndarray, sgn: np.ndarray) -> np.ndarray:
        acts = head_forward(xb)
        grads = tail_gradient(acts, idx, sgn)
        a = probe.array_channels_last(acts, fmt)
        g = probe.array_channels_last(grads, fmt)
        weights = g.mean(axis=(1, 2), keepdims=True)  # per map: its gradient's spatial mean
        return np.maximum((a * weights).sum(axis=-1), 0.0)

    cam = _batched(cams, setup.batch_size, setup.x, setup.index, setup.sign)
    size = (info.input.height, info.input.width)
    resized = keras.ops.image.resize(
        cam[..., None].astype(np.float32), size, "bilinear", data_format="channels_last"
    )
    # bilinear weights are convex, so only float rounding can dip below zero
    return np.maximum(keras.ops.convert_to_numpy(resized)[..., 0], 0.0).astype(np.float32)


def _tail(model: Any, name: str, logits: str) -> Any:
    """``layer output -> score`` as a model, or a clear refusal."""
    output = model.get_layer(name).output
    if len(getattr(output, "shape", ())) != 4:
        raise IncompatibleError(
            f"Grad-CAM weighs feature maps, so it needs a layer with a 4-D output (batch, "
            f"height, width, channels); {option('layer', name)} outputs shape "
            f"{tuple(output.shape)}. Feature layers (4-D outputs) of model {model.name!r}: "
            f"{', '.join(probe.feature_layers(model)) or '(none)'}."
        )
    try:
        return keras.Model(output, model.get_layer(logits).output, name=f"{model.name}_tail")
    except ValueError as exc:  # Keras: the score does not follow from this layer alone
        raise IncompatibleError(
            f"Grad-CAM needs the score {logits!r} to be computed from {option('layer', name)} "
            f"alone, but model {model.name!r} also feeds it from elsewhere (a skip connection "
            f"around the layer, or the layer comes after the score): {exc} Choose a layer "
            "that everything after it goes through, such as the last convolution."
        ) from exc


# -- occlusion -----------------------------------------------------------------------------
def _occlusion(setup: _Setup, patch: int | None, stride: int | None) -> np.ndarray:
    spec, h, w = setup.info.input, setup.info.input.height, setup.info.input.width
    patch = patch if patch is not None else max(1, round(min(h, w) / 8))
    stride = stride if stride is not None else max(1, patch // 2)
    _check_positive(patch=patch, stride=stride)
    if patch > min(h, w):
        raise InvalidOptionError(
            f"{option('patch', patch)} is larger than the {h}x{w} images; give at most {min(h, w)}."
        )
    holes = _patches(h, w, patch, stride)  # [P, H, W] bool
    x = probe.array_channels_last(setup.x, spec.data_format)
    fill = x.mean(axis=(1, 2))  # a grey of the image's own: neither its background nor new
    rows, scores = np.arange(len(x) * len(holes)), []  # every (image, patch), image-major
    step = 4 * setup.batch_size  # forward passes only: nothing is kept for a backward pass
    for s in range(0, len(rows), step):
        img, pos = np.divmod(rows[s : s + step], len(holes))
        batch = np.where(holes[pos][..., None], fill[img][:, None, None, :], x[img])
        if spec.data_format == "channels_first":
            batch = batch.transpose(0, 3, 1, 2)
        scores.append(_scores(setup, batch, setup.index[img], setup.sign[img]))
    scores = np.concatenate(scores).reshape(len(x), len(holes))
    drops = _scores(setup, setup.x, setup.index, setup.sign)[:, None] - scores
    # each pixel: the mean drop over the patches that cover it
    total = (drops @ holes.reshape(len(holes), -1)).reshape(-1, h, w)
    return np.maximum(total / holes.sum(axis=0), 0.0).astype(np.float32)


def _patches(h: int, w: int, patch: int, stride: int) -> np.ndarray:
    """Boolean ``[P, H, W]`` squares that slide by ``stride`` and reach every edge."""
    ys, xs = [*range(0, h - patch, stride), h - patch], [*range(0, w - patch, stride), w - patch]
    holes = np.zeros((len(ys) * len(xs), h, w), bool)
    for k, (y, x) in enumerate((y, x) for y in ys for x in xs):
        holes[k, y : y + patch, x : x + patch] = True
    return holes


def _scores(setup: _Setup, x: np.ndarray, index: np.ndarray, sign: np.ndarray) -> np.ndarray:
    score = lambda xb, i, g: _numpy(pick(setup.forward(xb), i, g))  # noqa: E731
    return _batched(score, 4 * setup.batch_size, x, index, sign).astype(np.float64)
