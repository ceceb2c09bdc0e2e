"""Which state of a run each part of its folder shows. A run resumed with ``--resume``
has a first command and a latest one, more epochs than it was started with, and may hold
evaluations made by an earlier state of its model: the report says which is which.

Everything here reads the parsed ``run.json``, the history and the evaluations'
``metrics.json`` (their ``model.epochs``), or, for an evaluation that does not record
the epochs, compares file times from the folder's listing.

Example:
    >>> latest_command({"command": ["kerazoo", "train"], "resumed": []})
    ['kerazoo', 'train']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kerazoo.report._folder import EvaluationFile, RunFolder

__all__ = ["epochs_now", "latest_command", "older_note", "resumes", "training_loss"]


def resumes(run: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The run's resumes, oldest first (``run.json`` ``resumed``), each a dict."""
    found = run.get("resumed")
    return [r for r in found if isinstance(r, dict)] if isinstance(found, list) else []


def latest_command(run: Mapping[str, Any]) -> Any:
    """The command of the last resume that recorded one, else the first command."""
    for resume in reversed(resumes(run)):
        if resume.get("command"):
            return resume["command"]
    return run.get("command")


def epochs_now(folder: RunFolder) -> int | None:
    """The epochs the run's model has been trained for: the history's rows, or the
    settings' epochs of a finished run without a history."""
    if folder.history:
        return len(folder.history)
    settings = folder.run.get("settings")
    epochs = settings.get("epochs") if isinstance(settings, dict) else None
    finished = folder.run.get("status") == "finished"
    return epochs if finished and isinstance(epochs, int) else None


def _plural(n: int) -> str:
    return f"{n} epoch" + ("" if n == 1 else "s")


def older_note(folder: RunFolder, evaluation: EvaluationFile) -> str:
    """``""``, or a sentence saying that ``evaluation`` was computed by an earlier state of
    the run's model (fewer epochs than it has now, or before ``model.keras`` was saved)."""
    model = evaluation.doc.get("model")
    epochs = model.get("epochs") if isinstance(model, dict) else None
    now = epochs_now(folder)
    if isinstance(epochs, int) and not isinstance(epochs, bool):
        if now is not None and epochs < now:
            return (
                f"Made by an older model: computed with the model after {_plural(epochs)}; "
                f"the run's model has {_plural(now)} now. Evaluate again to update it."
            )
        return ""
    times = {name: mtime for name, _, mtime in folder.files}
    made = times.get(f"{evaluation.folder}/metrics.json")
    saved = times.get("model.keras")
    if made is not None and saved is not None and made < saved:
        return (
            "Made by an older model: computed before model.keras was last saved. Evaluate "
            "again to update it."
        )
    return ""


def training_loss(run: Mapping[str, Any]) -> str:
    """The loss the run was trained with (the curves' ``loss`` and ``val_loss``), or ``""``."""
    resolved = run.get("resolved")
    compiled = resolved.get("compile") if isinstance(resolved, dict) else None
    loss = compiled.get("loss") if isinstance(compiled, dict) else None
    return loss if isinstance(loss, str) else ""
