"""Label encodings: how a task's labels become training targets. numpy only, no keras.

One encoding fixes the target array, the head, the loss and the accuracy metric together
(the builder reads this table; :func:`encode_labels` writes the matching targets):

============== ================= ============================ =========================
encoding       task kinds        targets                      loss (head: logits)
============== ================= ============================ =========================
sparse         classification    int32 ``[N]`` class indices  sparse categorical CE
onehot         classification    float32 ``[N, K]``           categorical CE
binary         2-class only      float32 ``[N, 1]`` in {0,1}  binary CE (one logit)
regression     regression        float32 ``[N, 1]`` values    MSE or MAE
reconstruction any               float32 images in ``[0, 1]`` MSE (sigmoid output)
============== ================= ============================ =========================

``reconstruction`` applies to every dataset: the target is the input image itself, rescaled
to ``[0, 1]`` (``images / 255``), in the model's channel layout.

Example:
    >>> from kerazoo import Task
    >>> encode_labels([0, 1, 1], Task.classification(["a", "b"]), "binary").ravel()
    array([0., 1., 1.], dtype=float32)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from kerazoo._errors import DataError, IncompatibleError, UnknownNameError, option, unknown_choice
from kerazoo._task import Task

__all__ = [
    "ENCODINGS",
    "check_encoding",
    "default_encoding",
    "effective_task",
    "encode_labels",
]

#: Each encoding and the task kinds it applies to.
ENCODINGS: dict[str, tuple[str, ...]] = {
    "sparse": ("classification",),
    "onehot": ("classification",),
    "binary": ("classification",),
    "regression": ("regression",),
    "reconstruction": ("classification", "regression", "reconstruction"),
}

_DEFAULTS = {
    "classification": "sparse",
    "regression": "regression",
    "reconstruction": "reconstruction",
}


def default_encoding(task: Task) -> str:
    """The encoding used when none is asked for.

    ``sparse`` for classification (also with 2 classes: ask for ``binary`` explicitly),
    ``regression`` for regression, ``reconstruction`` for reconstruction.

    Example:
        >>> default_encoding(Task.regression(0, 1))
        'regression'
    """
    return _DEFAULTS[task.kind]


def _either(encodings: Sequence[str]) -> str:
    """``encoding='a' or 'b'`` from Python, ``--encoding a or b`` on the command line."""
    first = option("encoding", encodings[0])
    flag = option("encoding") != "encoding"
    return " or ".join([first, *(e if flag else repr(e) for e in encodings[1:])])


def check_encoding(task: Task, encoding: str | None) -> str:
    """Check that ``encoding`` fits ``task`` and return it (the default when ``None``).

    Args:
        task: the dataset's task.
        encoding: one of :data:`ENCODINGS`, or ``None`` for :func:`default_encoding`.

    Returns:
        The encoding name.

    Raises:
        UnknownNameError: an encoding that does not exist.
        IncompatibleError: an encoding that does not fit the task (``binary`` with 3
            classes, ``onehot`` for regression, ...).

    Example:
        >>> check_encoding(Task.classification(["a", "b", "c"]), "onehot")
        'onehot'
    """
    if encoding is None:
        return default_encoding(task)
    if not isinstance(encoding, str) or encoding not in ENCODINGS:
        raise unknown_choice(
            "encoding", encoding, ENCODINGS, listed="Valid encodings", error=UnknownNameError
        )
    fits = [e for e in ENCODINGS if task.kind in ENCODINGS[e]]
    if task.kind not in ENCODINGS[encoding]:
        raise IncompatibleError(
            f"{option('encoding', encoding)} is for {' or '.join(ENCODINGS[encoding])} tasks, "
            f"but this dataset's task is {task.kind}. For {task.kind} use "
            f"{_either(fits)} (or leave it out for {default_encoding(task)!r})."
        )
    if encoding == "binary" and task.num_classes != 2:
        raise IncompatibleError(
            f"{option('encoding', 'binary')} needs exactly 2 classes (one sigmoid logit), but "
            f"this task has {task.num_classes}: {', '.join(task.class_names)}. Use "
            f"{_either(('sparse', 'onehot'))} for more than 2 classes."
        )
    return encoding


def effective_task(task: Task, encoding: str) -> Task:
    """The task the model actually learns: ``reconstruction`` overrides the dataset's task.

    Example:
        >>> effective_task(Task.classification(["a", "b"]), "reconstruction").kind
        'reconstruction'
    """
    if encoding == "reconstruction" and task.kind != "reconstruction":
        return Task.reconstruction()
    return task


def encode_labels(labels: Any, task: Task, encoding: str) -> np.ndarray:
    """Turn a dataset's labels into the targets the encoding's loss expects.

    Args:
        labels: class indices (classification), values (regression), or for
            ``reconstruction`` the ``uint8`` images themselves (any layout).
        task: the dataset's task.
        encoding: one of :data:`ENCODINGS` (checked with :func:`check_encoding`).

    Returns:
        ``int32 [N]`` (sparse), ``float32 [N, K]`` (onehot), ``float32 [N, 1]`` (binary,
        regression), or ``float32`` images divided by 255 (reconstruction).

    Raises:
        DataError: labels that are missing, not one per sample, or out of range.

    Example:
        >>> encode_labels([2, 0], Task.classification(["a", "b", "c"]), "onehot")
        array([[0., 0., 1.],
               [1., 0., 0.]], dtype=float32)
    """
    encoding = check_encoding(task, encoding)
    if labels is None:
        what = "images" if encoding == "reconstruction" else "labels"
        raise DataError(f"encoding={encoding!r} needs {what}, got None.")
    arr = np.asarray(labels)
    if encoding == "reconstruction":
        if arr.dtype != np.uint8:
            raise DataError(
                "Reconstruction targets are made from the raw uint8 images, got dtype "
                f"{arr.dtype}. Pass the uint8 pixels."
            )
        return arr.astype(np.float32) * np.float32(1.0 / 255.0)
    if encoding == "regression":
        arr = _flat(arr, encoding)
        if not np.issubdtype(arr.dtype, np.number) or not np.all(np.isfinite(arr)):
            raise DataError(
                f"Regression labels must be finite numbers, got dtype {arr.dtype}"
                f"{' with NaN or inf values' if np.issubdtype(arr.dtype, np.number) else ''}."
            )
        return arr.astype(np.float32).reshape(-1, 1)
    arr = _flat(arr, encoding)
    k = task.num_classes
    if not np.issubdtype(arr.dtype, np.integer):
        if np.issubdtype(arr.dtype, np.floating) and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        else:
            raise DataError(
                f"Class labels must be integer indices 0..{k - 1}, got dtype {arr.dtype}."
            )
    if arr.size and (arr.min() < 0 or arr.max() >= k):
        bad = arr[(arr < 0) | (arr >= k)][:5].tolist()
        raise DataError(
            f"Class labels must be indices 0..{k - 1} into {list(task.class_names)}, got {bad}."
        )
    if encoding == "sparse":
        return arr.astype(np.int32)
    if encoding == "binary":
        return arr.astype(np.float32).reshape(-1, 1)
    return np.eye(k, dtype=np.float32)[arr]


def _flat(arr: np.ndarray, encoding: str) -> np.ndarray:
    if arr.ndim == 2 and arr.shape[1] == 1:
        return arr[:, 0]
    if arr.ndim != 1:
        raise DataError(
            f"encoding={encoding!r} takes one label per sample (shape [N]), got shape {arr.shape}."
        )
    return arr
