"""ModelInfo: the typed form of ``kerazoo.json``, and the only code that reads or writes it.

A model's metadata says what it does (the task, its label encoding and what the last layer
emits), what it takes in (the input contract), what it was made from (dataset and
architecture, with options and seed), how it was compiled and how it was trained.
:meth:`ModelInfo.from_dict` checks every field's type, so a damaged or hand-edited file gives
a :class:`~kerazoo.errors.ModelFileError` naming the field, never an ``AttributeError``.

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
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kerazoo.errors import IncompatibleError, KerazooError, ModelFileError
from kerazoo.task import DATA_FORMATS, TASK_KINDS, InputSpec, Task

__all__ = ["FORMAT", "METADATA_NAME", "ArchitectureInfo", "DatasetInfo", "ModelInfo"]

FORMAT = 1
METADATA_NAME = "kerazoo.json"
_HEADER = ("format", "kerazoo", "keras", "backend")
_KNOWN = (*_HEADER, "task", "input", "dataset", "architecture", "compile", "training")

# model -> ModelInfo; weak, so a model's metadata goes when the model goes.
_TABLE: weakref.WeakKeyDictionary[Any, ModelInfo] = weakref.WeakKeyDictionary()


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
        training: what training recorded (epochs, metrics, history), or ``None``.
        format, kerazoo, keras, backend: the header written when the file is saved.
        extra: other top-level keys found in the file, kept as they are.

    Example:
        >>> info = ModelInfo.of(model)                                   # doctest: +SKIP
        >>> dataclasses.replace(info, training={"epochs": 3}).attach(model)  # doctest: +SKIP
    """

    task: Task
    input: InputSpec
    encoding: str | None = None
    output: str | None = None
    dataset: DatasetInfo | None = None
    architecture: ArchitectureInfo | None = None
    compile: dict[str, Any] | None = None
    training: dict[str, Any] | None = None
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
        r = _Reader(source)
        data = r.mapping(data, "")
        task_d = r.mapping(r.required(data, "task"), "task")
        input_d = r.mapping(r.required(data, "input"), "input")
        fmt = r.integer(data.get("format"), "format", optional=True)
        return cls(
            task=r.task(task_d),
            input=r.input(input_d),
            encoding=r.text(task_d.get("encoding"), "task.encoding", optional=True),
            output=r.text(task_d.get("output"), "task.output", optional=True),
            dataset=r.dataset(data.get("dataset")),
            architecture=r.architecture(data.get("architecture")),
            compile=r.optional_mapping(data.get("compile"), "compile"),
            training=r.optional_mapping(data.get("training"), "training"),
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
        for key in ("compile", "training"):
            if getattr(self, key) is not None:
                out[key] = copy.deepcopy(getattr(self, key))
        out.update(copy.deepcopy(self.extra))
        return out

    def with_training(self, record: dict[str, Any]) -> ModelInfo:
        """A copy with ``training`` set to ``record``.

        Example:
            >>> info.with_training({"epochs": 5}).training                 # doctest: +SKIP
            {'epochs': 5}
        """
        return dataclasses.replace(self, training=copy.deepcopy(dict(record)))

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

    def attach(self, model: Any) -> ModelInfo:
        """Attach this metadata to ``model`` (held weakly: it goes with the model).

        Returns:
            ``self``, for chaining.

        Example:
            >>> ModelInfo.from_dict(meta).attach(model)                      # doctest: +SKIP
        """
        _TABLE[model] = self
        return self


class _Reader:
    """Type checks that name the field and the file."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, rule: str, value: Any) -> ModelFileError:
        got = f"{type(value).__name__} {value!r}"
        if len(got) > 80:
            got = got[:77] + "..."
        return ModelFileError(
            f"{self.source}: its kerazoo.json is invalid: {where or 'the whole file'} must be "
            f"{rule}, got {got}. {_FIX}"
        )

    def required(self, data: Mapping[str, Any], key: str) -> Any:
        if key not in data:
            raise ModelFileError(
                f"{self.source}: its kerazoo.json is incomplete or invalid: it has no "
                f"{key!r} field (it has {', '.join(map(repr, data)) or 'none'}). {_FIX}"
            )
        return data[key]

    def field(self, data: Mapping[str, Any], key: str, where: str) -> Any:
        if key not in data:
            raise ModelFileError(
                f"{self.source}: its kerazoo.json is incomplete or invalid: {where} has no {key!r} "
                f"field. {_FIX}"
            )
        return data[key]

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(where, "an object", value)
        return dict(value)

    def optional_mapping(self, value: Any, where: str) -> dict[str, Any] | None:
        return None if value is None else copy.deepcopy(self.mapping(value, where))

    def text(self, value: Any, where: str, optional: bool = False) -> Any:
        if value is None and optional:
            return None
        if not isinstance(value, str):
            raise self.fail(where, "a string", value)
        return value

    def integer(
        self, value: Any, where: str, optional: bool = False, low: int | None = None
    ) -> Any:
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(where, "an integer", value)
        if low is not None and value < low:
            raise self.fail(where, f"an integer >= {low}", value)
        return value

    def task(self, d: dict[str, Any]) -> Task:
        kind = self.text(self.field(d, "kind", "task"), "task.kind")
        if kind not in TASK_KINDS:
            raise self.fail("task.kind", f"one of {', '.join(TASK_KINDS)}", kind)
        names = d.get("class_names") or []
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise self.fail("task.class_names", "a list of strings", d.get("class_names"))
        vr = d.get("value_range")
        if vr is not None and (
            not isinstance(vr, list)
            or len(vr) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in vr)
        ):
            raise self.fail("task.value_range", "a list of two numbers [low, high]", vr)
        integer = d.get("integer", False)
        if not isinstance(integer, bool):
            raise self.fail("task.integer", "true or false", integer)
        try:
            return Task(kind, tuple(names), tuple(vr) if vr else None, integer)
        except KerazooError as exc:
            raise ModelFileError(f"{self.source}: its kerazoo.json is invalid: {exc}") from None

    def input(self, d: dict[str, Any]) -> InputSpec:
        sides = [
            self.integer(self.field(d, k, "input"), f"input.{k}", low=1)
            for k in ("height", "width", "channels")
        ]
        fmt = self.text(d.get("data_format", "channels_last"), "input.data_format")
        if fmt not in DATA_FORMATS:
            raise self.fail("input.data_format", f"one of {', '.join(DATA_FORMATS)}", fmt)
        dtype = self.text(d.get("dtype", "uint8"), "input.dtype")
        return InputSpec(*sides, fmt, dtype)

    def dataset(self, value: Any) -> DatasetInfo | None:
        if value is None:
            return None
        d = self.mapping(value, "dataset")
        return DatasetInfo(
            name=self.text(self.field(d, "name", "dataset"), "dataset.name"),
            options=self.optional_mapping(d.get("options", {}), "dataset.options") or {},
            seed=self.integer(d.get("seed"), "dataset.seed", optional=True),
            plugin=self.text(d.get("plugin"), "dataset.plugin", optional=True),
        )

    def architecture(self, value: Any) -> ArchitectureInfo | None:
        if value is None:
            return None
        d = self.mapping(value, "architecture")
        hp = d.get("hyperparameters", {})
        return ArchitectureInfo(
            name=self.text(self.field(d, "name", "architecture"), "architecture.name"),
            hyperparameters=self.optional_mapping(hp, "architecture.hyperparameters") or {},
            plugin=self.text(d.get("plugin"), "architecture.plugin", optional=True),
        )


_FIX = (
    "The file was damaged or edited by hand: fix that field, or save the model again with "
    "kerazoo.save_model ('kerazoo inspect --json' shows what the file holds)."
)
