"""The parts of a model's metadata besides its task and input: where its data and body came
from, and what training recorded. Plain Python; :class:`kerazoo.ModelInfo` holds them.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ArchitectureInfo",
    "DatasetInfo",
    "InputStats",
    "Spread",
    "TrainingInfo",
    "image_features",
]


@dataclass(frozen=True)
class DatasetInfo:
    """Where the training data came from: enough to make the same data again.

    Args:
        name: the registered dataset name.
        options: the dataset's options (JSON-ready).
        seed: the seed the data was made from (``None`` when unknown).
        plugin: the package that provided the dataset, e.g. ``"kerazoo 0.1.0"``.
    """

    name: str
    options: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None
    plugin: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as written into ``kerazoo.json``."""
        return {
            "name": self.name,
            "options": copy.deepcopy(self.options),
            "seed": self.seed,
            "plugin": self.plugin,
        }


@dataclass(frozen=True)
class ArchitectureInfo:
    """The architecture a model's body came from.

    Args:
        name: the registered architecture name.
        hyperparameters: its hyperparameters (JSON-ready).
        plugin: the package that provided it, e.g. ``"kerazoo 0.1.0"``.
    """

    name: str
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    plugin: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as written into ``kerazoo.json``."""
        return {
            "name": self.name,
            "hyperparameters": copy.deepcopy(self.hyperparameters),
            "plugin": self.plugin,
        }


@dataclass(frozen=True)
class TrainingInfo:
    """What training recorded: progress, the last and best metrics, the per-epoch history.

    Every field may be missing from a file (hand-made metadata records only some); the dict
    form leaves out what is ``None`` or empty.

    Args:
        epochs: epochs completed.
        epochs_planned: epochs the run was asked for.
        batch_size: images per batch.
        learning_rate: the rate used (``None``: the optimizer's default).
        metrics: the last epoch's values, ``{"val_accuracy": 0.99, ...}``.
        best: ``{"monitor": "val_accuracy", "value": 0.995}``: the best epoch's value.
        history: per-epoch values, ``{"loss": [...], ...}``.

    Example:
        >>> TrainingInfo(epochs=2, history={"loss": [0.9, 0.5]}).to_dict()
        {'epochs': 2, 'history': {'loss': [0.9, 0.5]}}
    """

    epochs: int | None = None
    epochs_planned: int | None = None
    batch_size: int | None = None
    learning_rate: float | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    best: dict[str, Any] | None = None
    history: dict[str, list[float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as written into ``kerazoo.json``."""
        out = {f.name: copy.deepcopy(getattr(self, f.name)) for f in dataclasses.fields(self)}
        return {k: v for k, v in out.items() if v is not None and v != {}}


#: The per-image features that :class:`InputStats` summarises, in the order they are listed.
FEATURES = ("brightness", "background", "contrast", "polarity", "colour")
#: A pixel belongs to an object when its grey level is this far from the background's.
OBJECT_LEVEL = 32.0
#: At most this many training images are measured (evenly spaced through the set).
STATS_SAMPLES = 2000


@dataclass(frozen=True)
class Spread:
    """How one per-image feature spreads over the training images.

    Args:
        mean: the mean over the images.
        std: the standard deviation over the images.
        low: the smallest value met.
        high: the largest value met.
    """

    mean: float
    std: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Any) -> Spread | None:
        """The spread of a 1-D array (NaNs skipped); ``None`` when no value is finite."""
        import numpy as np

        v = np.asarray(values, dtype=np.float64)
        v = v[np.isfinite(v)]
        if not len(v):
            return None
        return cls(*(_round(x) for x in (v.mean(), v.std(), v.min(), v.max())))

    def to_dict(self) -> dict[str, float]:
        """JSON-ready form: ``{"mean", "std", "low", "high"}``."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class InputStats:
    """What the training images looked like: the yardstick of the input-shift check.

    Grey levels are the mean over the channels, 0..255. Per image: ``brightness`` is the
    mean grey level, ``background`` the median grey level of the image's outer frame,
    ``contrast`` the standard deviation of its grey levels, ``polarity`` (from -1 to 1)
    whether the object pixels (those more than :data:`OBJECT_LEVEL` from the background)
    are brighter (+1) or darker (-1) than the background (``None``: no image had object
    pixels), ``colour`` the mean spread between the channels of a pixel (0 for grey).

    Args:
        n: how many training images were measured.
        height, width, channels: their size.
        mean: the per-channel mean pixel value.
        std: the per-channel standard deviation of the pixel values.
        brightness, background, contrast, polarity, colour: :class:`Spread` of each
            per-image feature over the images.

    Example:
        >>> import numpy as np
        >>> images = np.zeros((4, 8, 8, 1), np.uint8); images[:, 2:5, 2:5] = 255
        >>> s = InputStats.measure(images)
        >>> s.background.mean, s.polarity.low, s.brightness.high
        (0.0, 1.0, 35.859)
    """

    n: int
    height: int
    width: int
    channels: int
    mean: tuple[float, ...]
    std: tuple[float, ...]
    brightness: Spread
    background: Spread
    contrast: Spread
    polarity: Spread | None
    colour: Spread

    @classmethod
    def measure(cls, images: Any, limit: int = STATS_SAMPLES) -> InputStats:
        """Measure ``uint8 [N, H, W, C]`` training images (at most ``limit``, evenly spaced).

        Args:
            images: the training images, channels last.
            limit: the most images measured.

        Returns:
            Their statistics.

        Example:
            >>> import numpy as np
            >>> InputStats.measure(np.zeros((2, 4, 4, 3), np.uint8)).mean
            (0.0, 0.0, 0.0)
        """
        import numpy as np

        images = np.asarray(images)
        if len(images) > limit:
            images = images[np.linspace(0, len(images) - 1, limit).round().astype(int)]
        pixels = images.reshape(-1, images.shape[-1]).astype(np.float64)
        f = image_features(images)
        n, h, w, c = images.shape
        return cls(
            n=int(n),
            height=int(h),
            width=int(w),
            channels=int(c),
            mean=tuple(_round(x) for x in pixels.mean(axis=0)),
            std=tuple(_round(x) for x in pixels.std(axis=0)),
            **{k: Spread.of(f[k]) for k in FEATURES},  # type: ignore[arg-type]
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as written into ``kerazoo.json`` under ``input_stats``."""
        out: dict[str, Any] = {
            "n": self.n,
            "height": self.height,
            "width": self.width,
            "channels": self.channels,
            "mean": list(self.mean),
            "std": list(self.std),
        }
        for k in FEATURES:
            spread = getattr(self, k)
            out[k] = None if spread is None else spread.to_dict()
        return out


