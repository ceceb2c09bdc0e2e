"""Pictures of activation maximisation: the images that maximise each filter or class, and
the dataset images that excite each filter most (:mod:`kerazoo.interpret._maximize`).

Example:
    >>> draw_filters("runs/shapes-lenet", "conv2.png", "conv2")         # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np

from kerazoo.interpret import _probe as probe
from kerazoo.interpret._maximize import (
    _class_indices,
    _class_names,
    _indices,
    _layer_probe,
    maximize_classes,
    maximize_filters,
    mean_activations,
    top_images,
)
from kerazoo.interpret._pictures import grid_figure

__all__ = ["class_confidence", "draw_classes", "draw_filters", "draw_top_images"]


def draw_filters(
    model: Any,
    path: str | Path,
    layer: str | None = None,
    filters: Sequence[int] | None = None,
    images: Any = None,
    **ascent: Any,
) -> Path:
    """A PNG grid of the images that maximise each filter, titled with the activation reached.

    Args:
        model, layer, filters: as for :func:`maximize_filters`.
        path: the PNG to write (returned).
        images: what :func:`maximize_filters` returned (default: computed here).
        **ascent: ``steps``, ``lr``, ``seed``, ``regularizers`` for the ascent.

    Example:
        >>> draw_filters("runs/shapes-lenet", "conv2.png", "conv2")         # doctest: +SKIP
    """
    model, info = probe.load(model)
    layer = layer or probe.last_conv_layer(model, info)
    filters = _indices(filters, _layer_probe(model, info, layer)[1], layer)
    if images is None:
        images = maximize_filters(model, layer, filters, **ascent)
    count = len(images) // len(filters)
    units = np.repeat(filters, count)
    reached = mean_activations(model, layer, images)[np.arange(len(units)), units]
    titles = [f"#{f}: {a:.3g}" for f, a in zip(units, reached, strict=True)]
    unit = len(model.get_layer(layer).output.shape) == 2
    what = "unit's activation" if unit else "filter's mean activation"
    head = f"{layer}: the image that maximises each {what}\n(tile: #: the {what} reached)"
    if count > 1:
        head = head.replace("the image", f"{count} images")
    return _grid(path, images, titles, head, cols=count if count > 1 else None)


def draw_classes(
    model: Any,
    path: str | Path,
    classes: Sequence[int | str] | None = None,
    images: Any = None,
    **ascent: Any,
) -> Path:
    """A grid of the images that maximise each class's logit, titled with the class and the
    model's probability for it on the image (its score, for a linear head trained with MSE).
    Arguments as for :func:`draw_filters`.

    Example:
        >>> draw_classes("runs/shapes-lenet", "classes.png")                # doctest: +SKIP
    """
    model, info = probe.load(model)
    names = _class_names(model, info)
    index = _class_indices(classes, names)
    if images is None:
        images = maximize_classes(model, index, **ascent)
    count = len(images) // len(index)
    index = list(np.repeat(index, count))
    cols = count if count > 1 else None
    values, word = class_confidence(model, info, index, images)
    titles = [f"{names[c]}: {word}={v:.2f}" for c, v in zip(index, values, strict=True)]
    if word == "score":  # a linear head fit by MSE: a softmax of it means nothing
        head = "The image that maximises each class's score"
        return _grid(path, images, titles, f"{head}\n(tile: class: the model's score for it)", cols)
    head = "The image that maximises each class's logit"
    return _grid(
        path, images, titles, f"{head}\n(tile: class: the model's probability of it)", cols
    )


def class_confidence(
    model: Any, info: Any, index: Sequence[int], images: Any
) -> tuple[np.ndarray, str]:
    """How sure ``model`` is of class ``index[i]`` on ``images[i]``: ``(values, "p")``, its
    probability (softmax of the logits), or ``(values, "score")``, the class's score itself
    for a linear head trained with MSE (a softmax of it is no probability the model gave).

    Example:
        >>> class_confidence(model, info, [0, 1], images)                   # doctest: +SKIP
        (array([0.99, 0.97], dtype=float32), 'p')
    """
    index = list(index)
    logits = mean_activations(model, probe.logits_layer(model, info), images)
    if info.output == "scores":
        return logits[np.arange(len(index)), index], "score"
    if logits.shape[1] == 1:  # one binary logit: the probability of the second class
        logits = np.concatenate([np.zeros_like(logits), logits], axis=1)
    probs = keras.ops.convert_to_numpy(keras.ops.softmax(logits))
    return probs[np.arange(len(index)), index], "p"


def draw_top_images(
    model: Any,
    path: str | Path,
    layer: str | None = None,
    images: Any = None,
    k: int = 9,
    filters: Sequence[int] | None = None,
) -> Path:
    """A PNG, one row per filter: the ``k`` images that excite it most, best first.

    Args:
        model, k, filters: as for :func:`top_images`.
        path: the PNG to write (returned).
        layer: default: the last convolution.
        images: ``uint8 [N, H, W, C]``; default: 256 fresh samples of the model's dataset.

    Example:
        >>> draw_top_images("runs/shapes-lenet", "top.png", k=5)            # doctest: +SKIP
    """
    model, info = probe.load(model)
    layer = layer or probe.last_conv_layer(model, info)
    if images is None:
        images = probe.model_samples(info, 256).images
    order, scores = top_images(model, layer, images, k, filters)
    rows = [f"#{f}" for f in _indices(filters, _layer_probe(model, info, layer)[1], layer)]
    titles = [f"{s:.3g}" for s in scores.ravel()]
    head = (
        f"{layer}: the {k} of {len(images)} images that excite each filter most\n"
        "(one row per filter, best first; tile: the filter's mean activation)"
    )
    return _grid(path, np.asarray(images)[order.ravel()], titles, head, cols=k, rows=rows)


def _grid(path, images, titles, head, cols=None, rows=()) -> Path:
    """Framed tiles in true pixel values: grey from 0 black to 1 white, or RGB."""
    x = np.asarray(images, np.float32) / 255.0
    if x.shape[-1] != 3:
        head += "" if x.shape[-1] == 1 else f" (mean of {x.shape[-1]} channels)"
        x = x.mean(axis=-1)
    grey = x.ndim == 3
    return grid_figure(
        path,
        x,
        titles,
        head,
        cols or min(len(x), 8),
        row_labels=rows,
        frame=True,
        colorbar="pixel value / 255" if grey else "",
        ticks={0.0: "0 black", 0.5: "0.5", 1.0: "1 white"},
    )
