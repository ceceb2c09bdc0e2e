"""``kerazoo look saliency`` as one call: the methods by default, the images, the score
against the objects' masks, and the picture (:mod:`kerazoo.interpret._saliency_picture`).

Example:
    >>> saliency_pictures("run/model.keras", "run").path               # doctest: +SKIP
    PosixPath('run/saliency.png')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kerazoo._errors import IncompatibleError, InvalidOptionError, option, unknown_choice
from kerazoo.interpret._methods import SALIENCY_METHODS

__all__ = ["PICTURE_COUNT", "SCORE_COUNT", "SaliencyPictures", "saliency_pictures"]

#: Images in the picture, and fresh samples scored with ``score``, when no count is given.
PICTURE_COUNT, SCORE_COUNT = 4, 100


@dataclass
class SaliencyPictures:
    """What :func:`saliency_pictures` did.

    Attributes:
        path: the picture written.
        scores: each method's :class:`~kerazoo.interpret.SaliencyScore` (with ``score``).
        checks: the :class:`~kerazoo.interpret.SaliencyChecks` behind them (with ``score``).
        heading: what the scores were measured on (with ``score``).
        notes: how image files were brought to the model's input.
    """

    path: Path
    scores: list[Any] | None = None
    heading: str | None = None
    notes: list[str] = field(default_factory=list)
    checks: Any = None

    def lines(self) -> list[str]:
        """What ``kerazoo look saliency`` prints."""
        from kerazoo.interpret._score import score_table

        lines = [f"note: {note}" for note in self.notes]
        if self.checks is not None:
            lines += [self.heading or "", *self.checks.lines()]
        elif self.scores is not None:
            lines += [self.heading or "", score_table(self.scores)]
        return [*lines, f"wrote {self.path}"]


def saliency_pictures(
    model: Any,
    folder: str | Path,
    *,
    methods: Sequence[str] | None = None,
    layer: str | None = None,
    score: bool = False,
    images: Sequence[str | Path] | None = None,
    count: int | None = None,
    seed: int = 1,
    tolerance: float = 1.0,
    out: str | Path | None = None,
) -> SaliencyPictures:
    """Draw saliency maps over images; with ``score``, score each method against the masks.

    Args:
        model: a ``keras.Model`` or a saved model's path.
        folder: where ``saliency.png`` goes when ``out`` is not given (a run folder).
        methods: of :data:`SALIENCY_METHODS` (default: all).
        layer: Grad-CAM's layer (default: the last convolution).
        score: score and check each method on ``count`` fresh samples (default 100) with
            masks (:func:`~kerazoo.interpret.saliency_checks`); the picture shows the first
            four and marks a method that fails a check.
        images: image files to draw (default: ``count`` fresh samples, 4 by default).
        count, seed: how many fresh samples of the model's dataset, and their seed.
        tolerance: with ``score``: a pointing-game hit may lie this many pixels outside.
        out: the picture (default ``folder / "saliency.png"``).

    Raises:
        UnknownNameError: a method that does not exist (with suggestions).
        InvalidOptionError: ``score`` with image files, or a count below 1.
        IncompatibleError: ``score`` on a model whose dataset draws no masks.
    """
    from kerazoo.interpret import _probe as probe
    from kerazoo.interpret._look_images import check_count, look_images
    from kerazoo.interpret._saliency_picture import draw_saliency

    methods = list(methods or SALIENCY_METHODS)
    for method in methods:
        if method not in SALIENCY_METHODS:
            raise unknown_choice("method", method, SALIENCY_METHODS)
    if score and images:
        raise InvalidOptionError(
            f"{option('score')} needs the objects' masks, which fresh samples of the model's "
            f"dataset have and image files do not; got {option('images', images[0])}. Drop "
            f"{option('images')} (use {option('count')} and {option('seed')} to choose the "
            "samples)."
        )
    model, info = probe.load(model)
    path = Path(out) if out else Path(folder) / "saliency.png"
    if not score:
        count = PICTURE_COUNT if count is None else count
        pixels, masks, notes = look_images(info, images, count, seed)
        drawn = draw_saliency(model, pixels, path, methods, masks=masks, layer=layer)
        return SaliencyPictures(drawn, notes=notes)
    count = SCORE_COUNT if count is None else count
    check_count(count)
    return _scored(model, info, methods, (count, seed, tolerance), layer, path)


def _scored(
    model: Any,
    info: Any,
    methods: list[str],
    how: tuple[int, int, float],
    layer: str | None,
    path: Path,
) -> SaliencyPictures:
    """Score and check every method on fresh samples with masks; draw the first few, with
    the methods that fail a check marked."""
    from kerazoo.interpret._checks import saliency_checks
    from kerazoo.interpret._probe import model_samples
    from kerazoo.interpret._saliency_picture import draw_saliency

    count, seed, tolerance = how
    samples = model_samples(info, count, seed=seed)
    if samples.masks is None:
        raise IncompatibleError(
            f"{option('score')} needs the objects' masks, and the model's dataset "
            f"{info.dataset.name!r} draws none. Score a model trained on a synthetic "
            f"dataset (they all draw masks), or leave {option('score')} out."
        )
    checks = saliency_checks(model, samples, methods, seed=seed, tolerance=tolerance, layer=layer)
    explained = "each one's true class" if info.task.kind == "classification" else "the value"
    heading = (
        f"saliency score on {len(samples)} fresh samples of {info.dataset.name!r} (seed "
        f"{seed}), explaining {explained}; pointing game within {tolerance:g} px of the "
        "mask; (uniform): a flat map's score, (centre): a map peaking at the image's centre; "
        "deletion/insertion: area under the class probability as pixels go to (come from) "
        "a blurred copy in the map's order, (random): in a random order"
    )
    images, masks = samples.images[:PICTURE_COUNT], samples.masks[:PICTURE_COUNT]
    few = slice(0, PICTURE_COUNT)
    drawn = draw_saliency(
        model,
        images,
        path,
        methods,
        masks=masks,
        target=None if checks.target is None else checks.target[few],
        layer=layer,
        failures=checks.failed(),
        maps={m: checks.maps[m][few] for m in methods},  # the checked ones, not drawn again
    )
    return SaliencyPictures(drawn, checks.scores, heading, checks=checks)
