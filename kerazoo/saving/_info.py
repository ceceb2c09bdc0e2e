"""ModelInfo: the typed form of ``kerazoo.json``, and the only code that reads or writes it.

A model's metadata says what it does (the task, its label encoding and what the last layer
emits), what it takes in (the input contract), what it was made from (dataset and
architecture, with options and seed), how it was compiled and how it was trained.
:meth:`ModelInfo.from_dict` checks every field's type, so a damaged or hand-edited file gives
a :class:`~kerazoo.ModelFileError` naming the field, never an ``AttributeError``.

Plain Python: this module never imports keras.

Example:
    >>> info = ModelInfo.from_dict({
    ...     "task": {"kind": "classification", "class_names": ["a", "b"],
    ...              "encoding": "sparse", "output": "logits"},
    ...     "input": {"height": 8, "width": 8, "channels": 1}})
    >>> info.task.class_names, info.input.shape
    (('a', 'b'), (8, 8, 1))
    >>> info.to_dict()["task"]["encoding"]
    'sparse'
"""

from __future__ import annotations

import copy
import dataclasses
import math
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kerazoo._errors import IncompatibleError, ModelFileError
from kerazoo._task import InputSpec, Task
from kerazoo.saving._fields import FieldReader
from kerazoo.saving._records import (
    FEATURES,
    ArchitectureInfo,
    DatasetInfo,
    InputStats,
    Spread,
    TrainingInfo,
)

__all__ = [
    "FORMAT",
    "METADATA_NAME",
    "ArchitectureInfo",
    "DatasetInfo",
    "InputStats",
    "ModelInfo",
    "TrainingInfo",
]

FORMAT = 1
METADATA_NAME = "kerazoo.json"
_HEADER = ("format", "kerazoo", "keras", "backend")
_KNOWN = (
    *_HEADER,
    *("task", "input", "dataset", "architecture", "compile", "training", "layers", "input_stats"),
)

