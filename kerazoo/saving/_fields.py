"""Reading ``kerazoo.json`` field by field: every wrong type is a ModelFileError that names
the field (``task.class_names must be a list of strings, got int 3``). Plain Python.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from kerazoo._errors import KerazooError, ModelFileError
from kerazoo._naming import PLUGIN_NAME_RULE, plugin_name_problem
from kerazoo._task import DATA_FORMATS, TASK_KINDS, InputSpec, Task
from kerazoo.saving._records import ArchitectureInfo, DatasetInfo, TrainingInfo

__all__ = ["INPUT_DTYPES", "OUTPUTS", "FieldReader"]

#: What a kerazoo model takes in: the builder's input layer reads raw uint8 pixels.
INPUT_DTYPES = ("uint8",)
#: What the last layer of a kerazoo model emits (the builder's heads).
OUTPUTS = ("logits", "probabilities", "scores", "values", "image")


class FieldReader:
    """Type checks of kerazoo.json fields: each failure is a ModelFileError naming the field
    and the file."""

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

    def name(self, value: Any, where: str) -> str:
        """A dataset or architecture name: it may become part of a folder name."""
        text = self.text(value, where)
        if plugin_name_problem(text) is not None:
            raise self.fail(where, f"a plugin name: {PLUGIN_NAME_RULE}", text)
        return text

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
        if dtype not in INPUT_DTYPES:
            raise self.fail("input.dtype", "uint8 (the builder's pixel input)", dtype)
        return InputSpec(*sides, fmt, dtype)

    def encoding(self, value: Any, kind: str) -> str | None:
        """``task.encoding``: a label encoding that exists and fits the task's kind."""
        from kerazoo.data._encoding import ENCODINGS

        encoding = self.text(value, "task.encoding", optional=True)
        if encoding is None or kind in ENCODINGS.get(encoding, ()):
            return encoding
        fits = ", ".join(e for e, kinds in ENCODINGS.items() if kind in kinds)
        rule = f"one of {', '.join(ENCODINGS)} (for a {kind} task: {fits})"
        raise self.fail("task.encoding", rule, encoding)

    def output(self, value: Any) -> str | None:
        """``task.output``: what the last layer emits, one of :data:`OUTPUTS`."""
        output = self.text(value, "task.output", optional=True)
        if output is not None and output not in OUTPUTS:
            raise self.fail("task.output", f"one of {', '.join(OUTPUTS)}", output)
        return output

    def dataset(self, value: Any) -> DatasetInfo | None:
        if value is None:
            return None
        d = self.mapping(value, "dataset")
        return DatasetInfo(
            name=self.name(self.field(d, "name", "dataset"), "dataset.name"),
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
            name=self.name(self.field(d, "name", "architecture"), "architecture.name"),
            hyperparameters=self.optional_mapping(hp, "architecture.hyperparameters") or {},
            plugin=self.text(d.get("plugin"), "architecture.plugin", optional=True),
        )

    def number(self, value: Any, where: str) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(where, "a number", value)
        return float(value)

    def training(self, value: Any) -> TrainingInfo | None:
        if value is None:
            return None
        d = self.mapping(value, "training")
        metrics = self.mapping(d.get("metrics", {}), "training.metrics")
        history = self.mapping(d.get("history", {}), "training.history")
        for name, values in history.items():
            if not isinstance(values, list):
                raise self.fail(f"training.history.{name}", "a list of numbers", values)
            for v in values:
                self.number(v, f"training.history.{name}")
        best = d.get("best")
        if best is not None:
            best = self.mapping(best, "training.best")
            self.text(best.get("monitor"), "training.best.monitor", optional=True)
            self.number(best.get("value"), "training.best.value")
        return TrainingInfo(
            epochs=self.integer(d.get("epochs"), "training.epochs", optional=True),
            epochs_planned=self.integer(
                d.get("epochs_planned"), "training.epochs_planned", optional=True
            ),
            batch_size=self.integer(d.get("batch_size"), "training.batch_size", optional=True),
            learning_rate=self.number(d.get("learning_rate"), "training.learning_rate"),
            metrics={k: self.number(v, f"training.metrics.{k}") for k, v in metrics.items()},
            best=copy.deepcopy(best),
            history={k: [float(v) for v in vs] for k, vs in history.items()},
        )

    def layer_roles(self, value: Any) -> dict[str, str] | None:
        """``layers``: role -> layer name, every name a string."""
        if value is None:
            return None
        d = self.mapping(value, "layers")
        return {str(k): self.text(v, f"layers.{k}") for k, v in d.items()}


_FIX = (
    "The file was damaged or edited by hand: fix that field, or save the model again with "
    "kerazoo.save_model ('kerazoo inspect --json' shows what the file holds)."
)
