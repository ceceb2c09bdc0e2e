"""Make a zoo entry: train by the recipe for several seeds, ship seed 0, write its card.

:func:`make_zoo_entry` trains each seed with :func:`kerazoo.zoo._recipe.run_recipe` (the
same function ``kerazoo zoo verify`` uses), copies the seed-0 run's files into the entry's
folder (``model.keras`` without optimizer state: a zoo model is for inference and looking
inside), measures what the card records (hash, parameters, known limits with
:func:`kerazoo.evaluate`, reference outputs) and writes ``card.json``.

Example:
    >>> import kerazoo
    >>> kerazoo.make_zoo_entry(                                        # doctest: +SKIP
    ...     "lenet-shapes",
    ...     "kerazoo train shapes lenet --data size=32 --epochs 8 --seed 0",
    ...     "test.accuracy",
    ...     "plugins/kerazoo_builtin/zoo/lenet_shapes",
    ...     shifts=[{"noise": 0.3}],
    ... )
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import shutil
import statistics
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from kerazoo import __version__
from kerazoo._errors import KerazooError
from kerazoo._files import write_text_atomic
from kerazoo.saving._zoo import CARD_NAME, MODEL_NAME, file_sha256
from kerazoo.zoo._recipe import RecipeRun, run_recipe
from kerazoo.zoo._reference import reference_outputs

__all__ = ["CARD_FORMAT", "LOWER_IS_BETTER", "make_zoo_entry", "metric_summary"]

#: The version of card.json's layout.
CARD_FORMAT = 1
#: Metrics where a smaller number is better (the rest: larger is better).
LOWER_IS_BETTER = ("mae", "rmse", "mse", "worst_mse", "cross_entropy", "loss")
#: How far a shifted evaluation may fall behind the in-distribution one and still hold.
MARGINS = {"accuracy": 0.1, "mae": 0.5, "mse": 0.005}
_COPIED = ("run.json", "history.csv")
#: An entry's ``__init__.py``: the folder is an import package, so entry points can name it.
_INIT = '''"""A zoo entry: model.keras, run.json and history.csv of one run, and card.json (its
recipe, hash, metric over seeds, limits and reference outputs). Made by
kerazoo.make_zoo_entry; load it as zoo:NAME."""
'''


def metric_summary(runs: Sequence[RecipeRun], metric: str) -> dict[str, Any]:
    """The card's ``metric``: its name, the shipped (first) seed's value, mean, sd, values.

    Example:
        >>> from pathlib import Path
        >>> runs = [RecipeRun(s, Path("."), v, 1.0) for s, v in enumerate([0.9, 1.0])]
        >>> metric_summary(runs, "test.accuracy")["mean"]
        0.95
    """
    values = [r.value for r in runs]
    return {
        "name": metric,
        "lower_is_better": metric.rsplit(".", 1)[-1] in LOWER_IS_BETTER,
        "shipped": values[0],
        "mean": statistics.fmean(values),
        "sd": statistics.stdev(values) if len(values) > 1 else 0.0,
        "seeds": [r.seed for r in runs],
        "values": values,
    }


def make_zoo_entry(
    name: str,
    recipe: str,
    metric: str,
    folder: str | os.PathLike[str],
    *,
    shifts: Sequence[Mapping[str, Any]] = (),
    seeds: int = 5,
    work: str | os.PathLike[str] | None = None,
    summary: str = "",
) -> dict[str, Any]:
    """Train ``recipe`` for ``seeds`` seeds, ship seed 0 in ``folder``, write its card.

    Args:
        name: the entry's name (``zoo:NAME``), e.g. ``"lenet-shapes"``.
        recipe: the exact ``kerazoo train ... --seed 0`` command.
        metric: where run.json holds the test metric, e.g. ``"test.accuracy"``.
        folder: the entry's package folder (gets ``model.keras``, ``run.json``,
            ``history.csv``, ``card.json``).
        shifts: dataset options to evaluate the shipped model on (its known limits).
        seeds: how many seeds (0, 1, ...) to train; the mean and sd are over them.
        work: where the seed runs go (kept, and reused when run again); default: a
            temporary folder.
        summary: one line saying what the model is.

    Returns:
        The card, as written to ``folder/card.json``.
    """
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kerazoo-zoo-") as tmp:
        base = Path(work) if work is not None else Path(tmp)
        runs = [run_recipe(recipe, metric, s, base / f"seed-{s}") for s in range(seeds)]
        params = _ship(runs[0].dir, target, recipe)
        limits = known_limits(name, target / MODEL_NAME, metric, shifts, Path(tmp))
    run_json = json.loads((target / "run.json").read_text(encoding="utf-8"))
    card = {
        "format": CARD_FORMAT,
        "name": name,
        "summary": summary,
        "dataset": run_json["dataset"]["name"],
        "architecture": run_json["architecture"]["name"],
        "recipe": recipe,
        "sha256": file_sha256(target / MODEL_NAME),
        "size_bytes": (target / MODEL_NAME).stat().st_size,
        "parameters": params,
        "metric": metric_summary(runs, metric),
        "training": _training(runs),
        "versions": _versions(),
        "limits": limits,
        "reference": reference_outputs(target / MODEL_NAME),
    }
    write_text_atomic(target / CARD_NAME, json.dumps(card, indent=1) + "\n")
    return card


def _ship(run_dir: Path, target: Path, recipe: str) -> int:
    """Copy the run's files into ``target``; model.keras without optimizer state. Returns
    the parameter count."""
    from kerazoo.saving._keras_file import save_model
    from kerazoo.saving._load import load_model

    model, _ = load_model(run_dir / MODEL_NAME, compile=False)
    save_model(model, target / MODEL_NAME)
    for file in _COPIED:
        shutil.copyfile(run_dir / file, target / file)
    run_json = json.loads((target / "run.json").read_text(encoding="utf-8"))
    run_json["command"] = shlex.split(recipe)  # not this machine's paths
    write_text_atomic(target / "run.json", json.dumps(run_json, indent=2) + "\n")
    (target / "__init__.py").write_text(_INIT, encoding="utf-8")
    return int(model.count_params())


def known_limits(
    name: str, model: Path, metric: str, shifts: Sequence[Mapping[str, Any]], tmp: Path
) -> list[dict[str, Any]]:
    """Each shift evaluated (``kerazoo evaluate zoo:NAME --data K=V``, 300 fresh images)
    beside the model's own data, and whether the model holds or fails on it."""
    from kerazoo.evaluation._evaluate import evaluate

    key = metric.rsplit(".", 1)[-1]
    lower = key in LOWER_IS_BETTER
    margin = MARGINS.get(key, 0.1)
    found = []
    for i, shift in enumerate(shifts):
        flags = " ".join(f"--data {k}={v}" for k, v in shift.items())
        found.append(
            {"shift": dict(shift), "command": f"kerazoo evaluate zoo:{name} {flags} -n 300"}
        )
        try:
            result = evaluate(model, None, options=dict(shift), n=300, out=tmp / f"shift-{i}")
        except KerazooError as exc:  # a shift the data cannot make is a limit too
            found[-1].update(verdict="refused", error=str(exc))
            continue
        shifted = result.metrics[key]
        own = result.reference.metrics[key] if result.reference else shifted
        worse = shifted - own if lower else own - shifted
        found[-1].update(
            metric=key,
            in_distribution=own,
            shifted=shifted,
            verdict="fails" if worse > margin else "holds",
            rule=f"fails when {key} is worse than on its own data by more than {margin}",
        )
    return found


def _training(runs: Sequence[RecipeRun]) -> dict[str, Any]:
    seconds = [r.seconds for r in runs]
    return {
        "seconds_shipped": seconds[0],
        "seconds_mean": statistics.fmean(seconds),
        "what": "wall-clock seconds of the whole 'kerazoo train' command (start-up, "
        "training, test evaluation, pictures, report)",
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
    }


def cpu_name() -> str:
    """The CPU's model name from /proc/cpuinfo, or what :mod:`platform` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _versions() -> dict[str, str]:
    import keras

    backend = keras.backend.backend()
    module = __import__({"tensorflow": "tensorflow"}.get(backend, backend))
    return {
        "kerazoo": __version__,
        "keras": keras.__version__,
        "backend": backend,
        "backend_version": getattr(module, "__version__", "unknown"),
        "python": platform.python_version(),
    }