def image_features(images: Any) -> dict[str, Any]:
    """The per-image features :class:`InputStats` summarises, for ``uint8 [N, H, W, C]``.

    Args:
        images: channels-last images.

    Returns:
        ``{feature: float64 [N]}`` for every name in :data:`FEATURES` (``polarity`` is NaN
        for an image with no object pixels).

    Example:
        >>> import numpy as np
        >>> image_features(np.full((1, 4, 4, 1), 9, np.uint8))["brightness"]
        array([9.])
    """
    import numpy as np

    images = np.asarray(images)
    n = len(images)
    grey = images.reshape(n, -1, images.shape[-1]).astype(np.float32)
    colour = np.ptp(grey, axis=2).mean(axis=1) if grey.shape[2] > 1 else np.zeros(n)
    grey = grey.mean(axis=2).reshape(images.shape[:3])
    median = np.median(_border(grey), axis=1)
    grey = grey.reshape(n, -1)
    offset = grey - median[:, None]
    bright = (offset > OBJECT_LEVEL).sum(axis=1)
    dark = (offset < -OBJECT_LEVEL).sum(axis=1)
    objects = bright + dark
    with np.errstate(invalid="ignore", divide="ignore"):
        polarity = np.where(objects > 0, (bright - dark) / objects, np.nan)
    return {
        "brightness": grey.mean(axis=1, dtype=np.float64),
        "background": median.astype(np.float64),
        "contrast": grey.std(axis=1, dtype=np.float64),
        "polarity": polarity.astype(np.float64),
        "colour": colour.astype(np.float64),
    }


def _border(grey: Any) -> Any:
    """``[N, K]``: the pixels of each ``[N, H, W]`` image's outer frame, 1/16 of the shorter
    side wide (at least 1 pixel): where the background shows, however large the object."""
    import numpy as np

    h, w = grey.shape[1:]
    r = max(1, min(h, w) // 16)
    if 2 * r >= min(h, w):
        return grey.reshape(len(grey), -1)
    frame = np.ones((h, w), bool)
    frame[r:-r, r:-r] = False
    return grey[:, frame]


def _round(x: Any) -> float:
    """A float rounded to 3 decimals: the JSON stays small and readable."""
    return round(float(x), 3)
