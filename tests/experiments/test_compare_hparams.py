"""``compare`` leaves TensorBoard's HParams data: every (variant, seed) a trial with its
hyperparameters, the experiment naming the metrics, the test metrics beside the curves."""

from __future__ import annotations

from pathlib import Path

import pytest

from kerazoo.experiments._compare import compare
from tests.training.test_tensorboard import scalars

pytestmark = [
    pytest.mark.slow,  # trains 2 tiny runs
    pytest.mark.filterwarnings("ignore::kerazoo.NotLearnedWarning"),  # 1 epoch on 32 images
]

TINY = {
    "data": {"size": 16},
    "epochs": 1,
    "train_size": 32,
    "val_size": 16,
    "test_size": 16,
    "batch_size": 16,
    "inside_steps": 0,
    "classes_steps": 0,
    "verbose": False,
}


def plugin_data(folder: Path) -> dict[str, bytes]:
    """tag -> the HParams plugin's content in the summary metadata of ``folder``'s events."""
    from tensorboard.backend.event_processing.plugin_event_accumulator import EventAccumulator

    acc = EventAccumulator(str(folder))
    acc.Reload()
    return acc.PluginTagToContent("hparams")


def test_compare_writes_one_hparams_trial_per_run_and_the_experiment(tmp_path) -> None:
    from tensorboard.plugins.hparams import metadata

    out = tmp_path / "cmp"
    compare("shapes", "lenet", ["wide: filters=8"], seeds=1, baseline=True, out=out, **TINY)
    for variant, filters in (("baseline", 6), ("wide", 8)):
        run = out / variant / "seed-0" / "tensorboard"
        content = plugin_data(run)[metadata.SESSION_START_INFO_TAG]
        start = metadata.parse_session_start_info_plugin_data(content)
        values = {k: v.ListFields()[0][1] for k, v in start.hparams.items()}
        assert values["variant"] == variant and values["seed"] == 0
        assert values["filters"] == filters
        test = scalars(run / "test")
        assert set(test) >= {"epoch_accuracy"} and test["epoch_accuracy"][0][0] == 0
    experiment = metadata.parse_experiment_plugin_data(plugin_data(out)[metadata.EXPERIMENT_TAG])
    params = {h.name for h in experiment.hparam_infos}
    assert params >= {"variant", "seed", "filters"} and "dense1" not in params  # shared: no column
    shown = {(m.name.group, m.name.tag) for m in experiment.metric_infos}
    assert {("validation", "epoch_accuracy"), ("test", "epoch_accuracy")} <= shown
    before = sorted(p.name for p in (out / "wide" / "seed-0" / "tensorboard").glob("events*"))
    compare("shapes", "lenet", ["wide: filters=8"], seeds=1, out=out, **TINY)  # reused
    after = sorted(p.name for p in (out / "wide" / "seed-0" / "tensorboard").glob("events*"))
    assert len(after) == len(before) == 1  # each trial once, however often compare runs
