"""Where ``kerazoo evaluate`` writes by default: one folder per data and options set, beside
the model, named so that a reader (and the report) can tell the evaluations apart.

Example:
    >>> evaluation_folder("runs/a/model.keras", "shapes", {"noise": "0.30"}).as_posix()
    'runs/a/evaluation-shapes-noise=0.3'
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["MAX_NAME", "evaluation_folder", "folder_name"]

#: The longest folder name made from options; a longer one is cut and given a hash.
MAX_NAME = 80
#: Characters kept as they are in a folder name; every other one becomes ``_``.
_UNSAFE = re.compile(r"[^A-Za-z0-9._=,+-]")


def _canonical(value: Any) -> str:
    """One spelling per value: ``"0.30"``, ``0.3`` and ``"0.3"`` give ``"0.3"``."""
    text = str(value).strip()
    try:
        return str(int(text))
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return text
    return repr(number) if number == number else text


def folder_name(data: str | os.PathLike[str] | None, options: Mapping[str, Any] | None) -> str:
    """``evaluation-DATA`` (``evaluation-own`` without data), then the options sorted by
    name, ``-noise=0.3,size=32``: stable for the same data and options, and made of safe
    file-name characters only. A name that had to be changed to be safe, or cut to
    :data:`MAX_NAME` characters, ends in a short hash of the options, so that two distinct
    option sets never share a folder.

    Example:
        >>> folder_name("shapes", {"size": 32, "noise": 0.3})
        'evaluation-shapes-noise=0.3,size=32'
        >>> folder_name(None, None)
        'evaluation-own'
    """
    base = Path(os.fspath(data).rstrip("/\\")).name if data is not None else "own"
    pairs = {str(k).strip(): _canonical(v) for k, v in (options or {}).items()}
    shown = ",".join(f"{k}={v}" for k, v in sorted(pairs.items()))
    raw = f"{base or 'data'}-{shown}" if shown else (base or "data")
    name = _UNSAFE.sub("_", raw).lstrip(".") or "data"
    if name != raw or len(name) > MAX_NAME:
        digest = json.dumps([str(data), sorted(pairs.items())], ensure_ascii=True)
        tag = hashlib.sha256(digest.encode()).hexdigest()[:8]
        name = f"{name[:MAX_NAME]}-{tag}"
    return f"evaluation-{name}"


def evaluation_folder(
    model: str | os.PathLike[str],
    data: str | os.PathLike[str] | None = None,
    options: Mapping[str, Any] | None = None,
) -> Path:
    """The default folder of an evaluation: :func:`folder_name` beside the model file, or
    inside a run folder; for a zoo model (installed read-only), inside ``zoo-NAME`` in the
    current folder.

    Args:
        model: the model file or run folder evaluated.
        data: the data named (a dataset name or a folder), ``None`` for the model's own.
        options: the dataset options given.

    Example:
        >>> evaluation_folder("runs/a/model.keras", None, {"noise": 0.5}).as_posix()
        'runs/a/evaluation-own-noise=0.5'
    """
    from kerazoo.saving._zoo import local_folder

    path = Path(model)
    where = local_folder(model) or (path if path.is_dir() else path.parent)
    return where / folder_name(data, options)
