"""``kerazoo look maximize`` as one call: which layer, filters and classes by default, the
pictures drawn, and what to tell the user (:mod:`kerazoo.interpret._maximize_draw` draws).

By default: the last convolution's filters and, for a classifier, its classes. ``layer=``
names another layer (then no classes); ``classes=`` asks for the classes only; ``k=K``
shows instead the K dataset images that excite each filter most.

Example:
    >>> done = maximize_pictures("runs/shapes-lenet", "runs/shapes-lenet")  # doctest: +SKIP
    >>> [p.name for p in done.written]                                     # doctest: +SKIP
    ['maximize-conv2.png', 'maximize-classes.png']
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kerazoo._errors import IncompatibleError, InvalidOptionError, option

if TYPE_CHECKING:  # keras starts only when a picture is drawn: the command line reads STEPS
    from kerazoo.interpret._maximize import Regularizers

__all__ = ["Maximized", "maximize_pictures", "regularizers_without"]

#: Ascent steps when none are asked for.
STEPS = 200


@dataclass
class Maximized:
    """What :func:`maximize_pictures` drew.

    Attributes:
        written: the pictures, in the order drawn.
        steps, seed, regularizers: the ascent's (``None`` for ``k``: no ascent).
        param: the parametrisation of the filters' images (``None`` for ``k``, or when
            only classes were drawn).
        class_param: the parametrisation of the classes' images, or ``None``.
        saved: the PNG files of ``save_images``.
        quality: the measured quality, one line each (see
            :mod:`kerazoo.interpret._maximize_quality`).
        note: what was left out and why (a model without classes), or ``None``.
    """

    written: list[Path] = field(default_factory=list)
    steps: int | None = None
    seed: int | None = None
    regularizers: Regularizers | None = None
    note: str | None = None
    param: str | None = None
    class_param: str | None = None
    saved: list[Path] = field(default_factory=list)
    quality: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """What ``kerazoo look maximize`` prints."""
        lines = [f"wrote {path}" for path in self.written]
        if self.saved:
            under = os.path.commonpath([str(p.parent) for p in self.saved])
            lines.append(f"saved {len(self.saved)} images (lossless PNG) under {under}")
        params = [p for p in dict.fromkeys((self.param, self.class_param)) if p]
        spaces = [f"parametrisation {p} ({_SPACES[p]})" for p in params if p in _SPACES]
        if len(params) == 2 and spaces:  # the filters' and the classes' defaults differ
            parts = zip(("filters", "classes"), spaces, strict=True)
            spaces = [f"{part}: {space}" for part, space in parts]
        if spaces:
            lines.append(f"{self.steps} steps from seed {self.seed}; {'; '.join(spaces)}")
        if self.regularizers is not None and "pixel" in params:
            active = ", ".join(self.regularizers.active()) or "none"
            lines.append(
                f"{self.steps} steps from seed {self.seed}; parametrisation pixel; "
                f"regularisers: {active}"
            )
        lines += [f"quality: {line}" for line in self.quality]
        return lines + ([f"note: {self.note}"] if self.note else [])


#: What each Fourier parametrisation optimises, as the printed line says it.
_SPACES = {
    "fft": "1/f spectrum, random transformations",
    "maco": "phase, the training images' magnitude, random transformations",
}


def regularizers_without(*names: str) -> Regularizers | None:
    """The default :class:`Regularizers` with these switched off (``"jitter"``, ``"l2"``,
    ``"tv"``, ``"blur_every"``); ``None`` when none is named (the default).

    Example:
        >>> regularizers_without("jitter", "tv").active()
        ('l2', 'blur')
    """
    from kerazoo.interpret._maximize import Regularizers

    if not names:
        return None
    off = {"jitter": 0, "l2": 0.0, "tv": 0.0, "blur_every": None}
    return replace(Regularizers(), **{name: off[name] for name in names})


def maximize_pictures(
    model: Any,
    folder: str | Path,
    *,
    out: str | Path | None = None,
    layer: str | None = None,
    classes: Sequence[int | str] | bool | None = None,
    filters: Sequence[int] | None = None,
    steps: int = STEPS,
    seed: int | None = None,
    regularizers: Regularizers | None = None,
    k: int | None = None,
    samples: int = 256,
    param: str | None = None,
    count: int = 1,
    diversity: float | None = None,
    transforms: Any = None,
    save_images: str | Path | None = None,
    transfer: Any = None,
) -> Maximized:
    """Draw the maximisation pictures of a model, choosing what is not given, and measure
    them (:mod:`kerazoo.interpret._maximize_quality`).

    Args:
        model: a ``keras.Model`` or a saved model's path.
        folder: where the pictures go when ``out`` is not given (a run folder).
        out: the picture to write (the classes' picture goes beside it, ``NAME-classes``).
        layer: the layer whose filters (or units) to maximise; default: the last convolution.
        classes: ``True`` for every class only, or these names or indices only; default
            (``None``): the classes too, when the model classifies and ``layer`` is not given.
        filters: filter indices (default: all).
        steps: ascent steps.
        seed: the starting noise's seed (default 0); with ``k``, the fresh samples' seed
            (default 1: not the training images).
        regularizers: ``pixel`` only: default :class:`Regularizers`.
        k: instead of the ascent: the ``k`` images of ``samples`` fresh samples of the
            model's dataset that excite each filter most (``kerazoo look maximize --top K``).
        samples: fresh samples of the model's dataset: searched with ``k``; otherwise the
            yardstick of the filters' quality (their best).
        param, count, diversity, transforms: as for :func:`maximize_filters` (``param``
            default :data:`~kerazoo.interpret._maximize.DEFAULT_PARAM`).
        save_images: a folder: each image also as a lossless PNG at the model's input size,
            ``DIR/<class>/<k>.png`` or ``DIR/<layer>/<filter>/<k>.png``.
        transfer: another classifier of the same classes (a model, file or run folder): the
            share of the class images it classifies as their class is measured too.

    Returns:
        A :class:`Maximized`: the pictures written and what to say about them.

    Raises:
        IncompatibleError: ``filters`` with ``classes``, ``k`` with ``classes``, or
            ``transfer`` without classes.
        InvalidOptionError: ``layer`` with ``classes``, ``samples`` below 1, or options of
            another parametrisation.
    """
    from kerazoo.interpret import _probe as probe
    from kerazoo.interpret._maximize import DEFAULT_PARAM, class_param

    model, info = probe.load(model)
    folder = Path(folder)
    if k is not None:
        return _top(model, info, (folder, out), (layer, classes, filters), seed, (k, samples))
    _check_choice(layer, classes, filters)
    seed = 0 if seed is None else seed
    ascent = {"steps": steps, "seed": seed, "regularizers": regularizers, "param": param}
    ascent |= {"count": count, "diversity": diversity, "transforms": transforms}
    done = Maximized(steps=steps, seed=seed, regularizers=regularizers)
    if param == "pixel" and regularizers is None:
        from kerazoo.interpret._maximize import Regularizers

        done.regularizers = Regularizers()
    only_classes = classes is not None and classes is not False
    classify = info.task.kind == "classification"
    want_classes = only_classes or (layer is None and classify)
    if transfer is not None and not want_classes:
        raise IncompatibleError(
            f"{option('transfer')} classifies the class images; this call draws none. Ask "
            f"for them with {option('classes')}."
        )
    where = (folder, out, save_images)
    if not only_classes:
        done.param = param or DEFAULT_PARAM
        ascent_filters = ascent | {"param": done.param}
        _filters(model, info, done, where, (layer, filters), ascent_filters, samples)
    if want_classes:
        which = None if classes is True or classes is None else list(classes)
        done.class_param = class_param(param, info)
        _classes(model, info, done, where, which, ascent | {"param": done.class_param}, transfer)
    elif layer is None:
        done.note = f"a {info.task.kind} model has no classes to maximise"
    return done


def _filters(model, info, done, where, which, ascent, samples) -> None:
    """Draw, save and measure the filters' images."""
    from kerazoo.interpret import _maximize_draw as draw, _probe as probe
    from kerazoo.interpret._look_images import look_images
    from kerazoo.interpret._maximize import _indices, _layer_probe, maximize_filters
    from kerazoo.interpret._maximize_quality import filter_ratios, save_images, share_at_least

    (folder, out, save), (layer, filters) = where, which
    layer = layer or probe.last_conv_layer(model, info)
    filters = _indices(filters, _layer_probe(model, info, layer)[1], layer)
    images = maximize_filters(model, layer, filters, **ascent)
    path = Path(out) if out else folder / f"maximize-{layer}.png"
    done.written.append(draw.draw_filters(model, path, layer, filters, images=images))
    if save:
        groups = [[layer, str(f)] for f in filters]
        done.saved += save_images(images, save, groups, ascent["count"])
    if samples < 1:
        raise InvalidOptionError(f"{option('samples', samples)}: give 1 or more samples.")
    try:
        data, _, _ = look_images(info, count=samples, seed=1)
    except IncompatibleError:  # no dataset recorded: nothing to compare with
        return
    ratios = filter_ratios(model, layer, images, filters, data, ascent["count"])
    good, alive = share_at_least(ratios)
    done.quality.append(
        f"{layer}: {good} of {alive} firing filters reach at least the activation of the best "
        f"of {samples} dataset images ({good / max(alive, 1):.0%}; median ratio "
        f"{np.nanmedian(ratios) if alive else float('nan'):.2f})"
    )


def _classes(model, info, done, where, which, ascent, transfer) -> None:
    """Draw, save and measure the classes' images."""
    from kerazoo.interpret import _maximize_draw as draw
    from kerazoo.interpret._maximize import _class_indices, _class_names, maximize_classes
    from kerazoo.interpret._maximize_quality import class_hits, save_images

    folder, out, save = where
    names = _class_names(model, info)
    index = _class_indices(which, names)
    images = maximize_classes(model, index, **ascent)
    path = Path(out) if out else folder / "maximize-classes.png"
    if done.written and out:
        path = path.with_name(f"{path.stem}-classes{path.suffix}")
    done.written.append(draw.draw_classes(model, path, index, images=images))
    count = ascent["count"]
    if save:
        done.saved += save_images(images, save, [[names[c]] for c in index], count)
    intended = [names[c] for c in index for _ in range(count)]
    for who, judge in (("the model itself", model), ("the --transfer model", transfer)):
        if judge is not None:
            hits = class_hits(images, intended, judge)
            done.quality.append(
                f"classes: {int(hits.sum())} of {len(hits)} images classified as their class "
                f"by {who} ({hits.mean():.2f}; uint8 images through the Predictor)"
            )


def _top(
    model: Any,
    info: Any,
    where: tuple[Path, str | Path | None],
    which: tuple[str | None, Any, Sequence[int] | None],
    seed: int | None,
    sizes: tuple[int, int],
) -> Maximized:
    """``k``: the dataset images that excite each filter most (no ascent)."""
    from kerazoo.interpret import _maximize_draw as maximize_draw, _probe as probe
    from kerazoo.interpret._look_images import look_images

    (folder, out), (layer, classes, filters), (k, count) = where, which, sizes
    if classes is not None and classes is not False:
        raise IncompatibleError(
            f"{option('k')} shows the dataset images that excite a layer's filters; it does "
            f"not take {option('classes')}. Leave out {option('classes')} (and name the layer "
            f"with {option('layer')})."
        )
    if count < 1:
        raise InvalidOptionError(f"{option('samples', count)}: give 1 or more samples.")
    images, _, _ = look_images(info, count=count, seed=1 if seed is None else seed)
    layer = layer or probe.last_conv_layer(model, info)
    path = Path(out) if out else folder / f"top-{layer}.png"
    return Maximized([maximize_draw.draw_top_images(model, path, layer, images, k, filters)])


def _check_choice(layer: str | None, classes: Any, filters: Any) -> None:
    if classes is None or classes is False:
        return
    if layer is not None:
        raise InvalidOptionError(
            f"{option('layer')} picks a layer's filters and {option('classes')} the class "
            f"logits: give one of them, got {option('layer', layer)} and {option('classes')}."
        )
    if filters is not None:
        raise IncompatibleError(
            f"{option('filters')} picks a layer's filters; with {option('classes')} name the "
            f"classes instead: {option('classes', 'circle,square')} (names or indices)."
        )
