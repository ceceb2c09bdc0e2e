"""How well saliency maps find the object: the pointing game and the share inside the mask.

For images whose objects are marked by masks (every synthetic dataset draws them):

* **pointing game** (Zhang et al. 2016): a hit when the map's strongest pixel lies on the
  object, or within ``tolerance`` pixels of it (Euclidean). Zhang et al. allow 15 px on
  ~224 px images (about 7% of the side); kerazoo's default is 1 px, because its images are
  small (32-64 px) and the objects large, and because gradient maps peak on an object's
  edge, where one pixel decides between in and out. When several pixels share the maximum,
  the hit counts as the share of them that are on the object (the expected hit of picking
  one at random), so a flat map scores the chance level.
* **share inside the mask**: the map's total inside the mask over its total (maps are
  non-negative); a map that is zero everywhere counts as a flat one.

Each comes with its **uniform baseline**, the score of a flat map: the mean share of the
image that the (tolerance-grown) mask covers. A method that knows nothing scores that. The
pointing game also has a **centre baseline** (as TorchRay reports): a map whose strongest
point is the image's centre, which hits whenever the object covers the middle (the central
pixel, or the share of the 2 or 4 central pixels of an even side, within the tolerance).

Example:
    >>> result = saliency_score("runs/shapes-lenet", method="gradcam", n=100)  # doctest: +SKIP
    >>> result.pointing_game > result.uniform_pointing                       # doctest: +SKIP
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from kerazoo._errors import DataError, InvalidOptionError, option

__all__ = [
    "RANDOMISED_LIMIT",
    "SaliencyScore",
    "cascade_table",
    "saliency_score",
    "score_maps",
    "score_table",
]

#: Pixels within one part in a million of a map's maximum count as tied for it.
_TIE = 1e-6

#: The randomisation test fails a method whose maps keep a mean rank correlation of this
#: or more with the trained model's once the logits layer is re-initialised.
RANDOMISED_LIMIT = 0.5


@dataclass(frozen=True)
class SaliencyScore:
    """One method's scores against object masks, with the flat map's scores beside them.

    Attributes:
        method: the saliency method.
        n: images scored.
        pointing_game: hit rate of the strongest pixel (within ``tolerance`` px of the mask).
        inside_share: mean share of the map's total that lies inside the mask.
        uniform_pointing: a flat map's pointing game (the grown masks' mean area fraction).
        uniform_share: a flat map's share inside the mask (the masks' mean area fraction).
        tolerance: the pointing game's tolerance, in pixels.
    """

    method: str
    n: int
    pointing_game: float
    inside_share: float
    uniform_pointing: float
    uniform_share: float
    tolerance: float
    centre_pointing: float | None = None
    deletion: float | None = None
    insertion: float | None = None
    random_deletion: float | None = None
    random_insertion: float | None = None
    randomisation: dict[str, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The scores as a JSON-ready dict (with ``failures``)."""
        return {**asdict(self), "failures": self.failures}

    @property
    def failures(self) -> list[str]:
        """The checks this method fails (measured ones only): ``deletion`` (not below the
        random order's), ``insertion`` (not above it), ``randomisation`` (rank correlation
        of :data:`RANDOMISED_LIMIT` or more after the top layer is re-initialised)."""
        failed = []
        if self.deletion is not None and not self.deletion < (self.random_deletion or 0):
            failed.append("deletion")
        if self.insertion is not None and not self.insertion > (self.random_insertion or 0):
            failed.append("insertion")
        top = next(iter(self.randomisation.values()), None) if self.randomisation else None
        if top is not None and not top < RANDOMISED_LIMIT:
            failed.append("randomisation")
        return failed

    @property
    def verdict(self) -> str:
        """``passes`` or ``FAILS <checks>`` (``-`` when no check was measured)."""
        if self.deletion is None and self.randomisation is None:
            return "-"
        return "FAILS " + ",".join(self.failures) if self.failures else "passes"


