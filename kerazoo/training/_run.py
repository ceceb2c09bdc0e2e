"""Training runs: one call or one command from a dataset and an architecture to a saved model.

A run directory holds ``model.keras`` (final), ``best.keras`` (best by the validation
metric), ``checkpoint.keras`` (last completed epoch, optimizer state and progress included),
``history.csv``, ``curves.png`` and ``run.json`` (everything needed to repeat the run). The
run files are written by Keras callbacks (:mod:`kerazoo.training._callbacks`) during one
``model.fit`` for the whole run; every file is written to a temporary name and renamed over
the target, so a kill at any moment leaves the previous good file loadable, and
``resume=True`` continues a killed run from its last completed epoch, exactly.
One process at a time runs in a directory: it is locked for the whole run (POSIX
``flock``, see :func:`kerazoo.training._rundir.lock_run_dir`), and a second run there is
refused with the first one's pid.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kerazoo._errors import DivergedError, InvalidOptionError, KerazooError, option
from kerazoo._extensions import make_callbacks
from kerazoo._registry import get_architecture, get_dataset
from kerazoo.data._dataset import Dataset
from kerazoo.models._architecture import Architecture
from kerazoo.training import _rundir as rundir
from kerazoo.training._distribute import chief_here
from kerazoo.training._resume import check_new_run_request, resumed_run
from kerazoo.training._session import seeded
from kerazoo.training._settings import (
    SETTINGS,
    check_run_compatible,
    check_settings,
    suggested_settings,
)
from kerazoo.training._sizes import check_split_memory, split_sizes
from kerazoo.training._tracking import open_tracker, tracked

__all__ = ["Run", "resolve_plugins", "train"]


@dataclass
class Run:
    """What a training run produced.

    Attributes:
        model: the trained ``keras.Model``.
        history: per-epoch values, ``{"loss": [...], "val_accuracy": [...], ...}``.
        dir: the run directory.
        metadata: the ``kerazoo.json`` written into the saved model.
        test: the final model's metrics on the held-out test split (``evaluation/``
            holds its pictures); empty with ``test_size=0``.
        baseline: the test metric against the trivial baseline of the task (the most
            common class, the training mean, the mean image) and the verdict ``learned``
            (:class:`kerazoo.training._baseline.Baseline` as a dict, as in ``run.json``);
            ``None`` without a test split. A model that did not learn also gets a
            :class:`~kerazoo.NotLearnedWarning`.
    """

    model: Any
    history: dict[str, list[float]]
    dir: Path
    metadata: dict[str, Any] = field(repr=False)
    test: dict[str, float] = field(default_factory=dict)
    baseline: dict[str, Any] | None = None

    @property
    def model_path(self) -> Path:
        """The final model, ``model.keras``."""
        return self.dir / "model.keras"

    @property
    def best_path(self) -> Path:
        """The best model by validation metric, ``best.keras``."""
        return self.dir / "best.keras"

    @property
    def metrics(self) -> dict[str, float]:
        """The last epoch's metrics."""
        return {k: v[-1] for k, v in self.history.items() if v}

    def summary(self) -> dict[str, Any]:
        """The run in one JSON-ready dict (what ``kerazoo train --json`` prints): status (as
        ``run.json`` says), folder, model, epochs, last metrics, test metrics, baseline.

        Example:
            >>> run.summary()["status"]                                # doctest: +SKIP
            'finished'
        """
        doc = json.loads((self.dir / "run.json").read_text())
        return {
            "status": doc.get("status"),
            "dir": str(self.dir),
            "model": str(self.model_path),
            "epochs": len(next(iter(self.history.values()), [])),
            "metrics": self.metrics,
            "test": self.test,
            "baseline": self.baseline,
        }

    def summary_line(self) -> str:
        """One line: the last metrics, the test metrics and where the model is.

        Example:
            >>> run.summary_line()                                     # doctest: +SKIP
            'loss 0.1, accuracy 0.97, ..., test_accuracy 0.96. Model saved to run/model.keras'
        """
        test = {f"test_{k}": v for k, v in self.test.items()}
        shown = ", ".join(f"{k} {v:.4g}" for k, v in {**self.metrics, **test}.items())
        return f"{shown}. Model saved to {self.model_path}"


