"""``kerazoo inspect``: what a saved model is, read without starting TensorFlow."""

from __future__ import annotations

import argparse
import json
from typing import Any

from kerazoo.naming import printable
from kerazoo.saving import archive
from kerazoo.saving.info import ModelInfo


def register(sub: Any) -> None:
    p = sub.add_parser(
        "inspect",
        help="show what a saved model is (task, classes, input, training)",
        description="Print the kerazoo metadata of a .keras/.h5 file or exported SavedModel "
        "folder. Reads the file with zipfile/h5py only: TensorFlow is not started.",
    )
    p.add_argument("model", help="a .keras or .h5 file, or a folder from 'kerazoo export'")
    p.add_argument("--json", action="store_true", help="print the kerazoo.json as JSON")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    info = archive.read_info(args.model)  # a wrongly typed field is a ModelFileError
    kind = archive.model_kind(args.model)
    if args.json:
        print(json.dumps(None if info is None else info.to_dict(), indent=2))
        return 0
    print(printable(f"{args.model}  ({_KINDS[kind]})"))
    if info is None:
        print(
            "  no kerazoo.json: a plain Keras model. It still predicts, with class indices "
            "as labels."
        )
        if kind != "savedmodel":
            _plain(args.model)
        return 0
    for line in describe(info):
        print("  " + printable(line))  # names from the file are data: controls escaped
    return 0


_KINDS = {"keras": "Keras zip", "h5": "legacy HDF5", "savedmodel": "TensorFlow SavedModel"}


def describe(info: ModelInfo) -> list[str]:
    """Readable lines for a model's metadata.

    Args:
        info: the model's :class:`kerazoo.ModelInfo`.

    Returns:
        One line per part (task, output, input, dataset, architecture, training, versions).

    Example:
        >>> from kerazoo.task import InputSpec, Task
        >>> describe(ModelInfo(Task.regression(1, 5), InputSpec(8, 8, 1)))[0]
        'task:         regression, values in [1, 5]'
    """
    task, spec = info.task, info.input
    extra = ""
    if task.kind == "classification":
        extra = f", {task.num_classes} classes: {', '.join(task.class_names)}"
    elif task.kind == "regression" and task.value_range:
        lo, hi = task.value_range
        extra = f", {'integers' if task.integer else 'values'} in [{lo:g}, {hi:g}]"
    lines = [f"{'task:':<14}{task.kind}{extra}"]
    if info.encoding or info.output:
        lines.append(f"{'output:':<14}{info.output or '?'} ({info.encoding or '?'})")
    lines.append(
        f"{'input:':<14}{spec.height}x{spec.width}x{spec.channels} {spec.dtype}, {spec.data_format}"
    )
    parts = {"dataset": info.dataset, "architecture": info.architecture}
    for key, part in parts.items():
        if part is not None:
            opts = getattr(part, "options", None) or getattr(part, "hyperparameters", {})
            args = ", ".join(f"{k}={v!r}" for k, v in opts.items())
            seed = getattr(part, "seed", None)
            seed_text = "" if seed is None else f" seed={seed}"
            lines.append(f"{key + ':':<14}{part.name}({args}){seed_text}")
    training = info.training
    if training is not None:
        shown = ", ".join(f"{k}={v:.4g}" for k, v in training.metrics.items())
        epochs = "?" if training.epochs is None else training.epochs
        lines.append(f"{'training:':<14}{epochs} epochs; {shown}")
    versions = ", ".join(
        f"{k} {getattr(info, k)}" for k in ("kerazoo", "keras", "backend") if getattr(info, k)
    )
    if versions:
        lines.append(f"{'saved with:':<14}{versions} (format {info.format or '?'})")
    return lines


def _plain(path: str) -> None:
    config = archive.read_config(path)
    inner = config.get("config", config)
    layers = inner.get("layers") or []
    shapes = [
        e["config"].get("batch_shape") or e["config"].get("batch_input_shape")
        for e in layers
        if e.get("class_name") == "InputLayer"
    ]
    print(printable(f"  {'model:':<14}{config.get('class_name', '?')} with {len(layers)} layers"))
    for shape in shapes:
        print(printable(f"  {'input:':<14}{tuple(shape)}"))