def score_maps(maps: Any, masks: Any, tolerance: float = 1) -> dict[str, float]:
    """Pointing game and share inside the mask of ``maps`` against ``masks``, averaged.

    Args:
        maps: non-negative ``[N, H, W]`` saliency maps.
        masks: ``bool [N, H, W]`` object masks.
        tolerance: a pointing hit may lie this many pixels (Euclidean) outside the mask.

    Returns:
        ``{"pointing_game", "inside_share", "uniform_pointing", "uniform_share",
        "centre_pointing"}``.

    Raises:
        DataError: maps and masks of different shapes, negative or non-finite maps.

    Example:
        >>> masks = np.zeros((1, 4, 4), bool); masks[0, :2, :2] = True
        >>> score_maps(np.ones((1, 4, 4)), masks, tolerance=0)["pointing_game"]
        0.25
    """
    from skimage.morphology import isotropic_dilation

    maps, masks = np.asarray(maps, np.float64), np.asarray(masks, bool)
    if maps.ndim != 3 or maps.shape != masks.shape:
        raise DataError(
            f"Maps and masks must both be [N, H, W] of one shape; got {maps.shape} and "
            f"{masks.shape}."
        )
    if not np.all(np.isfinite(maps)) or np.any(maps < 0):
        raise DataError("Saliency maps must be finite and non-negative to be scored.")
    if tolerance < 0:
        raise InvalidOptionError(f"{option('tolerance', tolerance)} must be 0 or more pixels.")
    near = np.stack([isotropic_dilation(m, tolerance) if tolerance else m for m in masks])
    top = maps >= (maps.max(axis=(1, 2), keepdims=True) * (1 - _TIE))
    pointing = (top & near).sum(axis=(1, 2)) / top.sum(axis=(1, 2))
    totals = maps.sum(axis=(1, 2))
    area = masks.mean(axis=(1, 2))
    inside = np.where(
        totals > 0, (maps * masks).sum(axis=(1, 2)) / np.where(totals > 0, totals, 1), area
    )
    return {
        "pointing_game": float(pointing.mean()),
        "inside_share": float(inside.mean()),
        "uniform_pointing": float(near.mean()),
        "uniform_share": float(area.mean()),
        "centre_pointing": float(near[:, _centre(maps.shape[1]), _centre(maps.shape[2])].mean()),
    }


