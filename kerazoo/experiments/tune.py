"""``kerazoo tune``: a keras-tuner search over an architecture's declared ranges and the
training settings, into one output folder.

The folder (``out``) holds keras-tuner's own project (``tuner/``: ``oracle.json`` and one
``trial_ID/`` per trial, with kerazoo's ``history.json`` beside keras-tuner's
``trial.json``), the request (``tune.json``), the sorted results (``trials.csv``,
``trials.json``, ``histories.csv``) and the best model as an ordinary run folder
(``best/``: ``model.keras``, ``run.json``, ``evaluation/``), which ``kerazoo predict``,
``evaluate``, ``inspect`` and ``report`` take like any run.

Running the same search again with the same ``out`` continues it: keras-tuner reloads its
project (``overwrite=False``), finished trials are not run again, and a trial that was
killed runs again with the same values. ``trials`` may be raised to extend a search;
other changes are refused (``overwrite=True`` starts over).

Example:
    >>> import kerazoo
    >>> result = kerazoo.tune("shapes", "lenet", trials=5, epochs=2,
    ...                       data={"size": 32}, out="runs/tune-lenet")   # doctest: +SKIP
    >>> result.best.hyperparameters["learning_rate"]                       # doctest: +SKIP
    0.0031
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import shutil
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from kerazoo.errors import InvalidOptionError, check_choice
from kerazoo.experiments.tune_results import TuneResult

__all__ = ["TUNER_NAMES", "tune"]

TUNER_NAMES = ("random", "bayesian", "hyperband")
#: What a search writes into its folder (``overwrite`` removes exactly these).
OUTPUTS = ("tuner", "best", "tune.json", "trials.csv", "trials.json", "histories.csv")


def tune(
    dataset: Any,
    architecture: Any,
    *,
    data: dict[str, Any] | None = None,
    hp: dict[str, Any] | None = None,
    tuner: str = "random",
    trials: int = 10,
    out: str | os.PathLike[str] | None = None,
    objective: str | None = None,
    space: Mapping[str, Any] | None = None,
    overwrite: bool = False,
    verbose: bool = True,
    **settings: Any,
) -> TuneResult:
    """Search an architecture's hyperparameters and the tunable training settings.

    Every trial builds its model with :func:`kerazoo.build` and trains it on the same
    ``dataset.split(train_size, val_size, test_size, seed)``, its weights seeded by
    ``seed``. The searched names come from the tables: the architecture's hyperparameters
    (:meth:`~kerazoo.Architecture.search_space`) and the settings with ``tune=True`` in
    :data:`kerazoo.training.settings.SETTINGS` (optimizer, learning rate, batch size, ...).

    Args:
        dataset: a dataset name (configured by ``data``) or a Dataset.
        architecture: an architecture name or an Architecture (its class is searched).
        data: dataset options, e.g. ``{"size": 32}``.
        hp: hyperparameters fixed in every trial, e.g. ``{"filters": 8}``.
        tuner: ``"random"``, ``"bayesian"`` (needs scikit-learn) or ``"hyperband"``.
        trials: trials in the whole search.
        out: the output folder (default ``runs/tune-DATASET-ARCH-TIME``); an existing
            search there is continued.
        objective: the metric to optimise: ``val_accuracy`` (classification) or
            ``val_mae`` (regression) by default; ``val_loss``, ``loss``... also work.
        space: narrows entries: name -> ``(low, high)`` (a range), a list (the choices)
            or a string ``"LOW:HIGH"`` / ``"A,B,C"``.
        overwrite: remove a previous search in ``out`` and start over.
        verbose: print one line per trial.
        **settings: training settings (``epochs``, ``seed``, ``train_size``, ...); a
            tunable one given here (``learning_rate=0.01``) is fixed, not searched.

    Returns:
        A :class:`~kerazoo.experiments.tune_results.TuneResult`, trials best first.

    Raises:
        UnknownNameError, InvalidOptionError, IncompatibleError: before anything starts.
    """
    from kerazoo.experiments.tune_space import Plan, parse_space_text, searched_settings
    from kerazoo.training.run import resolve_plugins
    from kerazoo.training.settings import check_run_compatible, check_settings

    check_choice(tuner, TUNER_NAMES, "tuner")
    trials = _positive("trials", trials)
    cfg = check_settings(settings)
    if cfg["devices"] != 1:
        raise InvalidOptionError(
            f"tune trains each trial on one device, got --devices {cfg['devices']} (that is "
            "for kerazoo train). Run several trials at once with --workers K instead."
        )
    if cfg["learning_rate"] == "find":
        raise InvalidOptionError(
            "tune searches the learning rate itself; 'find' (the learning-rate finder) is for "
            "kerazoo train. Leave --lr out to search it, or give a number to fix it."
        )
    ds, arch = resolve_plugins(dataset, architecture, data or {}, hp or {})
    fixed_hp = {k: arch.config[k] for k in (hp or {})}
    _, _, encoding, task = check_run_compatible(arch, ds, cfg)
    metric = _objective(objective, task.kind == "classification")
    texts = {k: v for k, v in (space or {}).items() if isinstance(v, str)}
    plan = Plan(type(arch), fixed_hp, cfg, set(settings) & set(searched_settings()),
                {**dict(space or {}), **parse_space_text(texts)})  # fmt: skip
    folder = Path(out) if out is not None else _default_out(ds, arch)
    request = _request(ds, arch, plan, tuner, metric)
    _prepare(folder, request, overwrite)
    return _search(folder, ds, plan, (tuner, trials, metric), request, verbose)


def _positive(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidOptionError(f"{name} must be a positive integer, got {value!r}.")
    return value


def _objective(name: str | None, classification: bool) -> tuple[str, str]:
    """``(metric, direction)``: the default of :func:`pick_monitor`, or a checked choice."""
    metric = "accuracy" if classification else "mae"
    valid = [f"val_{metric}", "val_loss", metric, "loss"]
    if name is None:
        name = valid[0]
    check_choice(name, valid, "objective")
    return name, "max" if name.endswith("accuracy") else "min"


def _differences(saved: dict[str, Any], request: dict[str, Any]) -> list[str]:
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


def _default_out(ds: Any, arch: Any) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"tune-{type(ds).name}-{type(arch).name}-{stamp}"


def _request(ds: Any, arch: Any, plan: Any, tuner: str, metric: tuple[str, str]) -> dict:
    """What makes a search the same search (``tune.json``; ``trials`` may change)."""
    from kerazoo.training.settings import SETTINGS

    table = type(arch).hyperparameters
    return {
        "dataset": {"name": type(ds).name, "options": ds.options_json()},
        "architecture": {
            "name": type(arch).name,
            "fixed": {k: table[k].dump(v) for k, v in plan.fixed_hp.items()},
        },
        "settings": {k: SETTINGS[k].dump(v) for k, v in plan.settings.items()},
        "fixed_settings": sorted(plan.fixed_settings),
        "space": {k: [kind, list(v)] for k, (kind, v) in plan.space.items()},
        "tuner": tuner,
        "objective": list(metric),
    }


def _prepare(folder: Path, request: dict[str, Any], overwrite: bool) -> None:
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
        diff = _differences(json.loads(saved_path.read_text()), json.loads(json.dumps(request)))
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


def _search(
    folder: Path, ds: Any, plan: Any, how: tuple[str, int, tuple[str, str]],
    request: dict[str, Any], verbose: bool,
) -> TuneResult:  # fmt: skip
    """Run (or continue) the search in ``folder`` and write its results."""
    kind, trials, metric = how
    from kerazoo.files import write_text_atomic
    from kerazoo.training.rundir import lock_run_dir
    from kerazoo.training.session import seeded
    from kerazoo.training.sizes import split_sizes

    cfg = plan.settings
    sizes = split_sizes(cfg, ds.max_samples)
    cfg["train_size"], cfg["val_size"], cfg["test_size"] = sizes
    folder.mkdir(parents=True, exist_ok=True)
    with lock_run_dir(folder), seeded(int(cfg["seed"]), cfg["deterministic"]):
        from kerazoo.experiments.tune_model import TrialModel, make_tuner

        write_text_atomic(folder / "tune.json", json.dumps(request, indent=2) + "\n")
        splits = ds.split(*sizes, seed=int(cfg["seed"]))
        hypermodel = TrialModel(plan, ds, splits, folder)
        progress = _Progress(trials, metric, plan.searched()) if verbose else None
        with contextlib.redirect_stdout(io.StringIO()):  # keras-tuner's "Reloading Tuner"
            tuner = make_tuner(kind, hypermodel, metric, trials=trials, epochs=cfg["epochs"],
                               seed=int(cfg["seed"]), folder=folder, progress=progress)  # fmt: skip
        done = sum(t.status != "RUNNING" for t in tuner.oracle.trials.values())
        if verbose:
            _say_start(folder, kind, trials, done, plan)
        with _quiet_retracing():
            tuner.search(epochs=cfg["epochs"], verbose=0)
        from kerazoo.experiments.tune_best import collect, save_best

        result = collect(tuner, plan, metric, folder)
        save_best(tuner, result, verbose)
    from kerazoo.experiments.tune_results import write_results

    write_results(result)
    return result


@contextlib.contextmanager
def _quiet_retracing() -> Iterator[None]:
    """Hide TensorFlow's "triggered tf.function retracing" warnings while the search runs:
    every trial builds a new model, so each one traces its own functions, as it must."""
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _say_start(folder: Path, kind: str, trials: int, done: int, plan: Any) -> None:
    searched = ", ".join(plan.searched()) or "nothing"
    again = f"; continuing: {min(done, trials)} of {trials} trials already run" if done else ""
    print(f"Searching {plan.arch_cls.name} ({kind}, {trials} trials) in {folder}{again}",
          flush=True)  # fmt: skip
    print(f"Searched: {searched}", flush=True)


class _Progress:
    """One line per trial: its number, objective, the best so far, time and values."""

    def __init__(self, trials: int, metric: tuple[str, str], searched: list[str]) -> None:
        self.trials, self.metric, self.searched = trials, metric, searched

    def __call__(self, event: dict[str, Any]) -> None:
        from kerazoo.experiments.tune_results import _short

        trial, record, oracle = event["trial"], event["record"], event["oracle"]
        best = oracle.get_best_trials(1)
        best_value = _short(best[0].score) if best and best[0].score is not None else "-"
        value = _short(trial.score) if record["status"] == "finished" else record["status"]
        values = trial.hyperparameters.values
        shown = " ".join(f"{n}={_short(values[n])}" for n in self.searched if n in values)
        n = len(oracle.trials)
        head = f"trial {n}/{self.trials} (id {trial.trial_id}): {self.metric[0]} {value}"
        print(f"{head}, best {best_value}, {record['seconds']:.1f}s  {shown}", flush=True)
