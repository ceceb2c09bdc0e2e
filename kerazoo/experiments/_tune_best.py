"""After a search: the trials as results, and the best one as an ordinary run folder.

The best model is the best trial's best epoch, as keras-tuner kept it (its
``checkpoint.weights.h5``), loaded into that trial's kerazoo model and saved as
``best/model.keras`` with its metadata, a ``run.json`` like ``kerazoo train`` writes, and
the held-out test evaluation (``best/evaluation/``). It is not trained again: the model
saved is the one the objective measured.

Private; use :func:`kerazoo.tune`.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

from kerazoo.experiments._tune_model import objective_value, read_record
from kerazoo.experiments._tune_results import TrialResult, TuneResult, sort_trials
from kerazoo.experiments._tune_space import Plan, searched_settings

__all__ = ["collect", "save_best"]


def collect(tuner: Any, plan: Plan, metric: tuple[str, str], folder: Path) -> TuneResult:
    """Every trial keras-tuner knows, with kerazoo's per-trial record, best first."""
    table = plan.arch_cls.hyperparameters
    base = {n: p.dump(p.default) for n, p in table.items()}
    base.update({n: table[n].dump(v) for n, v in plan.fixed_hp.items()})
    base.update({n: plan.settings[n] for n in searched_settings()})
    rows = []
    for trial_id, trial in tuner.oracle.trials.items():
        record = read_record(tuner, trial_id)
        values = {k: v for k, v in trial.hyperparameters.values.items() if "/" not in k}
        status = record.get("status") or ("running" if trial.status == "RUNNING" else "failed")
        score = objective_value(trial.score) if status == "finished" else None
        epochs = trial.hyperparameters.values.get("tuner/epochs", record.get("epochs", 0))
        rows.append(
            TrialResult(
                trial=str(trial_id),
                hyperparameters={**base, **values},
                objective=score,
                epochs=int(epochs or 0),
                seconds=record.get("seconds"),
                status=status,
                history=record.get("history", {}),
                message=record.get("message", ""),
            )
        )
    fixed = {
        **{n: table[n].dump(v) for n, v in plan.fixed_hp.items()},
        **{n: plan.settings[n] for n in sorted(plan.fixed_settings)},
    }
    return TuneResult(
        sort_trials(rows, metric[1]), metric[0], metric[1], plan.searched(), fixed, folder
    )


#: Where keras-tuner's ``Tuner`` keeps a trial's best epoch (Keras 3: weights and optimizer
#: state), in the trial's folder; pinned by tests/experiments/test_tune.py.
CHECKPOINT = "checkpoint.weights.h5"


def _load_best_epoch(tuner: Any, trial: Any) -> Any:
    """The trial's model with its best epoch's weights and optimizer state.

    keras-tuner's ``load_model`` builds the model with an unbuilt optimizer, so Keras skips
    the optimizer's saved state with a warning; building the optimizer first loads it too.
    """
    model = tuner.hypermodel.build(trial.hyperparameters)
    model.optimizer.build(model.trainable_variables)
    model.load_weights(Path(tuner.get_trial_dir(trial.trial_id)) / CHECKPOINT)
    return model


def save_best(tuner: Any, result: TuneResult, verbose: bool) -> TuneResult:
    """Save the best trial's best epoch as ``best/`` (a run folder, with the trial's own
    settings) and evaluate it on the held-out test split.

    Returns:
        ``result`` with ``best_dir`` and ``test`` (unchanged when no trial finished).
    """
    from kerazoo.saving._info import ModelInfo
    from kerazoo.saving._keras_file import save_model
    from kerazoo.training import _rundir as rundir

    best = result.best
    best_dir = result.dir / "best"
    if best_dir.exists():
        shutil.rmtree(best_dir)
    if best is None:
        return result
    trial = tuner.oracle.get_trial(best.trial)
    model = _load_best_epoch(tuner, trial)
    epochs = int(trial.best_step) + 1
    start = int(trial.hyperparameters.values.get("tuner/initial_epoch", 0))
    history = {k: list(v[: epochs - start]) for k, v in best.history.items()}
    run = tuner.hypermodel.trial_run(trial.hyperparameters).replace(dir=best_dir, epochs=epochs)
    best_dir.mkdir(parents=True)
    metadata = run.metadata(ModelInfo.of(model), history, epochs, run.settings["learning_rate"])
    rundir.write_run_json(best_dir, run.dataset, run.architecture, run.settings, metadata.to_dict())
    save_model(model, best_dir / "model.keras", metadata)
    test, _ = run.evaluate_test(model, metadata)
    rundir.update_run_json(
        best_dir,
        tune={"folder": str(result.dir), "trial": best.trial, result.objective: best.objective},
    )
    rundir.set_run_status(best_dir, "finished", test=test)
    if verbose:
        shown = ", ".join(f"{k} {v:.4g}" for k, v in test.items())
        tested = f"; test: {shown}" if shown else ""
        print(
            f"Best: trial {best.trial}, {result.objective} {best.objective:.4g}{tested}. "
            f"Model saved to {best_dir / 'model.keras'}",
            flush=True,
        )
    return dataclasses.replace(result, best_dir=best_dir, test=test)