def train(
    dataset: str | Dataset | None,
    architecture: str | Architecture | None,
    *,
    data: dict[str, Any] | None = None,
    hp: dict[str, Any] | None = None,
    out: str | os.PathLike[str] | None = None,
    resume: bool = False,
    verbose: int | str = "auto",
    callbacks: list[Any] | None = None,
    track: str | None = None,
    epochs: int | None = None,
    batch_size: int = 64,
    optimizer: str = "adam",
    learning_rate: float | None = None,
    schedule: str | None = None,
    encoding: str | None = None,
    data_format: str = "auto",
    train_size: int | None = None,
    val_size: int | None = None,
    test_size: int | None = None,
    seed: int = 0,
    augment: bool = False,
    deterministic: bool = False,
    lr_backoff: bool = False,
    precision: str = "float32",
    jit_compile: bool | str = "auto",
    **unknown: Any,
) -> Run:
    """Train ``architecture`` on ``dataset`` and save everything in a run directory.

    The settings after ``callbacks`` are those of :data:`kerazoo.training._settings.SETTINGS`,
    with its defaults (its help and ranges are what ``kerazoo train --help`` shows); a test
    holds this signature and these Args to that table.

    Args:
        dataset: a dataset name (configured by ``data``) or a :class:`kerazoo.Dataset`
            (``None`` with ``resume``).
        architecture: an architecture name (configured by ``hp``) or an Architecture.
        data: dataset options, e.g. ``{"size": 32}``.
        hp: architecture hyperparameters, e.g. ``{"blocks": 2}``.
        out: the run directory (default ``runs/DATASET-ARCH-TIME``); must be new or empty
            unless ``resume``.
        resume: continue the killed or finished run in ``out`` from its last completed
            epoch, with its saved settings (``epochs`` may be raised; settings left at
            their defaults are read from ``run.json``).
        verbose: 0 silent, 1 progress bar, 2 one line per epoch; "auto" picks 1 on a
            terminal, else 2.
        callbacks: extra Keras callbacks, or names of installed ones (entry-point group
            ``kerazoo.callbacks``, made fresh for this run); they see the run as one
            training session (one more after each learning-rate back-off).
        track: an MLflow tracking URI (``sqlite:///runs/mlflow.db``, ``http://host:5000``)
            that receives the run's parameters, per-epoch and test metrics, tags and files
            (default: the environment variable ``KERAZOO_TRACKING_URI``, else none; needs
            ``pip install 'kerazoo[mlflow]'``). A server that fails is a warning, not an
            error: see :mod:`kerazoo.training._tracking`.
        epochs: epochs in the whole run (default 5; a resumed run keeps its own unless
            ``epochs`` is given).
        batch_size: images per batch (default 64).
        optimizer: an optimizer name from ``kerazoo.models._optimizers.OPTIMIZERS``
            (default 'adam').
        learning_rate: the rate (default: the optimizer's own).
        schedule: ``"exponential"``, ``"cosine"``, ``"onecycle"`` or ``None``.
        encoding: the label encoding (default: the task's own).
        data_format: ``"auto"``, ``"channels_last"`` or ``"channels_first"`` (default 'auto').
        train_size: training images (default 4000, or 0.7 of a folder dataset's images).
        val_size: validation images (default 1000, or 0.15 of a folder dataset's images).
        test_size: held-out test images, evaluated into ``evaluation/`` when training ends
            (default: as many as ``val_size``; 0: none).
        seed: seeds the data, the weights, the order of batches and the augmentation
            (default 0).
        augment: apply the dataset's label-preserving augmentations (default False).
        deterministic: bit-identical weights for the same seed on the same machine
            (default False).
        lr_backoff: on a NaN loss, retry from the last good checkpoint at half the rate
            (default False).
        precision: ``"float32"``, ``"mixed_float16"`` or ``"mixed_bfloat16"``
            (default 'float32').
        jit_compile: XLA: ``True``, ``False`` or ``"auto"`` (default 'auto').
        **unknown: the model-variant settings, by keyword: ``loss`` (``"mse"`` trains a
            linear head on one-hot targets), ``output`` (``"probabilities"``),
            ``normalization`` (``"per_image"``: each image minus its own mean), ``pad_to``
            (zero padding inside the model), ``init`` and ``init_scale`` (kernel
            initialisation), ``l2`` (kernel regularisation) and ``keep_checkpoints``
            (``checkpoints/epoch-NNN.keras``), and ``devices`` (one model trained on N devices
            in step; several machines through ``TF_CONFIG``: see
            :mod:`kerazoo.training._distribute`), and ``tensorboard`` (default True: TensorBoard
            event files in ``RUN/tensorboard``; ``False``: none); see :data:`SETTINGS`. A
            misspelled setting is an error that suggests the right name.

    Returns:
        A :class:`Run` with the model, history and paths.

    Raises:
        DivergedError: the loss became NaN or infinite (and ``lr_backoff`` is off or used
            up); the last good checkpoint is kept.
        UnknownNameError, InvalidOptionError: a setting that does not exist or fit.

    Example:
        >>> import kerazoo
        >>> run = kerazoo.train("shapes", "lenet", epochs=2, data={"size": 32})  # doctest: +SKIP
        >>> run.metrics["val_accuracy"] > 0.9                                   # doctest: +SKIP
        True
    """
    named = locals()  # the settings are the parameters that SETTINGS names, nothing else
    given = {k: named[k] for k in SETTINGS if k in named and named[k] is not None}
    cfg = check_settings({**given, **unknown})
    tracker = open_tracker(track)  # mlflow and the URI checked before anything trains
    run_dir = Path(out) if out is not None else None
    if resume:
        given_now = {k: cfg[k] for k in (*given, *unknown)}
        cfg, dataset, architecture = resumed_run(
            run_dir, given_now, (dataset, architecture), (data, hp)
        )
    else:
        dataset, architecture = resolve_plugins(dataset, architecture, data or {}, hp or {})
        cfg.update(_suggested(dataset, {*given, *unknown}, verbose))
        check_run_compatible(architecture, dataset, cfg)  # before TensorFlow starts
        if run_dir is None:
            run_dir = rundir.default_run_dir(dataset.name, architecture.name)
        if chief_here():  # the chief of a cluster (TF_CONFIG) writes the run folder
            rundir.check_new_run_dir(run_dir)
    if verbose == "auto":
        verbose = 1 if sys.stdout.isatty() else 2
    _size_splits(cfg, dataset)
    placement = _placement(cfg, resume, int(verbose))
    if not placement.is_chief:  # trains in step with the chief; the chief writes the run
        with tempfile.TemporaryDirectory(prefix="kerazoo-worker-") as scratch:
            return _train_in(
                Path(scratch) / "run", dataset, architecture, cfg, placement, (False, 0, callbacks)
            )
    how = (resume, int(verbose), callbacks, tracker)
    return _train_in(run_dir, dataset, architecture, cfg, placement, how)


