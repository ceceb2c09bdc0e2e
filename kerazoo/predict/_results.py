"""What a prediction gives back: a class, a value or an image, with where it came from.

Every result prints as one readable line and turns into JSON (``kerazoo predict --json``).
Text read from files (class names, paths) is data: the line escapes control characters,
the JSON keeps them exact.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kerazoo._files import atomic_file
from kerazoo._naming import printable

__all__ = ["ClassPrediction", "ImagePrediction", "Prediction", "ValuePrediction"]


@dataclass(frozen=True, kw_only=True)
class Prediction:
    """One input's result: where it came from and what was done to fit the model."""

    source: str
    notes: tuple[str, ...] = ()

    def _text(self) -> str:
        raise NotImplementedError

    def __str__(self) -> str:
        """One readable line; control characters (from class names, paths) escaped."""
        tail = f"  [{'; '.join(self.notes)}]" if self.notes else ""
        return printable(f"{self.source}: {self._text()}{tail}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of every field."""
        out = asdict(self)
        out["notes"] = list(self.notes)
        return out

    def to_json(self) -> str:
        """One line of JSON (what ``kerazoo predict --json`` prints)."""
        return json.dumps(self.to_dict())


@dataclass(frozen=True, kw_only=True)
class ClassPrediction(Prediction):
    """A class label with its probability, and the ``top_k`` (label, probability) pairs."""

    label: str
    score: float
    index: int
    top_k: tuple[tuple[str, float], ...] = field(default=())

    def _text(self) -> str:
        return ", ".join(f"{name} ({p:.3f})" for name, p in self.top_k)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["top_k"] = [{"label": n, "score": p} for n, p in self.top_k]
        return out


@dataclass(frozen=True, kw_only=True)
class ValuePrediction(Prediction):
    """A regression value: for integer tasks (counts) rounded, and kept inside the task's own
    bounds (a count is >= 0), never clipped to the trained range; ``raw_value`` as output."""

    value: float
    raw_value: float

    def _text(self) -> str:
        if isinstance(self.value, int):
            return f"{self.value} (raw {self.raw_value:.3f})"
        return f"{self.value:.4g}"


@dataclass(frozen=True, kw_only=True)
class ImagePrediction(Prediction):
    """A reconstructed image, ``uint8 [H, W, C]``."""

    image: np.ndarray = field(repr=False)

    def _text(self) -> str:
        return "reconstructed image " + "x".join(str(d) for d in self.image.shape)

    def save(self, path: str | os.PathLike[str], overwrite: bool = True) -> Path:
        """Write the image as a PNG (written to a temporary name, then renamed).

        Args:
            path: the file to write.
            overwrite: replace an existing file there; with False an existing file is an
                :class:`~kerazoo.OutputError` and is left as it is.

        Returns:
            The path written.

        Example:
            >>> result.save("reconstructed/a.png")                     # doctest: +SKIP
        """
        from PIL import Image

        pixels = self.image[..., 0] if self.image.shape[-1] == 1 else self.image
        picture = Image.fromarray(np.ascontiguousarray(pixels))
        return atomic_file(path, lambda tmp: picture.save(tmp, format="PNG"), overwrite)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["image"] = self.image.tolist()
        out["shape"] = list(self.image.shape)
        return out
