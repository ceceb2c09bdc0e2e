"""The output folder of ``kerazoo tune``: a new one, the same search continued, or started
over (``overwrite``); another search or other files there are refused.

Private; use :func:`kerazoo.tune`.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

from kerazoo._errors import InvalidOptionError

__all__ = ["OUTPUTS", "default_out", "differences", "prepare"]

#: What a search writes into its folder (``overwrite`` removes exactly these).
OUTPUTS = (
    "tuner",
    "best",
    "tensorboard",
    "tune.json",
    "trials.csv",
    "trials.json",
    "histories.csv",
)


def differences(saved: dict[str, Any], request: dict[str, Any]) -> list[str]:
    """What differs between a saved request and this one, e.g. ``learning_rate was 0.01,
    now 0.02``."""
    out = []
    for key in request:
        was, now = saved.get(key), request[key]
        if was == now:
            continue
        if isinstance(was, dict) and isinstance(now, dict):
            inner = [k for k in {**was, **now} if was.get(k) != now.get(k)]
            if inner and all(not isinstance(now.get(k), dict) for k in inner):
                out += [f"{k} was {was.get(k)!r}, now {now.get(k)!r}" for k in inner]
                continue
        out.append(f"{key} was {was!r}, now {now!r}")
    return out


def default_out(ds: Any, arch: Any) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"tune-{ds.name}-{arch.name}-{stamp}"


def prepare(folder: Path, request: dict[str, Any], overwrite: bool) -> None:
    """Check that ``folder`` is new, empty, or holds this same search (or clear it)."""
    saved_path = folder / "tune.json"
    if overwrite and saved_path.is_file():
        for name in OUTPUTS:
            target = folder / name
            if target.is_dir():
                shutil.rmtree(target)
            else:
                target.unlink(missing_ok=True)
    if saved_path.is_file():
        diff = differences(json.loads(saved_path.read_text()), json.loads(json.dumps(request)))
        if diff:
            raise InvalidOptionError(
                f"{folder} holds another search: {'; '.join(diff)}. Give the same options to "
                "continue it (only --trials may change), pass --overwrite to start over "
                "there, or choose another --out."
            )
    elif folder.exists() and any(p.name != ".kerazoo.lock" for p in folder.iterdir()):
        raise InvalidOptionError(
            f"{folder} already exists and holds no search (no tune.json): a search writes "
            "into a new or empty --out, or continues its own. Choose another --out."
        )
