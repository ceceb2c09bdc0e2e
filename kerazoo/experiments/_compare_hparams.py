"""TensorBoard's HParams tab for a comparison: every (variant, seed) a trial, its
hyperparameters against its final metrics.

Each run's ``RUN/tensorboard`` folder (the run's own event files are in its ``train`` and
``validation`` folders) gets the trial's hyperparameters (the HParams plugin's session
summary: ``variant``, ``seed``, the architecture's hyperparameters, and the dataset options
and training settings a variant changes, as ``data.NAME`` and ``train.NAME``) and, in
``RUN/tensorboard/test``, the test metrics as ``epoch_NAME`` at the last epoch's step (beside
the validation curve in the Scalars tab). ``OUT`` itself gets the experiment: the
hyperparameters and the metrics the tab shows (the last validation values and the test
metrics). Written with ``tf.summary`` and ``tensorboard.plugins.hparams.api`` when the
comparison ends; writing again replaces what an earlier pass wrote, so a continued comparison
shows each trial once.

Example:
    >>> write_hparams(plan.out, trials)                                 # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kerazoo.training._rundir import read_history

__all__ = ["Trial", "trial_values", "write_hparams"]

_TENSORBOARD = "tensorboard"  # kerazoo.training._tensorboard.TENSORBOARD_DIR (no Keras here)


@dataclass(frozen=True)
class Trial:
    """One run of a comparison: its folder, variant name, seed, and the names its variant
    changes as ``(data options, training settings)``."""

    dir: Path
    variant: str
    seed: int
    changed: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())


def trial_values(run: Mapping[str, Any], trial: Trial) -> dict[str, bool | int | float | str]:
    """The trial's hyperparameters from its ``run.json``, as the HParams plugin takes them.

    Example:
        >>> doc = {"architecture": {"hyperparameters": {"width": 0.5}},
        ...        "dataset": {"options": {"size": 16}}, "settings": {"epochs": 2}}
        >>> trial_values(doc, Trial(Path("r"), "half", 1, (("size",), ("epochs",))))
        {'variant': 'half', 'seed': 1, 'width': 0.5, 'data.size': 16, 'train.epochs': 2}
    """
    data, settings = trial.changed
    values: dict[str, Any] = {"variant": trial.variant, "seed": trial.seed}
    values.update(run["architecture"]["hyperparameters"])
    values.update({f"data.{k}": run["dataset"]["options"].get(k) for k in data})
    values.update({f"train.{k}": run["settings"].get(k) for k in settings})
    return {k: _plain(v) for k, v in values.items()}


def _plain(value: Any) -> bool | int | float | str:
    if isinstance(value, bool | int | float | str):
        return value
    return "auto" if value is None else json.dumps(value)


def write_hparams(out: Path, trials: Iterable[Trial]) -> list[Path]:
    """Write the HParams data of every trial that has a ``run.json``; return the folders
    written (none without ``tf.summary``)."""
    from kerazoo.training._tensorboard import summaries_available

    if not summaries_available():
        return []
    import tensorflow as tf
    from tensorboard.plugins.hparams import api as hp

    written, names, metrics, seen = [], {}, {}, []
    for trial in trials:
        path = trial.dir / "run.json"
        if not path.is_file():
            continue
        run = json.loads(path.read_text())
        history = read_history(trial.dir)
        columns, epochs = list(history), len(history.get("epoch", []))
        values = trial_values(run, trial)
        names.update(dict.fromkeys(values))
        metrics.update(_metrics(columns, run.get("test") or {}))
        seen.append((trial.variant, trial.seed))
        session = trial.dir / _TENSORBOARD
        _write(tf, session, lambda v=values, t=trial: hp.hparams(v, trial_id=_trial_id(t)))
        _write(tf, session / "test", lambda r=run, n=epochs: _test_scalars(tf, r, n))
        written.append(session)
    if written:
        variants = sorted({v for v, _ in seen})
        seeds = sorted({s for _, s in seen})
        params = [
            hp.HParam("variant", hp.Discrete(variants)),
            hp.HParam("seed", hp.Discrete(seeds)),
            *(hp.HParam(name) for name in names if name not in ("variant", "seed")),
        ]
        shown = [
            hp.Metric(tag, group=group, display_name=f"{group} {tag[6:]}") for tag, group in metrics
        ]
        _write(tf, out, lambda: hp.hparams_config(hparams=params, metrics=shown))
    return written


def _trial_id(trial: Trial) -> str:
    return f"{trial.variant}/seed-{trial.seed}"


def _metrics(columns: Iterable[str], test: Mapping[str, Any]) -> dict[tuple[str, str], None]:
    """``(tag, group)`` of the metrics shown: the validation ones, then the test ones."""
    shown = [(f"epoch_{k[4:]}", "validation") for k in columns if k.startswith("val_")]
    shown += [(f"epoch_{k}", "test") for k in test]
    return dict.fromkeys(shown)


def _test_scalars(tf: Any, run: Mapping[str, Any], epochs: int) -> None:
    """The test metrics at the last epoch's step (the validation curve's last point)."""
    for name, value in (run.get("test") or {}).items():
        tf.summary.scalar(f"epoch_{name}", float(value), step=max(epochs - 1, 0))


def _write(tf: Any, folder: Path, summaries: Any) -> None:
    """Replace the event files directly in ``folder`` by what ``summaries()`` writes."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("events.out.tfevents.*"):
        old.unlink()
    writer = tf.summary.create_file_writer(str(folder))
    with writer.as_default():
        summaries()
    writer.close()
