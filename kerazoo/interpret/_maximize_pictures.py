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

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
        note: what was left out and why (a model without classes), or ``None``.
    """

    written: list[Path] = field(default_factory=list)
    steps: int | None = None
    seed: int | None = None
    regularizers: Regularizers | None = None
    note: str | None = None

    def lines(self) -> list[str]:
        """What ``kerazoo look maximize`` prints."""
        lines = [f"wrote {path}" for path in self.written]
        if self.regularizers is not None:
            active = ", ".join(self.regularizers.active()) or "none"
            lines.append(f"{self.steps} steps from seed {self.seed}; regularisers: {active}")
        return lines + ([f"note: {self.note}"] if self.note else [])


def regularizers_without(*names: str) -> Regularizers:
    """The default :class:`Regularizers` with these switched off (``"jitter"``, ``"l2"``,
    ``"tv"``, ``"blur_every"``).

    Example:
        >>> regularizers_without("jitter", "tv").active()
        ('l2', 'blur')
    """
    from kerazoo.interpret._maximize import Regularizers

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
    count: int = 256,
) -> Maximized:
    """Draw the maximisation pictures of a model, choosing what is not given.

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
        regularizers: default :class:`Regularizers`.
        k: instead of the ascent: the ``k`` images of ``count`` fresh samples of the
            model's dataset that excite each filter most (``kerazoo look maximize --top K``).
        count: fresh samples searched with ``k``.

    Returns:
        A :class:`Maximized`: the pictures written and what to say about them.

    Raises:
        IncompatibleError: ``filters`` with ``classes``, or ``k`` with ``classes``.
        InvalidOptionError: ``layer`` with ``classes``, or ``count`` below 1.
    """
    from kerazoo.interpret import _maximize_draw as maximize_draw, _probe as probe
    from kerazoo.interpret._maximize import Regularizers

    model, info = probe.load(model)
    folder = Path(folder)
    if k is not None:
        return _top(model, info, (folder, out), (layer, classes, filters), seed, (k, count))
    _check_choice(layer, classes, filters)
    seed = 0 if seed is None else seed
    regularizers = Regularizers() if regularizers is None else regularizers
    ascent = {"steps": steps, "seed": seed, "regularizers": regularizers}
    done = Maximized(steps=steps, seed=seed, regularizers=regularizers)
    only_classes = classes is not None and classes is not False
    if not only_classes:
        chosen = layer or probe.last_conv_layer(model, info)
        path = Path(out) if out else folder / f"maximize-{chosen}.png"
        done.written.append(maximize_draw.draw_filters(model, path, chosen, filters, **ascent))
    classify = info.task.kind == "classification"
    if only_classes or (layer is None and classify):
        path = Path(out) if out else folder / "maximize-classes.png"
        if done.written and out:
            path = path.with_name(f"{path.stem}-classes{path.suffix}")
        which = None if classes is True or classes is None else list(classes)
        done.written.append(maximize_draw.draw_classes(model, path, which, **ascent))
    elif layer is None:
        done.note = f"a {info.task.kind} model has no classes to maximise"
    return done


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