# model -> ModelInfo; weak, so a model's metadata goes when the model goes.
_TABLE: weakref.WeakKeyDictionary[Any, ModelInfo] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class ModelInfo:
    """What a saved model is: the typed content of its ``kerazoo.json``.

    Args:
        task: the labels' meaning (kind, class names or value range).
        input: the input contract (height, width, channels, data_format, dtype).
        encoding: the label encoding (``"sparse"``, ``"onehot"``, ``"binary"``,
            ``"regression"``, ``"reconstruction"``); ``None`` for hand-made metadata.
        output: what the last layer emits (``"logits"``, ``"probabilities"``,
            ``"values"``, ``"images"``); ``None`` for hand-made metadata.
        dataset: the data it was trained on, or ``None``.
        architecture: the architecture of its body, or ``None``.
        compile: the compile choices (optimizer, loss, precision, ...), or ``None``.
        training: what training recorded (:class:`TrainingInfo`), or ``None``.
        layers: the layers that looking inside starts from, by role: ``last_conv`` (the
            last convolution, for Grad-CAM) and ``logits`` (the score before any softmax;
            the ``value`` layer for regression); ``None`` when not recorded.
        input_stats: what the training images looked like (:class:`InputStats`, measured
            where the normalisation is adapted), the yardstick of the input-shift warning;
            ``None`` for files saved before it was recorded (the check is then skipped).
        format, kerazoo, keras, backend: the header written when the file is saved.
        extra: other top-level keys found in the file, kept as they are.

    Example:
        >>> info = ModelInfo.of(model)                                   # doctest: +SKIP
        >>> info.with_training({"epochs": 3}).attach(model)              # doctest: +SKIP
    """

    task: Task
    input: InputSpec
    encoding: str | None = None
    output: str | None = None
    dataset: DatasetInfo | None = None
    architecture: ArchitectureInfo | None = None
    compile: dict[str, Any] | None = None
    training: TrainingInfo | None = None
    layers: dict[str, str] | None = None
    input_stats: InputStats | None = None
    format: int | None = None
    kerazoo: str | None = None
    keras: str | None = None
    backend: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    # -- the dict form ---------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Any, source: str = "kerazoo.json") -> ModelInfo:
        """Check and convert a ``kerazoo.json`` dict.

        Args:
            data: the parsed JSON object.
            source: a name for messages (the file it came from).

        Returns:
            The ModelInfo.

        Raises:
            ModelFileError: a required field is missing or a field has the wrong type; the
                message names the field, e.g. ``task.class_names``.

        Example:
            >>> ModelInfo.from_dict({"task": {"kind": "regression", "value_range": [0, 1]},
            ...                      "input": {"height": 4, "width": 4, "channels": 3}}).task
            Task(kind='regression', class_names=(), value_range=(0.0, 1.0), integer=False)
        """
        r = FieldReader(source)
        data = r.mapping(data, "")
        task_d = r.mapping(r.required(data, "task"), "task")
        input_d = r.mapping(r.required(data, "input"), "input")
        fmt = r.integer(data.get("format"), "format", optional=True)
        task = r.task(task_d)
        return cls(
            task=task,
            input=r.input(input_d),
            encoding=r.encoding(task_d.get("encoding"), task.kind),
            output=r.output(task_d.get("output")),
            dataset=r.dataset(data.get("dataset")),
            architecture=r.architecture(data.get("architecture")),
            compile=r.optional_mapping(data.get("compile"), "compile"),
            training=r.training(data.get("training")),
            layers=r.layer_roles(data.get("layers")),
            input_stats=_input_stats(r, data.get("input_stats")),
            format=fmt,
            kerazoo=r.text(data.get("kerazoo"), "kerazoo", optional=True),
            keras=r.text(data.get("keras"), "keras", optional=True),
            backend=r.text(data.get("backend"), "backend", optional=True),
            extra={k: copy.deepcopy(v) for k, v in data.items() if k not in _KNOWN},
        )

    def to_dict(self) -> dict[str, Any]:
        """The ``kerazoo.json`` dict: header, task, input, dataset, architecture, compile,
        training (parts that are ``None`` are left out). A fresh, JSON-ready copy.

        Example:
            >>> ModelInfo(Task.reconstruction(), InputSpec(4, 4, 1)).to_dict()["input"]["dtype"]
            'uint8'
        """
        out: dict[str, Any] = {k: getattr(self, k) for k in _HEADER if getattr(self, k) is not None}
        task = self.task.to_dict()
        if self.encoding is not None:
            task["encoding"] = self.encoding
        if self.output is not None:
            task["output"] = self.output
        out["task"] = task
        out["input"] = self.input.to_dict()
        if self.dataset is not None:
            out["dataset"] = self.dataset.to_dict()
        if self.architecture is not None:
            out["architecture"] = self.architecture.to_dict()
        if self.compile is not None:
            out["compile"] = copy.deepcopy(self.compile)
        if self.training is not None:
            out["training"] = self.training.to_dict()
        if self.layers is not None:
            out["layers"] = dict(self.layers)
        if self.input_stats is not None:
            out["input_stats"] = self.input_stats.to_dict()
        out.update(copy.deepcopy(self.extra))
        return out

    def with_training(self, record: TrainingInfo | Mapping[str, Any]) -> ModelInfo:
        """A copy with ``training`` set to ``record`` (a TrainingInfo, or its dict form).

        Example:
            >>> info.with_training({"epochs": 5}).training.epochs          # doctest: +SKIP
            5
        """
        if not isinstance(record, TrainingInfo):
            record = FieldReader("training record").training(record)
        return dataclasses.replace(self, training=record)

    # -- the model -> info table -----------------------------------------------------------
    @classmethod
    def of(cls, model: Any) -> ModelInfo:
        """The metadata attached to a model by ``kerazoo.build`` or ``kerazoo.load_model``.

        Raises:
            IncompatibleError: the model carries none.

        Example:
            >>> ModelInfo.of(kerazoo.build("lenet", "shapes")).output      # doctest: +SKIP
            'logits'
        """
        try:
            return _TABLE[model]
        except (KeyError, TypeError):
            raise IncompatibleError(
                f"{type(model).__name__} {getattr(model, 'name', '')!r} carries no kerazoo "
                "metadata: it was not made by kerazoo.build (or was loaded without its "
                "kerazoo.json). Build it with kerazoo.build or load it with kerazoo.load_model."
            ) from None

    def check_fits(self, model: Any, source: str = "model") -> None:
        """Refuse metadata that cannot describe ``model``: its task needs another number of
        output values per image than the model's one output gives.

        Args:
            model: the loaded Keras model (any object with ``outputs``).
            source: a name for messages (the file it came from).

        Raises:
            ModelFileError: e.g. regression metadata on a model with 3 outputs per image.

        Example:
            >>> ModelInfo.from_dict(meta).check_fits(model, "'m.keras'")   # doctest: +SKIP
        """
        outputs = list(getattr(model, "outputs", None) or [])
        dims = tuple(outputs[0].shape[1:]) if len(outputs) == 1 else (None,)
        if any(d is None for d in dims):
            return  # several outputs or an unknown size: the Predictor says what it runs
        width, task = math.prod(dims), self.task
        k, pixels = task.num_classes, math.prod(self.input.shape)
        if task.kind == "regression" and width != 1:
            why = "task.kind 'regression' needs 1 output value per image"
        elif task.kind == "classification" and (width not in (k, 1) or (width == 1 and k != 2)):
            why = f"task.class_names lists {k} classes, which needs {k} output values per image"
            why += " (or 1, for 2 classes)" if k == 2 else ""
        elif task.kind == "reconstruction" and width != pixels:
            why = f"task.kind 'reconstruction' needs the input back: {pixels} values per image"
        else:
            return
        raise ModelFileError(
            f"{source}: its kerazoo.json does not fit the model: {why}, but the model gives "
            f"{width}. {width} output value{'s' if width != 1 else ''} per image fit "
            f"{_fits(width)}. The file was damaged or edited by hand: save the model again "
            "with kerazoo.save_model."
        )

    def attach(self, model: Any) -> ModelInfo:
        """Attach this metadata to ``model`` (held weakly: it goes with the model).

        Returns:
            ``self``, for chaining.

        Example:
            >>> ModelInfo.from_dict(meta).attach(model)                      # doctest: +SKIP
        """
        _TABLE[model] = self
        return self


