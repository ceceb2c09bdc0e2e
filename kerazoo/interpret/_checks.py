"""Every check of every saliency method at once, on one set of images with masks: what
``kerazoo look saliency --score`` prints.

Per method: the pointing game and the share inside the mask (:mod:`._score`, with a flat
map's and a centre point's scores beside them), deletion and insertion against a random
order (:mod:`._faithfulness`), and the cascading randomisation test (:mod:`._randomisation`)
on the first ``randomise`` images. Grad-CAM is also scored on every convolution, to say which
one localises best. The images are prepared once and every sub-model runs compiled, so the
methods share the work.

Example:
    >>> checks = saliency_checks("zoo:lenet-shapes", n=100)          # doctest: +SKIP
    >>> print("\\n".join(checks.lines()))                              # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kerazoo._errors import DataError, InvalidOptionError, option, unknown_choice
from kerazoo.interpret._faithfulness import STEPS
from kerazoo.interpret._methods import SALIENCY_METHODS

__all__ = ["RANDOMISE_COUNT", "SaliencyChecks", "saliency_checks"]

#: Images the randomisation test compares by default (it draws every method's maps again
#: once per layer with weights: the costliest check).
RANDOMISE_COUNT = 16


@dataclass
class SaliencyChecks:
    """What :func:`saliency_checks` measured.

    Attributes:
        scores: per method, a :class:`~kerazoo.interpret.SaliencyScore` with every check.
        gradcam_layers: Grad-CAM's ``(pointing game, share inside mask)`` per convolution
            (when Grad-CAM was checked).
        n: images scored; ``randomised``: of them, compared by the randomisation test.
        seconds: wall time of the whole check.
        maps: per method, the trained model's ``[N, H, W]`` maps that were checked.
        target: the class explained per image (``None``: the model's value).
    """

    scores: list[Any]
    gradcam_layers: dict[str, tuple[float, float]] = field(default_factory=dict)
    n: int = 0
    randomised: int = 0
    seconds: float = 0.0
    maps: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    target: list[int] | None = None

    @property
    def best_layer(self) -> str | None:
        """The convolution whose Grad-CAM localises best: highest pointing game, then share."""
        if not self.gradcam_layers:
            return None
        return max(self.gradcam_layers, key=lambda name: self.gradcam_layers[name])

    def failed(self) -> dict[str, list[str]]:
        """Per method that fails a check: the checks it fails."""
        return {s.method: s.failures for s in self.scores if s.failures}

    def lines(self) -> list[str]:
        """The tables as printed: scores and verdicts, the cascade, Grad-CAM per layer."""
        from kerazoo.interpret._score import RANDOMISED_LIMIT, cascade_table, score_table

        out = [score_table(self.scores)]
        out.append(
            f"passes: deletion area below the random order's, insertion area above it, rank "
            f"correlation < {RANDOMISED_LIMIT} after randomising the logits layer "
            f"(rank corr, on {self.randomised} of the images). A method that passes is not "
            "proven faithful; one that fails does not explain this model."
        )
        cascade = cascade_table(self.scores)
        if cascade:
            out += [
                "rank correlation with the trained maps, layers randomised from the top "
                "down to the one named:",
                cascade,
            ]
        if self.gradcam_layers:
            cells = ", ".join(
                f"{name} {p:.3f} / {s:.3f}" for name, (p, s) in self.gradcam_layers.items()
            )
            out.append(
                f"Grad-CAM per layer (pointing game / share inside mask): {cells}; "
                f"localises best: {self.best_layer}"
            )
        out.append(f"checked {self.n} images in {self.seconds:.1f} s")
        return out


def saliency_checks(
    model: Any,
    samples: Any = None,
    methods: Sequence[str] | None = None,
    n: int = 100,
    seed: int = 1,
    tolerance: float = 1.0,
    layer: str | None = None,
    steps: int = STEPS,
    randomise: int = RANDOMISE_COUNT,
    batch_size: int = 128,
) -> SaliencyChecks:
    """Score and check each saliency method on images whose objects are marked by masks.

    Args:
        model: a model made by :func:`kerazoo.build`, a saved ``.keras`` file or a run folder.
        samples: :class:`kerazoo.Samples` with masks; default: ``n`` fresh samples of the
            model's own dataset (drawn with ``seed``).
        methods: of :data:`SALIENCY_METHODS` (default: all).
        n, seed: how many fresh samples, and their seed (also the random order's).
        tolerance: the pointing game's tolerance in pixels.
        layer: Grad-CAM's layer for the table (default: the last convolution).
        steps: parts the deletion and insertion curves take the pixels in.
        randomise: images the randomisation test compares (0: skip it).
        batch_size: images per gradient (forward passes take four times as many).

    Returns:
        A :class:`SaliencyChecks`; ``.lines()`` is what the command line prints. The class
        explained is each sample's true class (a classifier), else the model's value.

    Raises:
        UnknownNameError: an unknown method.
        InvalidOptionError: ``n``, ``steps`` below 1, or ``randomise`` below 0.
        DataError: samples without object masks.

    Example:
        >>> checks = saliency_checks("runs/shapes-lenet", methods=["gradcam"], n=50)
        ... # doctest: +SKIP
        >>> checks.scores[0].verdict                                     # doctest: +SKIP
        'passes'
    """
    from kerazoo.interpret import _probe as probe
    from kerazoo.interpret._attribution import method_maps, prepare
    from kerazoo.interpret._faithfulness import deletion_insertion
    from kerazoo.interpret._randomisation import randomisation
    from kerazoo.interpret._score import SaliencyScore, score_maps

    start = time.perf_counter()
    methods = list(methods or SALIENCY_METHODS)
    for method in methods:
        if method not in SALIENCY_METHODS:
            raise unknown_choice("method", method, SALIENCY_METHODS)
    for name, value, low in (("n", n, 1), ("steps", steps, 1), ("randomise", randomise, 0)):
        if int(value) < low:
            raise InvalidOptionError(f"{option(name, value)} must be at least {low}.")
    model, info = probe.load(model)
    samples = samples if samples is not None else probe.model_samples(info, n, seed=seed)
    if getattr(samples, "masks", None) is None:
        raise DataError(
            "Checking saliency needs images with object masks (samples.masks), and these "
            "samples have none. Leave samples out to draw fresh samples of the model's own "
            "dataset (every synthetic dataset draws masks; 'folder' does not)."
        )
    target = _cued(samples, info)
    setup = prepare(model, samples.images, target, batch_size)

    def draw(on: Any, method: str) -> np.ndarray:
        return method_maps(on, method, layer=layer)

    maps = {m: draw(setup, m) for m in methods}
    curves = deletion_insertion(setup, maps, steps=steps, seed=seed)
    count = min(randomise, len(samples.images))
    cascade = randomisation(setup, maps, draw, count, seed=seed) if count else {}
    scores = []
    for m in methods:
        located = score_maps(maps[m], samples.masks, tolerance)
        c, r = curves[m], curves["random"]
        scores.append(
            SaliencyScore(
                m, len(maps[m]), tolerance=tolerance, **located,
                deletion=c.deletion, insertion=c.insertion,
                random_deletion=r.deletion, random_insertion=r.insertion,
                randomisation=cascade.get(m),
            )
        )  # fmt: skip
    layers = _gradcam_layers(setup, samples.masks, tolerance) if "gradcam" in methods else {}
    elapsed = time.perf_counter() - start
    return SaliencyChecks(scores, layers, len(samples.images), count, elapsed, maps, target)


def _gradcam_layers(setup: Any, masks: Any, tolerance: float) -> dict[str, tuple[float, float]]:
    """Grad-CAM's pointing game and share inside the mask on every convolution."""
    from kerazoo.interpret._attribution import method_maps
    from kerazoo.interpret._score import score_maps

    out = {}
    for name in _conv_layers(setup.model):
        located = score_maps(method_maps(setup, "gradcam", layer=name), masks, tolerance)
        out[name] = (located["pointing_game"], located["inside_share"])
    return out


def _cued(samples: Any, info: Any) -> list[int] | None:
    """The class to explain: each sample's true class (the pointing game's cued category)."""
    labels = getattr(samples, "labels", None)
    if labels is None or info.task.kind != "classification":
        return None
    return np.asarray(labels).astype(np.int64).tolist()


def _conv_layers(model: Any) -> list[str]:
    from kerazoo.interpret import _probe as probe

    return [n for n in probe.feature_layers(model) if "Conv" in type(model.get_layer(n)).__name__]
