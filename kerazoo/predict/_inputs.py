"""Collect what a user passes to predict into (label, item) pairs, in a stable order.

Paths (files, folders and their sub-folders), PIL images, numpy arrays and backend tensors,
alone or in a list; each pair's item is a ``Path``, a PIL image or an array. A path that is
not a regular file (a FIFO, a device, a socket), given or in a folder, is skipped with a
warning: reading it could wait forever.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from kerazoo._errors import DataError
from kerazoo.data._images import image_files

__all__ = ["count", "gather", "stderr_is_terminal"]


def gather(inputs: Any) -> Iterator[tuple[str, Any]]:
    """(label, item) pairs: item is a Path, a PIL image or an array; paths that are not
    regular files are skipped with one warning naming them."""
    skipped: list[Path] = []
    given = 0
    for pair in _gather(inputs, skipped):
        given += 1
        yield pair
    if skipped:
        names = ", ".join(str(p) for p in skipped[:5]) + (", ..." if len(skipped) > 5 else "")
        message = (
            f"{len(skipped)} input(s) skipped: not regular files (a FIFO, device or socket "
            f"is not read as an image): {names}"
        )
        if not given:
            raise DataError(f"No input to predict: {message}. Give image files or folders.")
        warnings.warn(message, UserWarning, stacklevel=3)


def _gather(inputs: Any, skipped: list[Path]) -> Iterator[tuple[str, Any]]:
    if isinstance(inputs, str | os.PathLike):
        yield from _paths(Path(inputs), skipped)
    elif isinstance(inputs, np.ndarray) or _is_pil(inputs):
        yield ("" if isinstance(inputs, np.ndarray) else _label(inputs, 0)), inputs
    elif isinstance(inputs, list | tuple):
        if not inputs:
            raise DataError("No inputs given: the list is empty.")
        for i, item in enumerate(inputs):
            if isinstance(item, str | os.PathLike):
                yield from _paths(Path(item), skipped)
            elif isinstance(item, np.ndarray) or _is_pil(item):
                yield _label(item, i), item
            else:
                raise DataError(_what(item, f"input #{i}"))
    elif hasattr(inputs, "numpy"):  # a backend tensor
        yield "#0", np.asarray(inputs.numpy())
    else:
        raise DataError(_what(inputs, "the input"))


def _what(item: Any, name: str) -> str:
    return (
        f"Cannot interpret {name} of type {type(item).__name__}: expected a file path, a "
        "folder, a PIL image or a numpy array (or a list of these)."
    )


def _label(item: Any, i: int) -> str:
    name = getattr(item, "filename", "") if _is_pil(item) else ""
    return str(name) if name else f"#{i}"


def _paths(p: Path, skipped: list[Path]) -> Iterator[tuple[str, Path]]:
    if p.is_dir():
        yield from ((str(f), f) for f in image_files(p, skipped))
    elif p.is_file():
        yield str(p), p
    elif p.exists():
        skipped.append(p)
    else:
        raise DataError(f"Input '{p}' does not exist.")


def count(item: Any) -> int:
    return item.shape[0] if isinstance(item, np.ndarray) and item.ndim == 4 else 1


def _is_pil(item: Any) -> bool:
    return type(item).__module__.startswith("PIL.")


def stderr_is_terminal() -> bool:
    return hasattr(sys.stderr, "isatty") and sys.stderr.isatty()
