"""``kerazoo inspect``: what a saved model is, read without starting TensorFlow."""

from __future__ import annotations

import argparse
import json
from typing import Any

from kerazoo.saving import model_file as saving


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
    meta = saving.read_metadata(args.model)
    kind = saving.model_kind(args.model)
    if args.json:
        print(json.dumps(meta, indent=2))
        return 0
    print(f"{args.model}  ({_KINDS[kind]})")
    if meta is None:
        print(
            "  no kerazoo.json: a plain Keras model. It still predicts, with class indices "
            "as labels."
        )
        if kind != "savedmodel":
            _plain(args.model)
        return 0
    for line in describe(meta):
        print("  " + line)
    return 0


_KINDS = {"keras": "Keras zip", "h5": "legacy HDF5", "savedmodel": "TensorFlow SavedModel"}


def describe(meta: dict[str, Any]) -> list[str]:
    """Readable lines for a kerazoo.json dict.

    Example:
        >>> describe({"task": {"kind": "regression", "value_range": [1, 5]}})[0]
        'task:         regression, values in [1, 5]'
    """
    task, spec = meta.get("task", {}), meta.get("input", {})
    kind = task.get("kind", "?")
    extra = ""
    if kind == "classification":
        names = task.get("class_names", [])
        extra = f", {len(names)} classes: {', '.join(map(str, names))}"
    elif kind == "regression" and task.get("value_range"):
        lo, hi = task["value_range"]
        extra = f", {'integers' if task.get('integer') else 'values'} in [{lo:g}, {hi:g}]"
    lines = [f"{'task:':<14}{kind}{extra}"]
    if task.get("encoding") or task.get("output"):
        lines.append(f"{'output:':<14}{task.get('output', '?')} ({task.get('encoding', '?')})")
    if spec:
        lines.append(
            f"{'input:':<14}{spec.get('height')}x{spec.get('width')}x{spec.get('channels')} "
            f"{spec.get('dtype', 'uint8')}, {spec.get('data_format', 'channels_last')}"
        )
    for key in ("dataset", "architecture"):
        part = meta.get(key)
        if part:
            opts = part.get("options", part.get("hyperparameters")) or {}
            args = ", ".join(f"{k}={v!r}" for k, v in opts.items())
            seed = f" seed={part['seed']}" if "seed" in part else ""
            lines.append(f"{key + ':':<14}{part.get('name', '?')}({args}){seed}")
    training = meta.get("training") or {}
    if training:
        metrics = training.get("metrics") or {}
        shown = ", ".join(f"{k}={v:.4g}" for k, v in metrics.items() if isinstance(v, float))
        lines.append(f"{'training:':<14}{training.get('epochs', '?')} epochs; {shown}")
    versions = ", ".join(f"{k} {meta[k]}" for k in ("kerazoo", "keras", "backend") if k in meta)
    if versions:
        lines.append(f"{'saved with:':<14}{versions} (format {meta.get('format', '?')})")
    return lines


def _plain(path: str) -> None:
    config = saving.read_config(path)
    inner = config.get("config", config)
    layers = inner.get("layers") or []
    shapes = [
        e["config"].get("batch_shape") or e["config"].get("batch_input_shape")
        for e in layers
        if e.get("class_name") == "InputLayer"
    ]
    print(f"  {'model:':<14}{config.get('class_name', '?')} with {len(layers)} layers")
    for shape in shapes:
        print(f"  {'input:':<14}{tuple(shape)}")