def _centre(size: int) -> slice:
    """The central pixel of a side, or the two central ones of an even side."""
    return slice((size - 1) // 2, size // 2 + 1)


def saliency_score(
    model: Any,
    samples: Any = None,
    method: str = "gradcam",
    n: int = 100,
    seed: int = 1,
    tolerance: float = 1,
    **options: Any,
) -> SaliencyScore:
    """Score a saliency method by how well its maps find the objects in images with masks.

    Args:
        model: a model made by :func:`kerazoo.build`, a saved ``.keras`` file or a run folder.
        samples: :class:`kerazoo.Samples` with masks; default: ``n`` fresh samples of the
            model's own dataset (drawn with ``seed``).
        method: one of :data:`SALIENCY_METHODS`.
        n: how many fresh samples to draw when ``samples`` is not given.
        seed: the fresh samples' seed.
        tolerance: the pointing game's tolerance in pixels (see the module's notes).
        options: passed to :func:`kerazoo.interpret.saliency` (``layer``,
            ``samples`` is spelled ``smooth_samples`` here, ...). The target defaults to the
            true class of each sample when the samples have class labels (the pointing
            game's "cued category"), else the predicted one.

    Returns:
        A :class:`SaliencyScore` (``.to_dict()`` for JSON).

    Raises:
        DataError: samples without object masks.
        IncompatibleError: a model whose metadata names no dataset, and no samples given.

    Example:
        >>> saliency_score("runs/shapes-lenet", method="smoothgrad", n=50).to_dict()
        ... # doctest: +SKIP
    """
    from kerazoo.interpret import _probe as probe
    from kerazoo.interpret._attribution import saliency

    model, info = probe.load(model)
    if samples is None:
        if n < 1:
            raise InvalidOptionError(f"{option('n', n)} must be at least 1 image.")
        samples = probe.model_samples(info, n, seed=seed)
    if getattr(samples, "masks", None) is None or getattr(samples, "images", None) is None:
        raise DataError(
            "Scoring saliency needs images with object masks (samples.masks), and these "
            f"samples have none ({type(samples).__name__}). Leave samples out to draw "
            "fresh samples of the model's own dataset, or pass kerazoo Samples from a "
            "dataset that draws masks (every synthetic dataset does; 'folder' does not)."
        )
    if "smooth_samples" in options:
        options["samples"] = options.pop("smooth_samples")
    labels = getattr(samples, "labels", None)
    if "target" not in options and labels is not None and info.task.kind == "classification":
        options["target"] = np.asarray(labels).astype(np.int64).tolist()
    maps = saliency(model, samples.images, method, **options)
    scores = score_maps(maps, samples.masks, tolerance)
    return SaliencyScore(method, len(maps), tolerance=tolerance, **scores)


def score_table(scores: Sequence[SaliencyScore]) -> str:
    """A plain-text table, one row per method: the pointing game beside a flat map's and a
    centre point's, the share inside the mask beside a flat map's, the deletion and insertion
    areas beside a random order's, the rank correlation once the logits are randomised, and
    whether the method passes those checks (``-``: not measured).

    Example:
        >>> print(score_table([SaliencyScore("gradcam", 10, 0.9, 0.6, 0.3, 0.25, 1)]))
        ... # doctest: +SKIP
    """
    header = ["method", "pointing", "(uniform)", "(centre)", "in mask", "(uniform)"]
    header += ["deletion", "(random)", "insertion", "(random)", "rank corr", " check"]
    widths = [max(11, *(len(s.method) for s in scores))] + [len(h) for h in header[1:]]
    widths = [max(w, 8) if 0 < i < len(header) - 1 else w for i, w in enumerate(widths)]

    def row(cells: list[str]) -> str:
        first, *rest = cells
        return (
            f"{first:<{widths[0]}} "
            + " ".join(f"{c:>{w}}" for c, w in zip(rest[:-1], widths[1:-1], strict=True))
            + f"  {rest[-1]}"
        )

    lines = [row(header[:-1] + ["check"])]
    for s in scores:
        top = next(iter(s.randomisation.values())) if s.randomisation else None
        numbers = [s.pointing_game, s.uniform_pointing, s.centre_pointing, s.inside_share]
        numbers += [s.uniform_share, s.deletion, s.random_deletion, s.insertion]
        numbers += [s.random_insertion, top]
        lines.append(row([s.method, *(_cell(v) for v in numbers), s.verdict]))
    return "\n".join(lines)


def cascade_table(scores: Sequence[SaliencyScore]) -> str:
    """Rank correlation with the trained model's maps as the cascade re-initialises the
    layers from the top down: one row per method, one column per layer (randomised down to
    and including it). Empty when the randomisation test was not run."""
    measured = [s for s in scores if s.randomisation]
    if not measured:
        return ""
    layers = list(measured[0].randomisation)  # type: ignore[arg-type]
    first = max(11, *(len(s.method) for s in measured))
    widths = [max(6, len(name)) for name in layers]
    lines = [
        f"{'method':<{first}} " + " ".join(f"{n:>{w}}" for n, w in zip(layers, widths, strict=True))
    ]
    for s in measured:
        cells = (f"{s.randomisation[n]:>{w}.2f}" for n, w in zip(layers, widths, strict=True))  # type: ignore[index]
        lines.append(f"{s.method:<{first}} " + " ".join(cells))
    return "\n".join(lines)


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
