"""What ``kerazoo.evaluate`` is given, made concrete: the model and its metadata, the data
to evaluate on (a dataset name, a Dataset, a folder of class sub-folders, or the model's own
training data), whether that data fits the model, and whether it differs from the data
the model was trained on (a shift, measured against the in-distribution reference).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from kerazoo._errors import DataError, IncompatibleError, InvalidOptionError, option
from kerazoo.data._dataset import Dataset
from kerazoo.saving._info import ModelInfo

__all__ = [
    "check_fits",
    "describe",
    "load_keras_model",
    "own_dataset",
    "read_for_evaluation",
    "resolve_data",
]


def _cli() -> bool:
    """Messages speak in flags on the command line (where ``options`` is ``--data``)."""
    return option("options") != "options"


def _set(pairs: Mapping[str, Any]) -> str:
    """How to pass dataset options: ``--data size=32`` or ``options={'size': 32}``."""
    if _cli():
        return " ".join(f"--data {k}={v}" for k, v in pairs.items())
    return f"options={dict(pairs)!r}"


def read_for_evaluation(model: Any) -> tuple[Any, ModelInfo | None, str]:
    """``(model or model file, metadata or None, name for messages)`` from a model, a
    ``.keras`` file or a run folder (its ``model.keras``; a run that has not finished: its
    ``best.keras`` or ``checkpoint.keras``, with a warning saying which, as
    :func:`kerazoo.saving._load.model_file` decides). A file's metadata is read without
    keras, so data that does not fit is refused before TensorFlow starts."""
    if isinstance(model, str | os.PathLike):
        from kerazoo.saving._archive import read_info
        from kerazoo.saving._load import model_file

        path, note = model_file(model)
        if note:
            warnings.warn(note, UserWarning, stacklevel=3)
        return path, read_info(path), str(path)
    try:
        return model, ModelInfo.of(model), getattr(model, "name", "model")
    except IncompatibleError:
        return model, None, getattr(model, "name", "model")


def load_keras_model(model: Any) -> Any:
    """The ``keras.Model`` itself: loaded (safely, uncompiled) when ``model`` is a path."""
    if isinstance(model, Path):
        from kerazoo.saving._load import load_model

        return load_model(model, compile=False)[0]
    return model


def resolve_data(data: Any, options: Mapping[str, Any] | None, info: ModelInfo | None) -> Dataset:
    """The dataset to evaluate on.

    ``None`` is the model's own dataset; the name of the model's own dataset starts from
    the options it was trained with (``options`` change some of them); another name starts
    from that dataset's defaults; a folder (a ``Path``, or a string naming an existing
    directory) is the ``folder`` dataset at the model's input size and channels.

    Raises:
        IncompatibleError: no data given and the model records none.
        DataError: a path that is not a folder.
        UnknownNameError: an unknown dataset name (with suggestions).
    """
    from kerazoo._registry import get_dataset

    options = dict(options or {})
    if isinstance(data, Dataset):
        if options:
            raise InvalidOptionError(
                "options go with a dataset name, not a Dataset object: configure the object."
            )
        return data
    own = None if info is None else info.dataset
    if data is None:
        if own is None:
            raise IncompatibleError(_no_data_message(info))
        return get_dataset(own.name, **{**own.options, **options})
    if isinstance(data, os.PathLike) or os.path.isdir(str(data)) or os.sep in str(data):
        return _folder(Path(data), options, info)
    if own is not None and data == own.name:
        return get_dataset(data, **{**own.options, **options})
    return get_dataset(str(data), **options)


def _no_data_message(info: ModelInfo | None) -> str:
    what = "has no kerazoo metadata" if info is None else "records no training dataset"
    fix = (
        "kerazoo evaluate MODEL DATASET (a dataset name or a folder of class sub-folders)"
        if _cli()
        else "kerazoo.evaluate(model, 'shapes') or a folder: evaluate(model, 'my_images/')"
    )
    return (
        f"The model {what}, so it does not say which data it was trained on, and no data "
        f"was named. Name the data to evaluate on: {fix}."
    )


def _folder(path: Path, options: dict[str, Any], info: ModelInfo | None) -> Dataset:
    from kerazoo._registry import get_dataset

    if not path.is_dir():
        raise DataError(
            f"{str(path)!r} is not a folder. Give a folder with one sub-folder of images "
            "per class (as 'kerazoo data export' writes), or a dataset name."
        )
    fitted: dict[str, Any] = {"path": str(path)}
    if info is not None:
        spec = info.input
        fitted["size"] = f"{spec.height}x{spec.width}"
        if spec.channels in (1, 3):
            fitted["channels"] = spec.channels
        if info.task.kind == "regression":  # a counting model: numbered folders are counts
            fitted["target"] = "count"
    return get_dataset("folder", **{**fitted, **options})


def check_fits(dataset: Dataset, info: ModelInfo) -> np.ndarray | None:
    """Check that the model can be scored on ``dataset``; map its class indices.

    Returns:
        For classification, the model's class index of each of the dataset's classes
        (matched by name); else ``None``.

    Raises:
        IncompatibleError: another image size or channel count (the message says which
            option to pass), another task kind, or classes the model does not know.
    """
    spec = info.input
    have, want = tuple(dataset.image_shape), (spec.height, spec.width, spec.channels)
    if have != want:
        fix: dict[str, Any] = {}
        table = type(dataset).options
        if have[:2] != want[:2] and "size" in table:
            fix["size"] = want[0] if want[0] == want[1] else f"{want[0]}x{want[1]}"
        if have[2] != want[2] and "channels" in table:
            fix["channels"] = want[2]
        how = f"Pass {_set(fix)}." if fix else "Evaluate on data of the model's input size."
        raise IncompatibleError(
            f"{dataset.display_name} makes {'x'.join(map(str, have))} images (HxWxC) but the "
            f"model takes {'x'.join(map(str, want))}. {how}"
        )
    kind = info.task.kind
    if kind == "reconstruction":
        return None
    if dataset.task.kind != kind:
        raise IncompatibleError(
            f"The model does {kind} but {dataset.display_name} with these options is a "
            f"{dataset.task.kind} task. Evaluate it on {kind} data ('kerazoo list datasets' "
            "shows each dataset's task)."
        )
    if kind != "classification":
        return None
    names = info.task.class_names
    unknown = [c for c in dataset.task.class_names if c not in names]
    if unknown:
        raise IncompatibleError(
            f"{dataset.display_name} has classes the model does not know: "
            f"{', '.join(unknown)}. The model's classes: {', '.join(names)}. Evaluate on "
            "data of those classes (a folder: one sub-folder named after each class)."
        )
    return np.array([names.index(c) for c in dataset.task.class_names], np.int64)


def own_dataset(info: ModelInfo) -> tuple[Dataset | None, str]:
    """The model's own training dataset and options, or ``(None, why not)``."""
    from kerazoo._errors import KerazooError
    from kerazoo._registry import get_dataset

    if info.dataset is None:
        return None, "the model records no training dataset"
    try:
        return get_dataset(info.dataset.name, **info.dataset.options), ""
    except KerazooError as exc:
        return None, f"its training data cannot be made here ({exc})"


def describe(dataset: Dataset, base: Mapping[str, Any] | None = None) -> str:
    """``name(option=value, ...)`` with the options that differ from ``base`` (default:
    the dataset's defaults), e.g. ``"shapes(noise=0.3)"``."""
    table = type(dataset).options
    if base is None:
        base = {k: p.dump(p.default) if p.default is not None else None for k, p in table.items()}
    shown = [f"{k}={v}" for k, v in dataset.options_json().items() if base.get(k) != v]
    name = dataset.name or type(dataset).__name__
    return f"{name}({', '.join(shown)})" if shown else name
