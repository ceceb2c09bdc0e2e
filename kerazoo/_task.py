"""What a dataset asks a network to do, and what a network takes in. Plain Python, no keras."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from kerazoo._errors import InvalidOptionError

__all__ = ["TASK_KINDS", "InputSpec", "Task"]

TASK_KINDS = ("classification", "regression", "reconstruction")
DATA_FORMATS = ("channels_last", "channels_first")


@dataclass(frozen=True)
class Task:
    """The meaning of a dataset's labels.

    Use the constructors rather than the fields:

    >>> Task.classification(["circle", "square"]).num_classes
    2
    >>> Task.regression(1, 5, integer=True).value_range
    (1.0, 5.0)
    """

    kind: str
    class_names: tuple[str, ...] = ()
    value_range: tuple[float, float] | None = None
    integer: bool = False

    def __post_init__(self) -> None:
        if self.kind not in TASK_KINDS:
            raise InvalidOptionError(
                f"Unknown task kind {self.kind!r}. Valid kinds: {', '.join(TASK_KINDS)}."
            )
        if self.kind == "classification":
            names = tuple(str(n) for n in self.class_names)
            if len(names) < 2:
                raise InvalidOptionError(
                    f"A classification task needs at least 2 class names, got {list(names)}."
                )
            if len(set(names)) != len(names):
                raise InvalidOptionError(f"Class names must be unique, got {list(names)}.")
            object.__setattr__(self, "class_names", names)
        if self.value_range is not None:
            lo, hi = (float(v) for v in self.value_range)
            object.__setattr__(self, "value_range", (lo, hi))

    @classmethod
    def classification(cls, class_names: list[str] | tuple[str, ...]) -> Task:
        """A task whose labels are class indices into ``class_names``."""
        return cls("classification", tuple(class_names))

    @classmethod
    def regression(cls, low: float, high: float, integer: bool = False) -> Task:
        """A task whose labels are numbers in ``[low, high]`` (``integer`` for counts).

        ``[low, high]`` is the range of the data, not a limit on predictions: see
        :attr:`bounds`."""
        return cls("regression", value_range=(low, high), integer=integer)

    @classmethod
    def reconstruction(cls) -> Task:
        """A task whose target is the input image itself."""
        return cls("reconstruction")

    @property
    def bounds(self) -> tuple[float, float]:
        """The values the quantity can take at all, whatever the data trained on: a count
        (an integer task whose range starts at 0 or above) is never negative; any other
        value is unbounded. Predictions are kept inside these bounds, never inside
        ``value_range`` (a model may extrapolate beyond the counts it was trained on).

        >>> Task.regression(1, 5, integer=True).bounds
        (0.0, inf)
        >>> Task.regression(-1, 1).bounds
        (-inf, inf)
        """
        lo = self.value_range[0] if self.value_range else -math.inf
        if self.kind == "regression" and self.integer and lo >= 0:
            return (0.0, math.inf)
        return (-math.inf, math.inf)

    @property
    def num_classes(self) -> int:
        """Number of classes (0 unless classification)."""
        return len(self.class_names)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as written into ``kerazoo.json``."""
        out: dict[str, Any] = {"kind": self.kind}
        if self.kind == "classification":
            out["class_names"] = list(self.class_names)
        if self.kind == "regression":
            out["value_range"] = list(self.value_range) if self.value_range else None
            out["integer"] = self.integer
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Task:
        """Inverse of :meth:`to_dict`; extra keys (encoding, output) are ignored."""
        vr = data.get("value_range")
        return cls(
            data["kind"],
            tuple(data.get("class_names") or ()),
            tuple(vr) if vr else None,
            bool(data.get("integer", False)),
        )


@dataclass(frozen=True)
class InputSpec:
    """The input contract of a model: raw pixels of this shape, layout and dtype."""

    height: int
    width: int
    channels: int
    data_format: str = "channels_last"
    dtype: str = field(default="uint8")

    def __post_init__(self) -> None:
        if self.data_format not in DATA_FORMATS:
            raise InvalidOptionError(
                f"Unknown data_format {self.data_format!r}. Valid: {', '.join(DATA_FORMATS)}."
            )
        for side in ("height", "width", "channels"):
            if int(getattr(self, side)) < 1:
                raise InvalidOptionError(f"InputSpec.{side} must be >= 1.")

    @property
    def shape(self) -> tuple[int, int, int]:
        """The per-image shape in this spec's layout (no batch axis)."""
        if self.data_format == "channels_first":
            return (self.channels, self.height, self.width)
        return (self.height, self.width, self.channels)

    def with_format(self, data_format: str) -> InputSpec:
        """The same spec in another layout."""
        return InputSpec(self.height, self.width, self.channels, data_format, self.dtype)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as written into ``kerazoo.json``."""
        return {
            "height": self.height,
            "width": self.width,
            "channels": self.channels,
            "data_format": self.data_format,
            "dtype": self.dtype,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InputSpec:
        """Inverse of :meth:`to_dict`."""
        return cls(
            int(data["height"]),
            int(data["width"]),
            int(data["channels"]),
            data.get("data_format", "channels_last"),
            data.get("dtype", "uint8"),
        )
