"""MLflow tracking of runs, off by default: ``kerazoo.train(..., track=URI)``, ``kerazoo
train --track URI`` or ``KERAZOO_TRACKING_URI``.

A tracked run is also an MLflow run (through :class:`mlflow.tracking.MlflowClient`, never
``mlflow.keras.autolog``): its settings as parameters, each epoch's metrics at step =
the epoch number (from 1, as in ``history.csv``), the test metrics as ``test_*``, tags
(dataset, architecture, seed; variant under ``compare``) and the run folder's files as
artifacts (``model.keras``, ``report.html``, ``run.json``, ``history.csv``, the pictures).
``compare`` opens one parent run (:func:`parent_run`); each of its runs is a child
(tag ``mlflow.parentRunId``).

The run folder is the record: a URI that cannot work (an unknown scheme, mlflow not
installed) is refused before anything trains, but a tracking server that is down or
refuses makes the run warn once and go on untracked. MLflow's HTTP client retries with
backoff for minutes by default; kerazoo's calls run with at most
:data:`HTTP_LIMITS` (unless the ``MLFLOW_HTTP_REQUEST_*`` variables say otherwise).
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from kerazoo._errors import InvalidOptionError, KerazooError, option
from kerazoo.training._rundir import is_number, read_history

__all__ = [
    "ENV",
    "HTTP_LIMITS",
    "Tracker",
    "open_tracker",
    "parent_run",
    "shown_files",
    "tracked",
    "tracked_comparison",
]

#: The environment variable that turns tracking on for every run (``--track`` wins).
ENV = "KERAZOO_TRACKING_URI"
#: MLflow's HTTP settings for kerazoo's calls, where the environment does not set them: a
#: dead server costs seconds once (then the run goes on untracked), not minutes per call.
HTTP_LIMITS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "10",
}
#: The MLflow experiment of kerazoo's runs, unless ``MLFLOW_EXPERIMENT_NAME`` names one.
EXPERIMENT = "kerazoo"
#: The run folder's files logged as artifacts (besides every picture in it).
FILES = ("model.keras", "report.html", "run.json", "history.csv")
PICTURES = ("*.png", "*.gif", "*.svg")
#: kerazoo's run status -> MLflow's.
STATUS = {"finished": "FINISHED", "interrupted": "KILLED"}


@dataclass
class Tracker:
    """One MLflow client for a tracking URI; every call through :meth:`call`, which turns
    the first failure into one warning and every later call into nothing."""

    uri: str
    client: Any
    source: str
    broken: bool = False
    experiment_id: str | None = None

    def call(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)`` with bounded HTTP retries; ``None`` once tracking failed."""
        if self.broken:
            return None
        try:
            with _http_limits():
                return fn(*args, **kwargs)
        except Exception as exc:  # any failure of the server or store: the run goes on
            self.broken = True
            warnings.warn(
                f"MLflow tracking to {self.uri} failed ({what}: {type(exc).__name__}: "
                f"{_first_line(exc)}); the run goes on untracked, its folder is the record.",
                UserWarning,
                stacklevel=2,
            )
            return None

    def experiment(self) -> str | None:
        """The id of the experiment runs go to (made on first use; a SQLite store keeps its
        artifacts beside the database file)."""
        if self.experiment_id is None and not self.broken:
            name = os.environ.get("MLFLOW_EXPERIMENT_NAME") or EXPERIMENT
            found = self.call("finding the experiment", self.client.get_experiment_by_name, name)
            if found is not None:
                self.experiment_id = found.experiment_id
            elif not self.broken:
                where = _artifact_root(self.uri)
                self.experiment_id = self.call(
                    "creating the experiment", self.client.create_experiment, name, where
                )
        return self.experiment_id

    def start(self, name: str, params: Mapping[str, Any], tags: Mapping[str, str]) -> str | None:
        """A new MLflow run with ``params`` and ``tags``; its id (``None``: untracked)."""
        experiment = self.experiment()
        if experiment is None:
            return None
        run = self.call(
            "starting the run", self.client.create_run, experiment, tags=dict(tags), run_name=name
        )
        if run is None:
            return None
        from mlflow.entities import Param

        shown = [Param(k, _text(v)) for k, v in params.items()]
        for i in range(0, len(shown), 100):  # MLflow takes at most 100 parameters a call
            chunk = shown[i : i + 100]
            self.call("logging parameters", self.client.log_batch, run.info.run_id, [], chunk)
        return run.info.run_id

    def log_metrics(self, run_id: str | None, values: Mapping[str, Any], step: int) -> None:
        if run_id is None or self.broken:
            return
        import time

        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        metrics = [Metric(k, float(v), now, step) for k, v in values.items() if is_number(v)]
        if metrics:
            self.call("logging metrics", self.client.log_batch, run_id, metrics)

    def log_history(self, run_id: str | None, history: Mapping[str, list[Any]]) -> None:
        """Every epoch of ``history`` at step = the epoch number (from 1), in few calls."""
        if run_id is None or self.broken:
            return
        import time

        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        metrics = [
            Metric(k, float(v), now, step)
            for k, values in history.items()
            for step, v in enumerate(values, 1)
            if is_number(v)
        ]
        for i in range(0, len(metrics), 1000):  # MLflow takes at most 1000 metrics a call
            self.call("logging metrics", self.client.log_batch, run_id, metrics[i : i + 1000])

    def finish(self, run_id: str | None, folder: Path, files: Iterator[Path], status: str) -> None:
        """Log ``files`` (paths under ``folder``) as artifacts and end the run with
        ``status`` (MLflow's: FINISHED, FAILED or KILLED)."""
        if run_id is None:
            return
        for path in files:
            parent = path.parent.relative_to(folder).as_posix()
            where = None if parent == "." else parent
            self.call(f"logging {path.name}", self.client.log_artifact, run_id, str(path), where)
        self.call("ending the run", self.client.set_terminated, run_id, status)


