"""The parts of a model's metadata besides its task and input: where its data and body came
from, and what training recorded. Plain Python; :class:`kerazoo.ModelInfo` holds them.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ArchitectureInfo", "DatasetInfo", "TrainingInfo"]


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