def _size_splits(cfg: dict[str, Any], dataset: Dataset) -> None:
    """Set the split sizes in ``cfg`` (the user's, or ones that fit the dataset); refuse
    splits that cannot fit in memory."""
    cfg["train_size"], cfg["val_size"], cfg["test_size"] = split_sizes(
        cfg, dataset.max_samples, dataset.fixed_split
    )
    check_split_memory(dataset, (cfg["train_size"], cfg["val_size"], cfg["test_size"]))


def _suggested(dataset: Dataset, given: set[str], verbose: Any) -> dict[str, Any]:
    """The dataset's suggested settings the user left unset, said when the run starts."""
    chosen = suggested_settings(dataset, given)
    if chosen and verbose:
        shown = ", ".join(f"{k} {v}" for k, v in chosen.items())
        flags = ", ".join(option(k) for k in chosen)
        print(f"{dataset.display_name} suggests {shown}: used (give {flags} to change).")
    return chosen


def _placement(cfg: dict[str, Any], resume: bool, verbose: int) -> Any:
    """Where the run trains (:mod:`kerazoo.training._distribute`), said when not one device."""
    from kerazoo.training._distribute import check_batch_split, place

    sizes = (cfg["batch_size"], cfg["train_size"], cfg["val_size"])
    check_batch_split(int(cfg["devices"]), *sizes)  # before TensorFlow starts
    placement = place(int(cfg["devices"]))
    check_batch_split(placement.replicas, *sizes)  # a cluster's replicas
    if placement.strategy is None:
        return placement
    if cfg["learning_rate"] == "find":
        raise InvalidOptionError(
            f"{option('learning_rate', 'find')} runs on one device: find the rate with "
            f"kerazoo.lr_find (`kerazoo lr-find`), then train on several devices with "
            f"{option('learning_rate')} set to it."
        )
    if resume and placement.workers > 1:
        raise InvalidOptionError(
            "--resume on several machines (TF_CONFIG) is not supported: every worker would "
            "need the chief's checkpoint. Resume on one machine (unset TF_CONFIG), or start "
            "a new run."
        )
    if verbose and placement.is_chief:
        print(
            f"Training on {placement.description}; batch size {cfg['batch_size']} "
            f"in all, {placement.replicas} replicas.",
            flush=True,
        )
    return placement