def open_tracker(track: str | None, what: str = "track") -> Tracker | None:
    """The tracker for ``track`` (``None``: ``KERAZOO_TRACKING_URI``; neither: no tracking).

    Raises:
        KerazooError: mlflow is not installed (``pip install 'kerazoo[mlflow]'``).
        InvalidOptionError: a URI MLflow cannot use (an unknown scheme, say), named as
            ``--track`` or ``track=``.
    """
    parent = _PARENT.get()
    if track is None and parent is not None:
        return parent.tracker
    source = option(what, track) if track is not None else f"{ENV}={os.environ.get(ENV, '')}"
    uri = track if track is not None else os.environ.get(ENV, "")
    if not uri.strip():
        return None
    try:
        from mlflow.tracking import MlflowClient
    except ImportError as exc:
        raise KerazooError(
            f"Tracking runs in MLflow ({source}) needs mlflow, which is not installed "
            f"({exc}): pip install 'kerazoo[mlflow]'."
        ) from None
    _make_sqlite_folder(uri)
    try:
        with _http_limits(), _quiet_mlflow():
            client = MlflowClient(tracking_uri=uri)
    except Exception as exc:  # MLflow's refusal of the URI, as it words it
        raise InvalidOptionError(
            f"{source}: MLflow cannot track to {uri!r}: {_first_line(exc)} Give a URI such as "
            f"sqlite:///runs/mlflow.db or http://HOST:5000 (schemes: {', '.join(SCHEMES)})."
        ) from None
    return Tracker(uri, client, source)


#: The tracking URI schemes MLflow itself knows (plugins may add more).
SCHEMES = ("sqlite", "http", "https", "postgresql", "mysql", "mssql", "file", "databricks")


@contextlib.contextmanager
def tracked(
    tracker: Tracker | None, folder: Path, dataset: Any, architecture: Any, cfg: Mapping[str, Any]
) -> Iterator[list[Any]]:
    """One run as an MLflow run: yields the callbacks that log each epoch (none when not
    tracked); on the way out logs the test metrics and the folder's files, and ends it."""
    if tracker is None:
        yield []
        return
    parent = _PARENT.get()
    variant = parent.variants.get(folder.parent.name) if parent else None
    params = {"dataset": dataset.name, "architecture": architecture.name}
    params.update({f"data.{k}": v for k, v in dataset.options_json().items()})
    params.update({f"hp.{k}": v for k, v in architecture.hyperparameters_json().items()})
    params.update(cfg)
    tags = {"dataset": dataset.name, "architecture": architecture.name, "seed": str(cfg["seed"])}
    tags["kerazoo.run_dir"] = str(folder.resolve())
    if parent is not None and parent.run_id is not None:
        tags["mlflow.parentRunId"] = parent.run_id
    if variant is not None:
        tags["variant"] = variant
    name = f"{variant} seed {cfg['seed']}" if variant is not None else folder.name
    run_id = tracker.start(name, params, tags)
    tracker.log_history(run_id, _epochs_of(read_history(folder)))  # resumed: the epochs
    try:
        yield [] if run_id is None else [_epoch_logger(tracker, run_id)]
    finally:
        doc = _read_json(folder / "run.json")
        test = {f"test_{k}": v for k, v in (doc.get("test") or {}).items()}
        tracker.log_metrics(run_id, test, int(doc.get("settings", {}).get("epochs", 0)))
        status = STATUS.get(doc.get("status"), "FAILED")
        tracker.finish(run_id, folder, _run_files(folder), status)


