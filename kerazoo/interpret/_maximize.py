"""Activation maximisation: the image that excites a filter (or a class) most, and the
dataset images that excite each filter most.

Gradient ascent on the float image the model sees after its own rescaling (``pixels / 255``),
all the filters (or classes) asked for as one batch: image ``i`` maximises filter ``i`` (the
objective sums image ``i``'s own score over ``i``), so one forward and one backward pass
serve them all. Choices:

* objective: the **mean** activation of the filter's map (a Dense unit's value; a class's
  logit, before any softmax): the number :func:`top_images` ranks real images by.
* step: each image's gradient is divided by its own root mean square, so ``lr`` is in pixel
  units whatever the layer's scale, and an image's path does not depend on its batch (up
  to rounding: a batched convolution rounds differently, which a deep net's ascent can
  magnify into another optimum for some filters; ``benchmarks/bench_maximize.py`` counts).
* pixels: optimised directly in ``[0, 1]`` and clipped after every step (no sigmoid), so
  what the ascent finds is what the returned uint8 image shows.
* start: mid-grey with faint noise, seeded per filter. A ReLU filter silent on its whole
  image gets no gradient; that image restarts from uniform noise (twice at most, then back
  to grey: a filter nothing wakes is shown flat, with activation 0).
* :class:`Regularizers`, after Yosinski et al. 2015 ("Understanding neural networks through
  deep visualization") and Olah et al. 2017 ("Feature visualization").

Example:
    >>> images = maximize_filters("runs/shapes-lenet", "conv2")            # doctest: +SKIP
    >>> images.shape, images.dtype                                         # doctest: +SKIP
    ((16, 32, 32, 1), dtype('uint8'))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from kerazoo._errors import (
    InvalidOptionError,
    option,
    unknown_choice,
)
from kerazoo._params import check_seed
from kerazoo.interpret import _probe as probe
from kerazoo.interpret._ascent import ascend_spectrum, pooled as _pooled
from kerazoo.interpret._ascent_pixel import ascend_pixels
from kerazoo.interpret._maximize_units import (
    _class_indices,
    _class_names,
    _gram_layer,
    _indices,
    _layer_probe,
    _layer_probe_first,
)
from kerazoo.interpret._param import PARAMETRISATIONS, Phase, Transforms

__all__ = [
    "DEFAULT_CLASS_PARAM",
    "DEFAULT_PARAM",
    "DIVERSITY",
    "Regularizers",
    "class_param",
    "maximize_classes",
    "maximize_filters",
    "mean_activations",
    "top_images",
]

_BATCH = 256  # images per forward pass when measuring
#: The parametrisation of filters' images when none is asked for (chosen by
#: benchmarks/bench_maximize.py: more filters beat the dataset's best than with ``maco``).
DEFAULT_PARAM = "fft"
#: The parametrisation of class images when none is asked for and the model's dataset is
#: known (chosen by benchmarks/bench_maximize.py: as often recognised as ``fft``'s, and
#: objects on the data's dark ground where ``fft`` draws bright fields and textures).
DEFAULT_CLASS_PARAM = "maco"
#: The diversity term's weight for several images per unit (``fft``, ``maco``).
DIVERSITY = 0.5


@dataclass(frozen=True)
class Regularizers:
    """What keeps a maximised image readable; ``0`` or ``None`` switches one off.

    The defaults give clear pictures for LeNet and chopped VGG trained on 32x32 to 64x64
    synthetic images; they cost some activation (all off reaches more, as noise).

    Args:
        jitter: each step the image is rolled by a random shift of up to this many pixels
            before the gradient is taken (and the gradient rolled back): a pattern must
            work wherever it lands, which removes pixel-grid noise.
        l2: each step every pixel moves this fraction of the way back to grey.
        tv: total variation: each step every pixel also moves by ``tv * lr`` towards its
            neighbours (the sign of the gradient of the sum of absolute differences),
            which favours flat regions with sharp edges.
        blur_every, blur_sigma: every ``blur_every`` steps, a Gaussian blur of
            ``blur_sigma`` pixels: keeps the low frequencies.

    Example:
        >>> Regularizers(jitter=0, l2=0, tv=0, blur_every=None).active()
        ()
    """

    jitter: int = 1
    l2: float = 0.002
    tv: float = 0.1
    blur_every: int | None = 8
    blur_sigma: float = 0.5

    def __post_init__(self) -> None:
        for name in ("jitter", "l2", "tv", "blur_every", "blur_sigma"):
            value = getattr(self, name)
            if (value or 0) < 0 or (name == "l2" and value >= 1):
                raise InvalidOptionError(
                    f"Regularizers.{name} must be 0 or more (l2 below 1), got {value!r}. "
                    "Use 0 (or None) to switch it off."
                )

    def active(self) -> tuple[str, ...]:
        """The names of the regularisers that are switched on."""
        blur = bool(self.blur_every) and self.blur_sigma > 0
        on = {"jitter": self.jitter > 0, "l2": self.l2 > 0, "tv": self.tv > 0, "blur": blur}
        return tuple(name for name, yes in on.items() if yes)


_DEFAULT = Regularizers()


def maximize_filters(
    model: Any,
    layer: str | None = None,
    filters: Sequence[int] | None = None,
    steps: int = 200,
    lr: float = 0.05,
    seed: int = 0,
    regularizers: Regularizers | None = None,
    *,
    param: str = DEFAULT_PARAM,
    count: int = 1,
    diversity: float | None = None,
    transforms: Transforms | None = None,
) -> np.ndarray:
    """Images that maximise the mean activation of each filter of a layer, as one batch.

    Args:
        model: a model made by :func:`kerazoo.build`, a ``.keras`` file or a run folder.
        layer: a convolution, pooling or Dense layer (a Dense layer's units are its
            filters); default: the last convolution.
        filters: which filters (indices); default: all of them.
        steps: gradient ascent steps.
        lr: step size: in pixel units (``[0, 1]`` scale) for ``pixel``, Adam's for ``fft``
            and ``maco``.
        seed: seeds the starting noise (per filter: the same alone or in a batch) and the
            random shifts.
        regularizers: ``pixel`` only: see :class:`Regularizers`.
        param: ``"fft"`` (a 1/frequency-scaled spectrum, decorrelated colour, random
            transformations every step; :mod:`kerazoo.interpret._param`), ``"maco"`` (the
            phase of a spectrum whose magnitude is the training images', the same
            transformations; needs the model's dataset) or ``"pixel"`` (the pixels
            themselves, with ``regularizers``).
        count: images per filter; with ``fft`` or ``maco`` they are pushed apart by
            ``diversity``.
        diversity: ``fft`` or ``maco`` with ``count`` above 1: the weight of the diversity
            term (default :data:`DIVERSITY`; 0 switches it off).
        transforms: ``fft`` or ``maco``: see :class:`~kerazoo.interpret._param.Transforms`.

    Returns:
        ``uint8 [F * count, H, W, C]`` images (canonical layout, whatever the model's
        data_format), filter-major: the ``count`` images of the first filter come first.

    Raises:
        UnknownNameError: a layer the model does not have.
        IncompatibleError: a layer with no filters (the input, its rescaling).
        InvalidOptionError: a filter index out of range, ``steps`` below 0, ``count``
            below 1, or an option of the other parametrisation.

    Example:
        >>> images = maximize_filters("runs/shapes-lenet", "conv2", [0, 3])  # doctest: +SKIP
    """
    model, info = probe.load(model)
    layer = layer or probe.last_conv_layer(model, info)
    sub, width, first = _layer_probe(model, info, layer)
    filters = _indices(filters, width, layer)
    weights = np.zeros((len(filters), width), np.float32)
    weights[np.arange(len(filters)), filters] = 1.0
    ascent = _Ascent.of(param, steps, lr, seed, regularizers, count, diversity, transforms)
    gram = layer if len(model.get_layer(layer).output.shape) == 4 else None
    return ascent.run(model, info, (layer, sub, first), gram, weights, filters)


def maximize_classes(
    model: Any,
    classes: Sequence[int | str] | None = None,
    steps: int = 200,
    lr: float = 0.05,
    seed: int = 0,
    regularizers: Regularizers | None = None,
    *,
    param: str | None = None,
    count: int = 1,
    diversity: float | None = None,
    transforms: Transforms | None = None,
) -> np.ndarray:
    """Images that maximise each class's logit (the score before any softmax), as one batch.

    A binary model's single logit is maximised for the second class and minimised for the
    first. The other arguments are as for :func:`maximize_filters`, but for ``param``'s
    default: :func:`class_param` (``maco`` for a model whose dataset is known); a model
    without convolutions (an MLP) gets no diversity term.

    Args:
        model: a classification model, a ``.keras`` file or a run folder.
        classes: class indices or names; default: all classes.

    Returns:
        ``uint8 [K * count, H, W, C]`` images, class-major.

    Raises:
        IncompatibleError: the model does not classify.
        UnknownNameError: a class name the model does not have.
        InvalidOptionError: a class index out of range.

    Example:
        >>> images = maximize_classes("runs/shapes-lenet", ["circle"])      # doctest: +SKIP
    """
    model, info = probe.load(model)
    index = _class_indices(classes, _class_names(model, info))
    logits = probe.logits_layer(model, info)
    sub, width, first = _layer_probe(model, info, logits)
    weights = np.zeros((len(index), width), np.float32)
    for row, c in enumerate(index):
        if width == 1:  # one binary logit: high means the second class
            weights[row, 0] = 1.0 if c == 1 else -1.0
        else:
            weights[row, c] = 1.0
    param = class_param(param, info)
    ascent = _Ascent.of(param, steps, lr, seed, regularizers, count, diversity, transforms)
    gram = _gram_layer(model, info)
    margin = width > 1  # one-hot rows: the logit against the others
    return ascent.run(model, info, (logits, sub, first), gram, weights, index, margin)


def class_param(param: str | None, info: Any) -> str:
    """``param``, or when it is ``None`` the class images' default: :data:`DEFAULT_CLASS_PARAM`
    for a model whose metadata names its dataset (whose magnitude spectrum ``maco`` keeps),
    :data:`DEFAULT_PARAM` for one without.

    Example:
        >>> class_param("pixel", None)
        'pixel'
    """
    if param is not None:
        return param
    return DEFAULT_CLASS_PARAM if getattr(info, "dataset", None) is not None else DEFAULT_PARAM


def mean_activations(model: Any, layer: str, images: Any) -> np.ndarray:
    """``float32 [N, F]``: the mean over its map of every filter of ``layer`` (a Dense unit's
    value), for each of ``uint8 [N, H, W, C]`` images.

    Example:
        >>> mean_activations("runs/shapes-lenet", "conv2", images).shape   # doctest: +SKIP
        (10, 16)
    """
    model, info = probe.load(model)
    sub, _, first = _layer_probe(model, info, layer)
    x = probe.float_images(images, info)
    out = [_pooled(sub(x[i : i + _BATCH], training=False), first) for i in range(0, len(x), _BATCH)]
    return np.concatenate([keras.ops.convert_to_numpy(o) for o in out]).astype(np.float32)


def top_images(
    model: Any, layer: str, images: Any, k: int = 9, filters: Sequence[int] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The images that excite each filter most (by mean activation), best first.

    Args:
        model: a model made by :func:`kerazoo.build`, a ``.keras`` file or a run folder.
        layer: the layer.
        images: ``uint8 [N, H, W, C]`` images (canonical layout).
        k: how many images per filter, 1 to N.
        filters: which filters; default: all.

    Returns:
        ``(indices int [F, k], scores float32 [F, k])``: for each filter, indices into
        ``images`` and their mean activations.

    Raises:
        InvalidOptionError: ``k`` out of range; a bad filter index.

    Example:
        >>> idx, scores = top_images(model, "conv2", samples.images, k=5)   # doctest: +SKIP
    """
    acts = mean_activations(model, layer, images)
    n = len(acts)
    if not 1 <= k <= n:
        raise InvalidOptionError(
            f"{option('k', k)} asks for the top {k} of {n} images per filter: it must be "
            f"between 1 and {n}. Ask for fewer, or give more images."
        )
    acts = acts[:, _indices(filters, acts.shape[1], layer)].T  # [F, N]
    order = np.argsort(-acts, axis=1, kind="stable")[:, :k]  # stable: ties keep image order
    return order, np.take_along_axis(acts, order, axis=1)


# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ascent:
    """The ascent's settings, checked once; :meth:`run` picks the parametrisation's engine."""

    param: str
    steps: int
    lr: float
    seed: int
    regularizers: Regularizers
    count: int
    diversity: float
    transforms: Transforms

    @classmethod
    def of(cls, param, steps, lr, seed, regularizers, count, diversity, transforms) -> _Ascent:
        if param not in PARAMETRISATIONS:
            raise unknown_choice("param", param, list(PARAMETRISATIONS), what="parametrisation")
        if steps < 0:
            raise InvalidOptionError(f"{option('steps', steps)}: steps must be 0 or more.")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise InvalidOptionError(
                f"{option('count', count)}: the images per unit must be a whole number, 1 or more."
            )
        if diversity is not None and diversity < 0:
            raise InvalidOptionError(
                f"{option('diversity', diversity)}: the diversity weight must be 0 or more."
            )
        fft_only = {"diversity": diversity, "transforms": transforms}
        wrong = (
            {"regularizers": regularizers} if param != "pixel" else fft_only
        )  # options the other parametrisations take
        given = [name for name, value in wrong.items() if value is not None]
        if given:
            other = "pixel" if param != "pixel" else "fft"
            raise InvalidOptionError(
                f"{option(given[0])} applies to {option('param', other)} only; this ascent "
                f"uses {option('param', param)}. Leave it out, or use {option('param', other)}."
            )
        return cls(
            param,
            steps,
            lr,
            check_seed(seed),
            regularizers or _DEFAULT,
            count,
            DIVERSITY if diversity is None else float(diversity),
            transforms or Transforms(),
        )

    def run(self, model, info, target, gram, weights, units, margin=False) -> np.ndarray:
        """Images for ``weights`` ``[U, F]``, ``count`` per unit, unit-major; ``margin``:
        classes (see :func:`~kerazoo.interpret._ascent.objective_scores`)."""
        layer, sub, first = target
        if self.param == "pixel":
            reg = self.regularizers
            batches = [
                ascend_pixels(
                    sub,
                    first,
                    info,
                    weights,
                    units,
                    self.steps,
                    self.lr,
                    self.seed + k,
                    reg,
                    margin,
                )
                for k in range(self.count)
            ]
            return np.stack(batches, axis=1).reshape(-1, *batches[0].shape[1:])
        diverse = self.count > 1 and self.diversity > 0 and gram is not None
        names = [layer, gram] if diverse else [layer]  # the Gram matrices' layer second
        if diverse:
            sub = probe.layer_model(model, list(dict.fromkeys(names)), start="float")
        firsts = tuple(_layer_probe_first(model, info, name) for name in names)
        ids = [(int(u), k) for u in units for k in range(self.count)]
        return ascend_spectrum(
            sub,
            firsts,
            info.input,
            np.repeat(weights, self.count, axis=0),
            ids,
            steps=self.steps,
            lr=self.lr,
            seed=self.seed,
            transforms=self.transforms,
            count=self.count,
            diversity=self.diversity if diverse else 0.0,
            margin=margin,
            phase=Phase.of_model(info) if self.param == "maco" else None,
        )