def _fits(width: int) -> str:
    """The tasks a model with ``width`` output values per image can have."""
    if width == 1:
        return "regression, or classification with 2 class names (binary)"
    return f"classification with {width} class names, or reconstruction of {width} pixel values"


def _input_stats(r: FieldReader, value: Any) -> InputStats | None:
    """``input_stats``, checked field by field (an old file without it gives ``None``)."""
    if value is None:
        return None
    d = r.mapping(value, "input_stats")
    sides = {
        k: r.integer(r.field(d, k, "input_stats"), f"input_stats.{k}", low=1)
        for k in ("n", "height", "width", "channels")
    }
    levels = {}
    for k in ("mean", "std"):
        v = r.field(d, k, "input_stats")
        if not isinstance(v, list) or len(v) != sides["channels"]:
            rule = f"a list of {sides['channels']} numbers (one per channel)"
            raise r.fail(f"input_stats.{k}", rule, v)
        levels[k] = tuple(r.number(x, f"input_stats.{k}") for x in v)
    spreads = {}
    for k in FEATURES:
        s = d.get(k)
        if s is None and k != "polarity":
            s = r.field(d, k, "input_stats")
        if s is not None:
            s = r.mapping(s, f"input_stats.{k}")
            s = Spread(*(_number(r, s, k, part) for part in ("mean", "std", "low", "high")))
        spreads[k] = s
    return InputStats(**sides, **levels, **spreads)


def _number(r: FieldReader, d: dict[str, Any], feature: str, part: str) -> float:
    where = f"input_stats.{feature}.{part}"
    value = r.number(r.field(d, part, f"input_stats.{feature}"), where)
    if value is None:
        raise r.fail(where, "a number", value)
    return value