@dataclass
class _Parent:
    tracker: Tracker
    run_id: str | None
    variants: dict[str, str] = field(default_factory=dict)  # run folder name -> variant


_PARENT: ContextVar[_Parent | None] = ContextVar("kerazoo_tracking_parent", default=None)


@contextlib.contextmanager
def parent_run(
    track: str | None, name: str, folder: Path, params: Mapping[str, Any], variants: Any = ()
) -> Iterator[None]:
    """Within the block, tracked runs are children of one MLflow run (``compare``'s);
    ``variants`` (with ``.folder`` and ``.name``) name each child by its folder."""
    tracker = open_tracker(track)
    if tracker is None:
        yield
        return
    tags = {"kerazoo.kind": name.split()[0], "kerazoo.run_dir": str(Path(folder).resolve())}
    run_id = tracker.start(name, params, tags)
    token = _PARENT.set(_Parent(tracker, run_id, {v.folder: v.name for v in variants}))
    status = "FAILED"
    try:
        yield
        status = "FINISHED"
    except KeyboardInterrupt:
        status = "KILLED"
        raise
    finally:
        _PARENT.reset(token)
        tracker.finish(run_id, Path(folder), shown_files(folder) if run_id else iter(()), status)


def tracked_comparison(
    track: str | None, dataset: str, architecture: str, folder: Path, plan: Any
) -> contextlib.AbstractContextManager[None]:
    """``compare``'s parent run: its variants (``plan.variants``) and seeds as parameters."""
    params: dict[str, Any] = {"dataset": dataset, "architecture": architecture}
    params["seeds"] = ",".join(str(s) for s in plan.seeds)
    params.update({f"variant.{v.name}": v.describe() for v in plan.variants})
    name = f"compare {dataset} {architecture} ({Path(folder).name})"
    return parent_run(track, name, folder, params, plan.variants)


def _epoch_logger(tracker: Tracker, run_id: str) -> Any:
    import keras

    class LogEpochs(keras.callbacks.Callback):
        """Each epoch's logs to MLflow at step = the epoch number (from 1)."""

        def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
            tracker.log_metrics(run_id, dict(logs or {}), epoch + 1)

    return LogEpochs()


def _run_files(folder: Path) -> Iterator[Path]:
    for name in FILES:
        if (folder / name).is_file():
            yield folder / name
    for pattern in PICTURES:
        yield from sorted(folder.rglob(pattern))


def shown_files(folder: Path) -> Iterator[Path]:
    """The results a folder of several runs (compare, tune) holds at its top: tables,
    JSON, pictures, pages."""
    if Path(folder).is_dir():
        for path in sorted(Path(folder).iterdir()):
            if path.is_file() and path.suffix in (".csv", ".json", ".png", ".html", ".gif"):
                yield path


@contextlib.contextmanager
def _http_limits() -> Iterator[None]:
    """:data:`HTTP_LIMITS` in the environment for one call, where the user set none."""
    added = {k: v for k, v in HTTP_LIMITS.items() if k not in os.environ}
    os.environ.update(added)
    try:
        yield
    finally:
        for key in added:
            os.environ.pop(key, None)


@contextlib.contextmanager
def _quiet_mlflow() -> Iterator[None]:
    """MLflow's INFO lines about creating its tables, out of the run's output."""
    import logging

    loggers = [logging.getLogger(n) for n in ("mlflow", "alembic")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def _make_sqlite_folder(uri: str) -> None:
    """``sqlite:///runs/mlflow.db`` where ``runs/`` does not exist yet: make it."""
    parsed = urlparse(uri)
    if parsed.scheme == "sqlite" and parsed.path not in ("", "/", "/:memory:"):
        Path(_sqlite_path(uri)).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_path(uri: str) -> str:
    return uri.split("sqlite:///", 1)[1] if uri.startswith("sqlite:///") else ""


def _artifact_root(uri: str) -> str | None:
    """A SQLite store's artifacts go beside its database file (``mlartifacts/``), not into
    the working folder; other stores decide for themselves."""
    path = _sqlite_path(uri)
    if not path or path == ":memory:":
        return None
    return (Path(path).resolve().parent / "mlartifacts").as_uri()


def _epochs_of(history: dict[str, list[float]]) -> dict[str, list[float]]:
    """The metrics of a run's history, without its ``epoch`` column."""
    return {k: v for k, v in history.items() if k != "epoch"}


def _read_json(path: Path) -> dict[str, Any]:
    import json

    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _text(value: Any) -> str:
    return ("None" if value is None else str(value))[:6000]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    line = text[0] if text else ""
    return line if len(line) <= 240 else line[:240] + " ..."
