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
from typing import TYPE_CHECKING, Any

import kerazoo._command_start  # noqa: F401 - first: Ctrl-C in the command's imports
from kerazoo._startup_logs import hide_startup_lines
from kerazoo.data.dataset import Dataset, Samples, Splits
from kerazoo.errors import (
    DataError,
    DivergedError,
    IncompatibleError,
    InvalidOptionError,
    KerazooError,
    ModelFileError,
    OutputError,
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

if TYPE_CHECKING:  # what the lazy names below resolve to, for type checkers and IDEs
    from kerazoo import interpret
    from kerazoo.data import augment
    from kerazoo.data.batches import encode_inputs, make_batches
    from kerazoo.evaluation import Evaluation, evaluate
    from kerazoo.experiments.compare import Comparison, compare
    from kerazoo.experiments.tune import tune
    from kerazoo.experiments.tune_results import TuneResult
    from kerazoo.models.build import build
    from kerazoo.models.layout import to_channels_last
    from kerazoo.predict.predictor import Predictor
    from kerazoo.report import write_report
    from kerazoo.saving.archive import read_metadata
    from kerazoo.saving.info import ModelInfo
    from kerazoo.saving.keras_file import save_model
    from kerazoo.saving.load import load_model
    from kerazoo.saving.savedmodel import export_model
    from kerazoo.training.lr_find import LRFinding
    from kerazoo.training.lr_find_run import lr_find
    from kerazoo.training.run import Run, train

__version__ = "0.1.0"

# TensorFlow's start-up lines (the cuInit error on a machine without GPU among them) say
# nothing about the user's work: hidden when TensorFlow is imported from now on, unless
# TF_CPP_MIN_LOG_LEVEL is 0 or 1. Nothing is imported here.
hide_startup_lines()

# Public names whose modules import keras: resolved on first use, not at import time.
_LAZY = {
    "build": "kerazoo.models.build",
    "train": "kerazoo.training.run",
    "Run": "kerazoo.training.run",
    "Predictor": "kerazoo.predict.predictor",
    "ModelInfo": "kerazoo.saving.info",
    "export_model": "kerazoo.saving.savedmodel",
    "load_model": "kerazoo.saving.load",
    "save_model": "kerazoo.saving.keras_file",
    "read_metadata": "kerazoo.saving.archive",
    "make_batches": "kerazoo.data.batches",
    "encode_inputs": "kerazoo.data.batches",
    "to_channels_last": "kerazoo.models.layout",
    "write_report": "kerazoo.report",
    "compare": "kerazoo.experiments.compare",
    "Comparison": "kerazoo.experiments.compare",
    "tune": "kerazoo.experiments.tune",
    "TuneResult": "kerazoo.experiments.tune_results",
    "evaluate": "kerazoo.evaluation",
    "Evaluation": "kerazoo.evaluation",
    "lr_find": "kerazoo.training.lr_find_run",
    "LRFinding": "kerazoo.training.lr_find",
}
# Public modules reached as attributes: ``kerazoo.augment.TRANSFORMS``,
# ``kerazoo.interpret.saliency``.
_LAZY_MODULES = {"augment": "kerazoo.data.augment", "interpret": "kerazoo.interpret"}

__all__ = [
    "Architecture",
    "Comparison",
    "DataError",
    "Dataset",
    "DivergedError",
    "Evaluation",
    "IncompatibleError",
    "InputSpec",
    "InvalidOptionError",
    "KerazooError",
    "LRFinding",
    "ModelFileError",
    "ModelInfo",
    "OutputError",
    "Param",
    "PluginConflictError",
    "PluginError",
    "Predictor",
    "Run",
    "Samples",
    "Splits",
    "Task",
    "TuneResult",
    "UnknownNameError",
    "UnsafeModelError",
    "__version__",
    "augment",
    "build",
    "compare",
    "encode_inputs",
    "evaluate",
    "export_model",
    "get_architecture",
    "get_dataset",
    "interpret",
    "list_architectures",
    "list_datasets",
    "load_model",
    "lr_find",
    "make_batches",
    "natural_key",
    "read_metadata",
    "save_model",
    "to_channels_last",
    "train",
    "tune",
    "write_report",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in _LAZY_MODULES:
        module = import_module(_LAZY_MODULES[name])
        globals()[name] = module
        return module
    raise AttributeError(f"module 'kerazoo' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
