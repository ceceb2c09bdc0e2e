"""Input shift: do the images given to a model look like the ones it was trained on?

A model trained on white circles on black calls a blue circle on white *something*, with
full confidence. The builder measures the training images (:class:`kerazoo.InputStats`:
brightness, background level, contrast, polarity and colour of each image, and how they
spread); :func:`describe_shift` compares a batch of inputs with them and says, in plain
words, what differs; :func:`warn_shift` turns that into one :class:`InputShiftWarning`.

The thresholds come from the training spread itself and are wide on purpose: an image is
*outside* on a feature when it lies beyond the training range by half that range again
(and at least 16 grey levels), and a difference is reported only when more than half of
the batch is outside. Fresh samples of the training dataset never
are; a dark-on-light image given to a model trained on light-on-dark always is.

Example:
    >>> from kerazoo.predict._shift import describe_shift
    >>> info = kerazoo.load_model("runs/circles/model.keras")[1]       # doctest: +SKIP
    >>> describe_shift(info, white_images)                             # doctest: +SKIP
    ['the images are dark on a light background (median grey level 255) but the model was
    trained on light on dark (median grey level 0)', 'mean brightness 240 vs 8 in training
    (1 to 21)']
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from kerazoo.saving._info import ModelInfo
from kerazoo.saving._records import OBJECT_LEVEL, InputStats, Spread, image_features

__all__ = ["InputShiftWarning", "describe_shift", "resized_from", "warn_shift"]

#: Least distance (grey levels) beyond the training range before an image is outside; the
#: margin grows to half the range where that is wider.
MARGIN = 16.0
#: Fewer training images measured than this: their range may miss the dataset's, so the
#: margins widen (the whole range, or 3 standard deviations) and polarity is not judged.
FEW = 100
#: Polarity (-1 dark on light .. 1 light on dark): a training set is one-sided when no
#: measured image is on the other side and the mean is beyond ONE_SIDED; an input is the
#: other way round beyond REVERSED.
ONE_SIDED, REVERSED = 0.9, 0.5
#: Colour (mean spread between a pixel's channels): grey below GREY, colourful above COLOURFUL.
GREY, COLOURFUL = 2.0, 16.0

_RESIZED = re.compile(r"^resized (\d+)x(\d+) -> ")


class InputShiftWarning(UserWarning):
    """The inputs sit far outside the images the model was trained on.

    Its message lists what differs (polarity, brightness, background, contrast, colour,
    and the resizing that may explain it). Silence it with
    ``warnings.simplefilter("ignore", InputShiftWarning)`` or
    ``Predictor.load(path, check_shift=False)``.
    """


@dataclass
class _Finding:
    """What differs, and the input levels a retraining hint needs."""

    differences: list[str] = field(default_factory=list)
    background: float | None = None  # the inputs' median background, when it differs
    foreground: float | None = None  # the inputs' median object level, when it differs


def describe_shift(
    info: ModelInfo,
    images: np.ndarray,
    original_sizes: Sequence[tuple[int, int] | None] | None = None,
) -> list[str]:
    """What differs between ``images`` and the images the model was trained on.

    Args:
        info: the model's metadata; without ``input_stats`` (a file saved before they were
            recorded, a plain Keras file) nothing is compared.
        images: ``uint8 [N, H, W, C]`` as the model receives them (the Predictor's
            canonical batch: resized and converted to the model's channels).
        original_sizes: per image, its ``(height, width)`` before resizing (``None`` for one
            that was not resized), when known; the resizing is then named beside the
            differences it may explain. :func:`resized_from` reads it from a
            Predictor result's notes.

    Returns:
        Plain-language differences, most telling first; empty when the images look like
        the training data.

    Example:
        >>> describe_shift(info, 255 - fresh_images)                   # doctest: +SKIP
        ['the images are dark on a light background (median grey level 255) but ...']
    """
    return _compare(info, images, original_sizes).differences


def warn_shift(
    info: ModelInfo,
    images: np.ndarray,
    *,
    where: str = "predict",
    original_sizes: Sequence[tuple[int, int] | None] | None = None,
    stacklevel: int = 2,
) -> list[str]:
    """Issue one :class:`InputShiftWarning` listing what differs, with what to do.

    Args:
        info: the model's metadata (see :func:`describe_shift`).
        images: ``uint8 [N, H, W, C]`` as the model receives them.
        where: the step that met the images, first word of the message (``"predict"``,
            ``"evaluate"``).
        original_sizes: per image, its ``(height, width)`` before resizing, when known.
        stacklevel: passed to :func:`warnings.warn` (2, the default: the line that calls
            ``warn_shift``; 3: the line that calls that function).

    Returns:
        The differences (:func:`describe_shift`); empty, and no warning, when none.

    Example:
        >>> warn_shift(info, images, where="evaluate")                 # doctest: +SKIP
        ['mean brightness 180 vs 12 in training (3 to 40)']
    """
    found = _compare(info, images, original_sizes)
    if found.differences:
        message = f"{where}: {_message(info, found)}"
        warnings.warn(InputShiftWarning(message), stacklevel=stacklevel)
    return found.differences


def resized_from(notes: Sequence[str]) -> tuple[int, int] | None:
    """The ``(height, width)`` an image had before the Predictor resized it, from its notes.

    Args:
        notes: a Predictor result's notes, e.g. ``("RGB -> grayscale", "resized 240x320 ->
            64x64 (aspect ratio changed)")``.

    Returns:
        ``(240, 320)``; ``None`` when the image was not resized.

    Example:
        >>> resized_from(("resized 240x320 -> 64x64 (aspect ratio changed)",))
        (240, 320)
    """
    for note in notes:
        match = _RESIZED.match(note)
        if match:
            return int(match[1]), int(match[2])
    return None


# -- the comparison ------------------------------------------------------------------------
def _compare(
    info: ModelInfo, images: np.ndarray, sizes: Sequence[tuple[int, int] | None] | None
) -> _Finding:
    stats, images = info.input_stats, np.asarray(images)
    found = _Finding()
    if stats is None or images.ndim != 4 or not len(images):
        return found
    f = image_features(images)
    flip = _polarity(stats, f["polarity"])
    if _enough(flip):
        trained = "light on dark" if stats.polarity.mean > 0 else "dark on light"  # type: ignore[union-attr]
        given = "dark on a light" if stats.polarity.mean > 0 else "light on a dark"  # type: ignore[union-attr]
        found.differences.append(
            f"the images are {given} background (median grey level "
            f"{_median(f['background'], flip):.0f}){_share(flip)} but the model was trained "
            f"on {trained} (median grey level {stats.background.mean:.0f})"
        )
    for name, label in (
        ("background", "background (median grey level)"),
        ("brightness", "mean brightness"),
        ("contrast", "contrast (standard deviation of grey levels)"),
    ):
        out = _outside(getattr(stats, name), f[name], stats.n)
        if _enough(out) and not (name == "background" and _enough(flip)):
            spread = getattr(stats, name)
            found.differences.append(
                f"{label} {_median(f[name], out):.0f}{_share(out)} vs {spread.mean:.0f} in "
                f"training ({spread.low:.0f} to {spread.high:.0f})"
            )
    found.differences += _colour(stats, f["colour"])
    if found.differences:
        if _enough(flip) or _enough(_outside(stats.background, f["background"], stats.n)):
            found.background, found.foreground = _levels(images, f["background"])
        found.differences += _resizing(stats, sizes)
    return found


def _outside(spread: Spread, values: np.ndarray, n: int) -> np.ndarray:
    """Which values lie beyond the training range (of ``n`` images) by a margin: half that
    range or :data:`MARGIN`, whichever is wider (the whole range or 3 standard deviations
    when the images were :data:`FEW`)."""
    margin = max(MARGIN, 0.5 * (spread.high - spread.low))
    if n < FEW:
        margin = max(margin, spread.high - spread.low, 3 * spread.std)
    return (values < spread.low - margin) | (values > spread.high + margin)


def _polarity(stats: InputStats, values: np.ndarray) -> np.ndarray:
    """Which images are the other way round from a one-sided training set."""
    p = stats.polarity
    with np.errstate(invalid="ignore"):  # NaN: no object pixels, neither side
        if p is None or stats.n < FEW:
            return np.zeros(len(values), bool)
        if p.low >= 0 and p.mean >= ONE_SIDED:
            return values < -REVERSED
        if p.high <= 0 and p.mean <= -ONE_SIDED:
            return values > REVERSED
        return np.zeros(len(values), bool)


def _colour(stats: InputStats, values: np.ndarray) -> list[str]:
    if stats.channels < 3:
        return []
    if stats.colour.high <= GREY and _enough(values > COLOURFUL):
        return ["colour images given to a model trained on grey images"]
    if stats.colour.low >= 4 * GREY and _enough(values < GREY):
        return ["grey images given to a model trained on colour images"]
    return []


def _resizing(stats: InputStats, sizes: Sequence[tuple[int, int] | None] | None) -> list[str]:
    """The resizing beside the differences it may explain (never a difference alone:
    datasets such as ``shapes`` draw at any size, and a ``folder`` model was trained on
    resized files)."""
    resized = sorted({s for s in sizes or () if s is not None})
    if not resized:
        return []
    given = f"{resized[0][0]}x{resized[0][1]}"
    if len(resized) > 1:
        given = f"from {given} to {resized[-1][0]}x{resized[-1][1]}"
    trained = f"{stats.height}x{stats.width}"
    return [f"they were {given} (HxW) and are resized to {trained}, the size it was trained on"]


def _enough(out: np.ndarray) -> bool:
    """More than half of the batch: one odd image among many is no shift."""
    return 2 * int(out.sum()) > len(out)


def _median(values: np.ndarray, mask: np.ndarray) -> float:
    return float(np.median(values[mask]))


def _share(mask: np.ndarray) -> str:
    k, n = int(mask.sum()), len(mask)
    return "" if k == n else f" in {k} of {n} images"


def _levels(images: np.ndarray, background: np.ndarray) -> tuple[float, float | None]:
    """The inputs' typical background and object grey levels (for a retraining hint)."""
    grey = images.reshape(len(images), -1, images.shape[-1]).mean(axis=2)
    objects = np.abs(grey - background[:, None]) > OBJECT_LEVEL
    level = float(np.median(grey[objects])) if objects.any() else None
    return float(np.median(background)), level


def _message(info: ModelInfo, found: _Finding) -> str:
    ds, arch = info.dataset, info.architecture
    trained_on = f" (dataset '{ds.name}')" if ds is not None else ""
    text = (
        f"these images do not look like the ones the model was trained on{trained_on}: "
        f"{'; '.join(found.differences)}. Its predictions on them can be confidently wrong."
    )
    hint = ""
    if ds is not None:
        text += f" Compare with the training images ('kerazoo data preview {ds.name}')"
        options = ds.options
        if found.background is not None and "background" in options and "foreground" in options:
            flags = f"--data background={found.background:.0f}"
            if found.foreground is not None:
                flags += f" --data foreground={found.foreground:.0f}"
            hint = f"'kerazoo train {ds.name} {arch.name if arch else 'ARCH'} {flags}'"
        text += f", or retrain on images like these{' (' + hint + ')' if hint else ''}"
        text += " and measure the result with 'kerazoo evaluate'."
    else:
        text += " Retrain on images like these, and measure the result with 'kerazoo evaluate'."
    return text
