"""kerazoo: a plugin-based Keras 3 model zoo for small vision experiments.

The public API is what ``__all__`` lists. Importing kerazoo imports neither keras nor any
plugin: plugins load on the first lookup, and keras when a model is built or loaded.

Example:
    >>> import kerazoo
    >>> kerazoo.list_datasets()                                    # doctest: +SKIP
    ['circles', 'folder', 'polkadots', 'shapes', 'traffic_lights']
    >>> run = kerazoo.train("shapes", "lenet", epochs=2)           # doctest: +SKIP
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from kerazoo.data.dataset import Dataset, Samples, Splits
from kerazoo.errors import (
    DataError,
    DivergedError,
    IncompatibleError,
    InvalidOptionError,
    KerazooError,
    ModelFileError,
    PluginConflictError,
    PluginError,
    UnknownNameError,
    UnsafeModelError,
)
from kerazoo.models.architecture import Architecture
from kerazoo.naming import natural_key
from kerazoo.params import Param
from kerazoo.registry import (
    get_architecture,
    get_dataset,
    list_architectures,
    list_datasets,
)
from kerazoo.task import InputSpec, Task

__version__ = "0.1.0"

# Public names whose modules import keras: resolved on first use, not at import time.
_LAZY = {
    "build": "kerazoo.models.build",
    "train": "kerazoo.training.run",
    "Run": "kerazoo.training.run",
    "Predictor": "kerazoo.predict.predictor",
    "export_model": "kerazoo.saving.savedmodel",
    "load_model": "kerazoo.saving.model_file",
    "save_model": "kerazoo.saving.model_file",
    "read_metadata": "kerazoo.saving.model_file",
}

__all__ = [
    "Architecture",
    "DataError",
    "Dataset",
    "DivergedError",
    "IncompatibleError",
    "InputSpec",
    "InvalidOptionError",
    "KerazooError",
    "ModelFileError",
    "Param",
    "PluginConflictError",
    "PluginError",
    "Samples",
    "Splits",
    "Task",
    "UnknownNameError",
    "UnsafeModelError",
    "__version__",
    "get_architecture",
    "get_dataset",
    "list_architectures",
    "list_datasets",
    "natural_key",
    *sorted(_LAZY),
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'kerazoo' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
