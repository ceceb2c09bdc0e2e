"""The run directory and its ``run.json``: everything needed to repeat or resume a run.

Example:
    >>> default_run_dir("shapes", "lenet").parent
    PosixPath('runs')
"""

from __future__ import annotations

import json
import platform
import sys
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import kerazoo
from kerazoo.errors import InvalidOptionError, option
from kerazoo.files import write_text_atomic
from kerazoo.training.settings import SETTINGS, changed_settings

__all__ = ["check_new_run_dir", "default_run_dir", "read_run_json", "write_run_json"]


def default_run_dir(dataset: str, architecture: str) -> Path:
    """``runs/DATASET-ARCH-YYYYmmdd-HHMMSS``."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"{dataset}-{architecture}-{stamp}"


def check_new_run_dir(run_dir: Path) -> None:
    """Refuse a directory that already holds files (a run is never overwritten)."""
    if run_dir.exists() and any(run_dir.iterdir()):
        raise InvalidOptionError(
            f"The run directory {run_dir} already exists and is not empty. Pass "
            "--resume to continue that run, or choose another --out."
        )


def write_run_json(
    run_dir: Path,
    dataset: Any,
    architecture: Any,
    settings: Mapping[str, Any],
    resolved: Mapping[str, Any],
) -> Path:
    """Write ``run.json``: versions, command, dataset, architecture, resolved choices, settings.

    Args:
        run_dir: the run directory.
        dataset: the :class:`kerazoo.Dataset` trained on.
        architecture: the Architecture trained.
        settings: every training setting (:data:`kerazoo.training.settings.SETTINGS`).
        resolved: ``task``, ``input`` and ``compile`` as the builder decided them.
    """
    import keras

    doc = {
        "kerazoo": kerazoo.__version__,
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "python": platform.python_version(),
        "command": sys.argv if Path(sys.argv[0]).name in ("kerazoo", "__main__.py") else None,
        "dataset": {
            "name": type(dataset).name,
            "options": dataset.options_json(),
            "seed": settings["seed"],
            "plugin": type(dataset).plugin,
        },
        "architecture": {
            "name": type(architecture).name,
            "hyperparameters": architecture.hyperparameters_json(),
            "plugin": type(architecture).plugin,
        },
        "resolved": {k: resolved.get(k) for k in ("task", "input", "compile")},
        "settings": dict(settings),
    }
    return write_text_atomic(run_dir / "run.json", json.dumps(doc, indent=2) + "\n")


def read_run_json(
    run_dir: Path, given: Mapping[str, Any], explicit: bool = False
) -> dict[str, Any]:
    """Read a run's ``run.json`` to resume it; ``given`` settings may only raise ``epochs``.

    Args:
        run_dir: the run directory.
        given: settings passed with the resume request.
        explicit: every value in ``given`` was set by the user (command-line flags); else
            values equal to their defaults count as not given.

    Returns:
        ``{"settings": {...}, "dataset": {...}, "architecture": {...}}`` with every setting.

    Raises:
        InvalidOptionError: no ``run.json``, or a changed setting other than ``epochs``.
    """
    path = run_dir / "run.json"
    if not path.is_file():
        raise InvalidOptionError(
            f"Cannot resume {run_dir}: it has no run.json, so it is not a kerazoo run "
            "directory (or the run was killed before its first epoch; start it again)."
        )
    saved = json.loads(path.read_text())
    settings = {name: param.default for name, param in SETTINGS.items()}
    settings.update(saved["settings"])
    changed = changed_settings(settings, given, explicit)
    if changed:
        was = ", ".join(option(k, settings.get(k)) for k in changed)
        raise InvalidOptionError(
            f"A resumed run keeps its settings; only epochs may change. {run_dir} was "
            f"started with {was}. Leave those out, or start a new run with another --out."
        )
    epochs = given.get("epochs")
    if epochs is not None and epochs != SETTINGS["epochs"].default:
        settings["epochs"] = epochs  # resuming may extend a run
    return {
        "settings": settings,
        "dataset": saved["dataset"],
        "architecture": saved["architecture"],
    }