def _train_in(
    run_dir: Path,
    dataset: Any,
    architecture: Any,
    cfg: dict[str, Any],
    placement: Any,
    how: tuple[Any, ...],
) -> Run:
    resume, verbose, callbacks = how[0], how[1], make_callbacks(how[2])  # names: installed
    tracker = how[3] if len(how) > 3 else None
    with (
        rundir.hold_run_dir(run_dir, resume),
        seeded(int(cfg["seed"]), cfg["deterministic"]),
        tracked(tracker, run_dir, dataset, architecture, cfg) as loggers,
    ):
        from kerazoo.training._loop import Trainer
        from kerazoo.training._spec import RunSpec

        def start() -> Any:  # the splits are made inside: a failure there is the run's
            every = (*(callbacks or ()), *loggers)
            given = {"placement": placement, "verbose": verbose, "callbacks": every}
            spec = RunSpec.create(dataset, architecture, cfg, run_dir, **given)
            return Trainer(spec).run(resume)

        done = _run_with_status(run_dir, start)
    baseline = None if done.baseline is None else done.baseline.to_dict()
    return Run(done.model, done.history, run_dir, done.metadata, test=done.test, baseline=baseline)


def _run_with_status(run_dir: Path, start: Callable[[], Any]) -> Any:
    """``start()`` (the run), with how it ended written into ``run.json`` and ``report.html``."""
    status, fields = "failed", {}
    try:
        done = start()
        status, fields = "finished", {"test": done.test}
        if done.baseline is not None:
            fields["baseline"] = done.baseline.to_dict()
        return done
    except DivergedError:
        status = "diverged"
        raise
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        with contextlib.suppress(OSError):  # a full disk must not hide the real error
            rundir.set_run_status(run_dir, status, **fields)
        _write_report(run_dir)


def _write_report(run_dir: Path) -> None:
    """Rebuild ``report.html``; a report that cannot be written is a warning, not a failure."""
    if not (run_dir / "run.json").is_file():
        return
    from kerazoo.report._write import write_report

    try:
        write_report(run_dir)
    except (OSError, KerazooError) as exc:
        warnings.warn(f"report.html was not written: {exc}", UserWarning, stacklevel=3)


def resolve_plugins(
    dataset: Any, architecture: Any, data: dict[str, Any], hp: dict[str, Any], kind: str = "run"
) -> tuple[Dataset, Architecture]:
    """The dataset and architecture of a run: names looked up with their options, or the
    objects themselves (which take no options here); ``kind`` words the refusal of a missing
    one (:func:`kerazoo.training._resume.check_new_run_request`)."""
    check_new_run_request(dataset, architecture, kind)
    if isinstance(dataset, str):
        dataset = get_dataset(dataset, **data)
    elif data:
        raise InvalidOptionError("data= options go with a dataset name, not a Dataset object.")
    if isinstance(architecture, str):
        architecture = get_architecture(architecture, **hp)
    elif hp:
        raise InvalidOptionError("hp= values go with an architecture name, not an object.")
    return dataset, architecture
