"""``kerazoo tune``: a keras-tuner search over an architecture's declared ranges and the
training settings, into one output folder.

The folder (``out``) holds keras-tuner's own project (``tuner/``: ``oracle.json`` and one
``trial_ID/`` per trial, with kerazoo's ``history.json`` beside keras-tuner's
``trial.json``), the request (``tune.json``), the sorted results (``trials.csv``,
``trials.json``, ``histories.csv``) and the best model as an ordinary run folder
(``best/``: ``model.keras``, ``run.json``, ``evaluation/``), which ``kerazoo predict``,
``evaluate``, ``inspect`` and ``report`` take like any run, and TensorBoard's HParams data
(``tensorboard/``: every trial's hyperparameters, curves and objective; see
:mod:`kerazoo.experiments._tune_hparams`).

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
import dataclasses
import io
import json
import logging
import os
import warnings
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from kerazoo._errors import InvalidOptionError, check_choice, option
from kerazoo._files import check_output_folder
from kerazoo.experiments._tune_folder import default_out, prepare
from kerazoo.experiments._tune_results import TuneResult
from kerazoo.experiments._tune_tracking import log_search
from kerazoo.training._tracking import open_tracker

__all__ = ["TUNER_NAMES", "make_search_tuner", "tune"]

TUNER_NAMES = ("random", "bayesian", "hyperband")


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
    workers: int = 0,
    chief: str | None = None,
    allow_oversubscribe: bool = False,
    callbacks: Iterable[Any] = (),
    track: str | None = None,
    **settings: Any,
) -> TuneResult:
    """Search an architecture's hyperparameters and the tunable training settings.

    Every trial builds its model with :func:`kerazoo.build` and trains it on the same
    ``dataset.split(train_size, val_size, test_size, seed)``, its weights seeded by
    ``seed``. The searched names come from the tables: the architecture's hyperparameters
    (:meth:`~kerazoo.Architecture.search_space`) and the settings with ``tune=True`` in
    :data:`kerazoo.training._settings.SETTINGS` (optimizer, learning rate, batch size, ...).

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
        workers: run the trials in this many worker processes on this machine, this one
            being keras-tuner's chief (loopback only); 0: trials run here, one at a time.
            At most one per trial and one per usable CPU core (a warning says so).
        chief: ``"HOST:PORT"``: serve the search to workers on other machines (each runs
            :func:`tune_worker` with ``out`` on a shared file system) and wait for them.
        allow_oversubscribe: start ``workers`` beyond this machine's CPU cores.
        callbacks: Keras callbacks, or names of installed ones, added to every trial's
            ``fit`` (trials run here: not with ``workers`` or ``chief``).
        track: an MLflow tracking URI (default ``KERAZOO_TRACKING_URI``): when the search
            ends, one parent run and one child run per trial.
        **settings: training settings (``epochs``, ``seed``, ``train_size``, ...); a
            tunable one given here (``learning_rate=0.01``) is fixed, not searched.

    Returns:
        A :class:`~kerazoo.TuneResult`, trials best first.

    Raises:
        UnknownNameError, InvalidOptionError, IncompatibleError: before anything starts.
    """
    check_choice(tuner, TUNER_NAMES, "tuner")
    trials = _positive("trials", trials)
    role = _chief_role(workers, chief, trials, allow_oversubscribe)
    from kerazoo.experiments._tune_space import trial_callbacks

    extra = trial_callbacks(callbacks, here=role is None)
    ds, plan, metric = _setup(dataset, architecture, (data, hp, objective, space), settings, extra)
    folder = Path(out) if out is not None else default_out(ds, plan.arch)
    check_output_folder(folder)  # a file, device or FIFO there is refused before any trial
    request = plan.request(ds, tuner, metric)
    tracker = open_tracker(track)  # mlflow and the URI checked before any trial
    prepare(folder, request, overwrite)
    result = _search(folder, ds, plan, (tuner, trials, metric), request, (verbose, role))
    if plan.settings["tensorboard"]:
        from kerazoo.experiments._tune_hparams import write_search_hparams

        result = dataclasses.replace(result, tensorboard=write_search_hparams(result))
    log_search(tracker, result, ds.name, plan.arch.name, tuner)
    return result


def _setup(
    dataset: Any,
    architecture: Any,
    asked: tuple[Any, Any, str | None, Any],
    settings: dict[str, Any],
    callbacks: list[Any],
) -> tuple[Any, Any, tuple[str, str]]:
    """Check a search before anything starts: ``(dataset, plan, (metric, direction))``;
    ``asked`` is ``(data, hp, objective, space)`` as given."""
    data, hp, objective, space = asked
    from kerazoo.experiments._tune_space import Plan, parse_space_text, searched_settings
    from kerazoo.training._run import resolve_plugins
    from kerazoo.training._settings import check_run_compatible, check_settings
    from kerazoo.training._sizes import check_split_memory, split_sizes

    cfg = check_settings(settings)
    if cfg["devices"] != 1:
        raise InvalidOptionError(
            f"tune trains each trial on one device, got {option('devices', cfg['devices'])} "
            f"(that is for training one run). Run several trials at once with "
            f"{option('workers', 2)} instead."
        )
    if cfg["learning_rate"] == "find":
        raise InvalidOptionError(
            "tune searches the learning rate itself; 'find' (the learning-rate finder) is for "
            f"training one run. Leave {option('learning_rate')} out to search it, or give a "
            "number to fix it."
        )
    ds, arch = resolve_plugins(dataset, architecture, data or {}, hp or {}, "search")
    fixed_hp = {k: arch.config[k] for k in (hp or {})}
    _, _, _, task = check_run_compatible(arch, ds, cfg)
    check_split_memory(
        ds, split_sizes(cfg, ds.max_samples, ds.fixed_split)
    )  # before any image is made
    metric = _objective(objective, task.kind == "classification")
    texts = {k: v for k, v in (space or {}).items() if isinstance(v, str)}
    plan = Plan(
        type(arch),
        fixed_hp,
        cfg,
        set(settings) & set(searched_settings()),
        {**dict(space or {}), **parse_space_text(texts)},
        arch,
        callbacks,
    )
    return ds, plan, metric


def _chief_role(
    workers: Any, chief: str | None, trials: int, oversubscribe: bool
) -> tuple[str, int, int] | None:
    """``(host, port, local workers)`` for a chief, ``None`` for a search in one process."""
    from kerazoo.experiments._tune_cluster import (
        cap_workers,
        free_port,
        parse_address,
        require_grpc,
    )

    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
        raise InvalidOptionError(f"workers must be 0 or more, got {workers!r}.")
    if workers and chief:
        raise InvalidOptionError(
            f"{option('workers')} starts worker processes on this machine; {option('chief')} "
            "waits for workers on other machines. Give one of them."
        )
    if workers or chief:
        require_grpc()
    if chief:
        return (*parse_address(chief, "--chief"), 0)
    if not workers:
        return None
    return ("127.0.0.1", free_port(), cap_workers(workers, trials, oversubscribe))


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


def _search(
    folder: Path,
    ds: Any,
    plan: Any,
    how: tuple[str, int, tuple[str, str]],
    request: dict[str, Any],
    mode: tuple[bool, tuple[str, int, int] | None],
) -> TuneResult:
    """Run (or continue) the search in ``folder`` and write its results; with a chief
    ``role`` (host, port, local workers), the workers run the trials."""
    (kind, trials, metric), (verbose, role) = how, mode
    from kerazoo._files import write_text_atomic
    from kerazoo.experiments import _tune_cluster as cluster
    from kerazoo.training._rundir import lock_run_dir
    from kerazoo.training._session import seeded

    cfg = plan.settings
    folder.mkdir(parents=True, exist_ok=True)
    with lock_run_dir(folder), seeded(int(cfg["seed"]), cfg["deterministic"]):
        write_text_atomic(folder / "tune.json", json.dumps(request, indent=2) + "\n")
        shown = _Progress(trials, metric, plan.searched()) if verbose and not role else None
        chief = cluster.oracle_role("chief", *role[:2]) if role else contextlib.nullcontext()
        with chief, _quiet_search():
            tuner = make_search_tuner(folder, ds, plan, how, shown)
            done = sum(t.status != "RUNNING" for t in tuner.oracle.trials.values())
            if verbose:
                _say_start(folder, kind, trials, done, plan, role)
            if role is None:
                tuner.search(epochs=cfg["epochs"], verbose=0, callbacks=plan.callbacks)
            else:
                local = role[2] and cluster.Workers(folder, role[2], role[1], not verbose)
                cluster.serve(tuner, cfg["epochs"], local or None)
        from kerazoo.experiments._tune_best import collect, save_best

        result = collect(tuner, plan, metric, folder)
        result = save_best(tuner, result, verbose)
    from kerazoo.experiments._tune_results import write_results

    write_results(result)
    return result


def make_search_tuner(
    folder: Path, ds: Any, plan: Any, how: tuple[str, int, tuple[str, str]], progress: Any
) -> Any:
    """The keras-tuner Tuner of a search (chief, worker or alone): its data split once."""
    from kerazoo.experiments._tune_model import TrialModel, make_tuner
    from kerazoo.training._sizes import split_sizes

    kind, trials, metric = how
    cfg = plan.settings
    sizes = split_sizes(cfg, ds.max_samples, ds.fixed_split)
    hypermodel = TrialModel(plan, ds, ds.split(*sizes, seed=int(cfg["seed"])), folder)
    with contextlib.redirect_stdout(io.StringIO()):  # keras-tuner's "Reloading Tuner"
        return make_tuner(
            kind,
            hypermodel,
            metric,
            trials=trials,
            epochs=cfg["epochs"],
            seed=int(cfg["seed"]),
            folder=folder,
            progress=progress,
        )


@contextlib.contextmanager
def _quiet_search() -> Iterator[None]:
    """Hide what the search says that is no news to the user: TensorFlow's "triggered
    tf.function retracing" warnings (every trial builds a new model, so each one traces its
    own functions, as it must), keras-tuner's traceback of each failed trial (the table gives
    its status and message), and Keras' "Skipping variable loading for optimizer" when
    Hyperband starts a trial from its parent's weights (keras-tuner loads them before the
    new optimizer has variables, so the trial goes on with a fresh optimizer, as it does
    under plain keras-tuner)."""
    from kerazoo._compat import keras_tuner_tracebacks

    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with keras_tuner_tracebacks(False), warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Skipping variable loading for optimizer")
            yield
    finally:
        logger.setLevel(level)


def _say_start(folder: Path, kind: str, trials: int, done: int, plan: Any, role: Any) -> None:
    searched = ", ".join(plan.searched()) or "nothing"
    again = f"; continuing: {min(done, trials)} of {trials} trials already run" if done else ""
    print(f"Searching {plan.arch.name} ({kind}, {trials} trials) in {folder}{again}", flush=True)
    print(f"Searched: {searched}", flush=True)
    if role and role[2]:
        print(f"Chief on 127.0.0.1:{role[1]} with {role[2]} worker processes", flush=True)
    elif role:
        print(
            f"Chief serving the search on {role[0]}:{role[1]}; on each worker machine run: "
            f"kerazoo tune --worker I --oracle CHIEF_HOST:{role[1]} --out {folder} (the "
            "same folder, shared)",
            flush=True,
        )


class _Progress:
    """One line per trial: its number (keras-tuner's trial id, the number the table, the
    folders and the best model's line use), objective, the best so far, time, values and
    how many trials have run (a worker names itself instead: it does not know that)."""

    def __init__(
        self, trials: int, metric: tuple[str, str], searched: list[str], worker: str = ""
    ) -> None:
        self.trials, self.metric, self.searched, self.worker = trials, metric, searched, worker

    def __call__(self, event: dict[str, Any]) -> None:
        from kerazoo.experiments._tune_results import _short

        trial, record, oracle = event["trial"], event["record"], event["oracle"]
        best = oracle.get_best_trials(1)
        best_value = _short(best[0].score) if best and best[0].score is not None else "-"
        score = trial.score
        if self.worker and score is None:  # a worker's trial is scored by the chief
            score = oracle.get_trial(trial.trial_id).score
        value = _short(score) if record["status"] == "finished" else record["status"]
        values = trial.hyperparameters.values
        shown = " ".join(f"{n}={_short(values[n])}" for n in self.searched if n in values)
        head = f"trial {trial.trial_id}: {self.metric[0]} {value}"
        if self.worker:
            head = f"{self.worker}: {head}"
        tail = "" if self.worker else f"  ({len(oracle.trials)} of {self.trials} trials run)"
        print(f"{head}, best {best_value}, {record['seconds']:.1f}s  {shown}{tail}", flush=True)
