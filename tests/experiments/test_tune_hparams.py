"""``tune`` leaves TensorBoard's HParams data: every trial a session with its hyperparameters,
its epochs as curves, its objective, and the experiment naming them."""

from __future__ import annotations

import pytest

from kerazoo.experiments._tune import tune
from tests.experiments.test_compare_hparams import plugin_data
from tests.training.test_tensorboard import scalars

pytestmark = [
    pytest.mark.slow,  # 2 tiny trials and the best model's evaluation
    pytest.mark.filterwarnings("ignore::kerazoo.NotLearnedWarning"),  # 1 epoch on 32 images
]

TINY = {"data": {"size": 16}, "epochs": 1, "train_size": 32, "val_size": 16, "test_size": 16}


def _start_values(folder) -> dict:
    from tensorboard.plugins.hparams import metadata

    content = plugin_data(folder)[metadata.SESSION_START_INFO_TAG]
    start = metadata.parse_session_start_info_plugin_data(content)
    return {k: v.ListFields()[0][1] for k, v in start.hparams.items()}


def _points(folder, tag: str) -> list[tuple[int, float]]:
    """One scalar of ``folder``, where the session's summary lies beside it."""
    from tensorboard.backend.event_processing.plugin_event_accumulator import EventAccumulator
    from tensorboard.util import tensor_util

    acc = EventAccumulator(str(folder))
    acc.Reload()
    return [(e.step, float(tensor_util.make_ndarray(e.tensor_proto))) for e in acc.Tensors(tag)]


def test_tune_writes_one_hparams_session_per_trial_and_the_experiment(tmp_path) -> None:
    from tensorboard.plugins.hparams import metadata

    out = tmp_path / "search"
    space = {"batch_size": [16, 32], "optimizer": ["adam", "sgd"]}
    result = tune(
        "shapes", "lenet", trials=2, out=out, hp={"filters": 4}, space=space, verbose=False, **TINY
    )
    assert len(result.trials) == 2 and result.tensorboard == out / "tensorboard"
    for trial in result.trials:
        session = out / "tensorboard" / f"trial-{trial.trial}"
        values = _start_values(session)
        assert values["filters"] == 4
        for name in ("batch_size", "optimizer", "learning_rate"):
            assert values[name] == pytest.approx(trial.hyperparameters[name])
        validation = scalars(session / "validation")["epoch_accuracy"]
        assert validation == [(0, pytest.approx(trial.history["val_accuracy"][0]))]
        train = scalars(session / "train")
        assert set(train) >= {"epoch_loss", "epoch_accuracy"}
        assert _points(session, "val_accuracy") == [(0, pytest.approx(trial.objective))]
    found = plugin_data(out)[metadata.EXPERIMENT_TAG]
    experiment = metadata.parse_experiment_plugin_data(found)
    infos = {h.name: h for h in experiment.hparam_infos}
    assert "learning_rate" in infos and "filters" not in infos  # shared values are no column
    for name in ("batch_size", "optimizer"):
        differ = len({t.hyperparameters[name] for t in result.trials}) > 1
        assert (name in infos) == differ, name
    if "optimizer" in infos:  # a choice: its values are its domain
        choices = {v.string_value for v in infos["optimizer"].domain_discrete.values}
        assert choices == {"adam", "sgd"}
    shown = {(m.name.group, m.name.tag) for m in experiment.metric_infos}
    assert {("validation", "epoch_accuracy"), ("", "val_accuracy")} <= shown

    again = tune(  # continued: every trial written once more, not twice
        "shapes", "lenet", trials=2, out=out, hp={"filters": 4}, space=space, verbose=False, **TINY
    )
    assert [t.trial for t in again.trials] == [t.trial for t in result.trials]
    for folder in (out / "tensorboard").glob("trial-*/**"):
        if folder.is_dir():
            assert len(list(folder.glob("events.out.tfevents.*"))) <= 1, folder


def test_no_tensorboard_setting_writes_none(tmp_path) -> None:
    out = tmp_path / "search"
    result = tune("shapes", "lenet", trials=1, out=out, verbose=False, tensorboard=False, **TINY)
    assert result.tensorboard is None and not (out / "tensorboard").exists()
