# The public API of kerazoo, declared once: ``kerazoo/__init__.py`` reads this file with
# lazy_loader (each name is imported on first use), and type checkers and IDEs read it as
# the package's stub. A name added here is public: document it under docs/reference/.

from . import interpret as interpret
from ._entry_points import PluginWarning as PluginWarning
from ._errors import (
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
from ._extensions import (
    get_callback as get_callback,
    get_view as get_view,
    list_callbacks as list_callbacks,
    list_views as list_views,
)
from ._naming import natural_key as natural_key
from ._params import Param as Param
from ._registry import (
    get_architecture as get_architecture,
    get_dataset as get_dataset,
    list_architectures as list_architectures,
    list_datasets as list_datasets,
)
from ._task import InputSpec as InputSpec, Task as Task
from ._views import View as View, run_view as run_view
from .data import augment as augment
from .data._batches import encode_inputs as encode_inputs, make_batches as make_batches
from .data._dataset import Dataset as Dataset, Samples as Samples, Splits as Splits
from .data._mean import DatasetMean as DatasetMean, dataset_mean as dataset_mean
from .evaluation._evaluate import evaluate as evaluate
from .evaluation._folder import evaluation_folder as evaluation_folder
from .evaluation._result import Evaluation as Evaluation
from .evaluation._score import evaluate_samples as evaluate_samples
from .experiments._compare import Comparison as Comparison, compare as compare
from .experiments._tune import tune as tune
from .experiments._tune_results import TuneResult as TuneResult
from .models._architecture import Architecture as Architecture
from .models._build import build as build
from .models._layout import to_channels_last as to_channels_last
from .predict._predictor import Predictor as Predictor
from .predict._shift import InputShiftWarning as InputShiftWarning
from .predict._values import ExtrapolationWarning as ExtrapolationWarning
from .report._write import write_report as write_report
from .saving._archive import read_metadata as read_metadata
from .saving._describe import (
    ModelDescription as ModelDescription,
    describe_model as describe_model,
)
from .saving._info import ModelInfo as ModelInfo
from .saving._keras_file import save_model as save_model
from .saving._load import load_model as load_model
from .saving._savedmodel import export_model as export_model
from .training._baseline import NotLearnedWarning as NotLearnedWarning
from .training._lr_find import LRFinding as LRFinding, find_learning_rate as find_learning_rate
from .training._lr_find_run import lr_find as lr_find
from .training._run import Run as Run, train as train
from .zoo._card import ZooCard as ZooCard, get_zoo as get_zoo, list_zoo as list_zoo
from .zoo._fetch import (
    ZooVerification as ZooVerification,
    fetch_zoo as fetch_zoo,
    verify_zoo as verify_zoo,
)
from .zoo._make import make_zoo_entry as make_zoo_entry

__version__: str
