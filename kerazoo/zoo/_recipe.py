"""A card's recipe, run: the exact ``kerazoo train`` command, for one seed, in a child process.

The recipe is run as the user would run it (``python -m kerazoo train ...`` with this
interpreter), so the number a card records and the number ``kerazoo zoo verify`` checks come
from the path a user runs. One function does it for both: :func:`run_recipe`.

Example:
    >>> seed_command("kerazoo train shapes lenet --epochs 8 --seed 0", 3)
    ['train', 'shapes', 'lenet', '--epochs', '8', '--seed', '3']
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kerazoo._errors import DataError, InvalidOptionError

__all__ = ["RecipeRun", "metric_value", "run_recipe", "seed_command"]

#: The file a finished recipe run leaves beside run.json: the command's wall-clock seconds.
SECONDS_FILE = "train_seconds.txt"


@dataclass(frozen=True)
class RecipeRun:
    """One seed of a recipe, finished: its run folder, metric value and wall seconds."""

    seed: int
    dir: Path
    value: float
    seconds: float


def seed_command(recipe: str, seed: int) -> list[str]:
    """The recipe's arguments after ``kerazoo``, with ``--seed`` set to ``seed``.

    Raises:
        InvalidOptionError: the recipe is not a ``kerazoo train`` command.
    """
    words = shlex.split(recipe)
    if words[:2] != ["kerazoo", "train"]:
        raise InvalidOptionError(
            f"A zoo recipe is a 'kerazoo train ...' command; got {recipe!r}. "
            "Example: kerazoo train shapes lenet --epochs 8 --seed 0"
        )
    args, skip = [], False
    for word in words[1:]:
        if skip:
            skip = False
        elif word == "--seed":
            skip = True
        elif not word.startswith("--seed="):
            args.append(word)
    return [*args, "--seed", str(seed)]


def metric_value(run_json: dict[str, Any], metric: str) -> float:
    """The value of ``metric`` (``"test.accuracy"``: a section of run.json, then a key).

    Raises:
        DataError: run.json has no such number (the recipe made no test split?).

    Example:
        >>> metric_value({"test": {"accuracy": 0.98}}, "test.accuracy")
        0.98
    """
    node: Any = run_json
    for part in metric.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    if not isinstance(node, int | float) or isinstance(node, bool):
        raise DataError(
            f"run.json has no number at {metric!r} (got {node!r}): a zoo metric is read from "
            "the test split of the run; keep --test-size above 0 in the recipe."
        )
    return float(node)


def run_recipe(recipe: str, metric: str, seed: int, out: str | os.PathLike[str]) -> RecipeRun:
    """Train by ``recipe`` with ``seed`` into the run folder ``out`` and read ``metric``.

    A folder that already holds a finished run of the same command is read, not trained
    again (so an interrupted card-making run goes on where it stopped).

    Raises:
        InvalidOptionError: the recipe is not a ``kerazoo train`` command.
        DataError: training failed (its last lines are quoted), or gave no ``metric``.
    """
    folder = Path(out)
    args = [*seed_command(recipe, seed), "--out", str(folder), "--quiet"]
    done = _finished(folder, args)
    if done is None:
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "kerazoo", *args], capture_output=True, text=True
        )
        seconds = time.perf_counter() - start
        if result.returncode != 0:
            tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-5:])
            raise DataError(f"'kerazoo {shlex.join(args)}' failed:\n{tail}")
        (folder / SECONDS_FILE).write_text(f"{seconds:.1f}\n", encoding="utf-8")
        done = _finished(folder, args)
    if done is None:
        raise DataError(f"'kerazoo {shlex.join(args)}' wrote no finished run.json in '{folder}'.")
    run_json, seconds = done
    return RecipeRun(seed, folder, metric_value(run_json, metric), seconds)


def _finished(folder: Path, args: list[str]) -> tuple[dict[str, Any], float] | None:
    """``(run.json, seconds)`` of a finished run of exactly ``args`` in ``folder``, or None."""
    try:
        run_json = json.loads((folder / "run.json").read_text(encoding="utf-8"))
        seconds = float((folder / SECONDS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if run_json.get("status") != "finished" or run_json.get("command", [])[1:] != args:
        return None
    return run_json, seconds
