# The public API of kerazoo, declared once: ``kerazoo/__init__.py`` reads this file with
# lazy_loader (each name is imported on first use), and type checkers and IDEs read it as
# the package's stub. A name added here is public: document it under docs/reference/.

from . import interpret as interpret
from .data import augment as augment
from .data.batches import encode_inputs as encode_inputs, make_batches as make_batches
from .data.dataset import Dataset as Dataset, Samples as Samples, Splits as Splits
from .entry_points import PluginWarning as PluginWarning
from .errors import (
    DataError as DataError,
    DivergedError as DivergedError,
    IncompatibleError as IncompatibleError,
    InvalidOptionError as InvalidOptionError,
    KerazooError as KerazooError,
    ModelFileError as ModelFileError,
    OutputError as OutputError,
    PluginConflictError as PluginConflictError,
    PluginError as PluginError,
    UnknownNameError as UnknownNameError,
    UnsafeModelError as UnsafeModelError,
)
from .evaluation.evaluate import evaluate as evaluate
from .evaluation.folder import evaluation_folder as evaluation_folder
from .evaluation.result import Evaluation as Evaluation
from .evaluation.score import evaluate_samples as evaluate_samples
from .experiments.compare import Comparison as Comparison, compare as compare
from .experiments.tune import tune as tune
from .experiments.tune_results import TuneResult as TuneResult
from .extensions import (
    get_callback as get_callback,
    get_view as get_view,
    list_callbacks as list_callbacks,
    list_views as list_views,
)
from .models.architecture import Architecture as Architecture
from .models.build import build as build
from .models.layout import to_channels_last as to_channels_last
from .naming import natural_key as natural_key
from .params import Param as Param
from .predict.predictor import Predictor as Predictor
from .predict.shift import InputShiftWarning as InputShiftWarning
from .predict.values import ExtrapolationWarning as ExtrapolationWarning
from .registry import (
    get_architecture as get_architecture,
    get_dataset as get_dataset,
    list_architectures as list_architectures,
    list_datasets as list_datasets,
)
from .report.write import write_report as write_report
from .saving.archive import read_metadata as read_metadata
from .saving.info import ModelInfo as ModelInfo
from .saving.keras_file import save_model as save_model
from .saving.load import load_model as load_model
from .saving.savedmodel import export_model as export_model
from .task import InputSpec as InputSpec, Task as Task
from .training.baseline import NotLearnedWarning as NotLearnedWarning
from .training.lr_find import LRFinding as LRFinding, find_learning_rate as find_learning_rate
from .training.lr_find_run import lr_find as lr_find
from .training.run import Run as Run, train as train
from .views import View as View, run_view as run_view

__version__: str
