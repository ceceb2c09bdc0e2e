"""The learning-rate finder: per-batch losses, the ramp, exact restore, suggestions, CLI."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

import kerazoo
from kerazoo import _compat
from kerazoo._errors import InvalidOptionError
from kerazoo.training._lr_find import find_learning_rate
from kerazoo.training._lr_find_draw import loss_range
from kerazoo.training._lr_find_run import lr_find
from tests.fixtures.processes import run_cli

SMALL = {"data": {"size": 32}, "batch_size": 32, "train_size": 256, "val_size": 64}


def one_weight_model(optimizer, kernel: float) -> keras.Model:
    """y = w * x, no bias, mean squared error: every loss and gradient known by hand."""
    inputs = keras.Input((1,))
    init = keras.initializers.Constant(kernel)
    outputs = keras.layers.Dense(1, use_bias=False, kernel_initializer=init)(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=optimizer, loss="mse")
    return model


def test_losses_are_each_batch_own_not_the_running_mean() -> None:
    # x = 0, so the prediction stays 0 and the loss of a batch of targets k is k**2
    x = np.zeros((24, 1), "float32")
    y = np.repeat(np.arange(1, 7, dtype="float32"), 4)[:, None]
    batches = [(x[i : i + 4], y[i : i + 4]) for i in range(0, 24, 4)]
    model = one_weight_model(keras.optimizers.SGD(0.1), kernel=0.0)
    found = find_learning_rate(model, batches, start=1e-3, end=1e-2, steps=6, diverge=1e9)
    np.testing.assert_allclose(found.losses, [1, 4, 9, 16, 25, 36], rtol=1e-6)
    # what a Keras batch callback sees during fit: the running mean over the epoch
    seen: list[float] = []
    record = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append(float(logs["loss"]))
    )
    model.fit(x, y, batch_size=4, shuffle=False, verbose=0, callbacks=[record])
    running = np.cumsum(found.losses) / np.arange(1, 7)
    np.testing.assert_allclose(seen, running, rtol=1e-5)
    assert not np.allclose(found.losses, seen)
    # fastai's smoothing: bias-corrected, so the first point is the first loss
    assert found.smoothed[0] == pytest.approx(1.0)
    assert found.smoothed[1] == pytest.approx((0.98 * 0.02 * 1 + 0.02 * 4) / (1 - 0.98**2))


@pytest.mark.parametrize("rate", ["variable", "schedule"])
def test_each_batch_trains_at_its_rate_until_the_loss_runs_away(rate: str) -> None:
    # x = 1, y = 0: loss w**2, gradient 2w, so SGD gives w <- w * (1 - 2 lr)
    original = 0.05 if rate == "variable" else keras.optimizers.schedules.CosineDecay(0.05, 10)
    model = one_weight_model(keras.optimizers.SGD(original), kernel=1.0)
    batch = (np.ones((2, 1), "float32"), np.zeros((2, 1), "float32"))
    found = find_learning_rate(model, [batch], start=1e-4, end=10.0, steps=60)
    lrs = 1e-4 * 1e5 ** (np.arange(60) / 59)
    np.testing.assert_allclose(found.lrs, lrs[: len(found.lrs)])
    expected = np.concatenate([[1.0], np.cumprod((1 - 2 * lrs) ** 2)])[: len(found.losses)]
    np.testing.assert_allclose(found.losses, expected, rtol=1e-3)
    assert found.stopped == "ran away" and found.lrs[-1] > 1.0 and len(found.lrs) < 60
    low = found.lrs[found.points["minimum"]]
    for name in ("valley", "steepest"):
        assert 1e-4 <= getattr(found, name) <= low, name
    assert found.suggestion == found.valley
    assert float(model.layers[-1].kernel.numpy()[0, 0]) == 1.0
    assert int(model.optimizer.iterations.numpy()) == 0
    assert _compat.optimizer_learning_rate(model.optimizer) is not None
    if rate == "schedule":
        assert _compat.optimizer_learning_rate(model.optimizer) is original


def every_value(model: keras.Model) -> list[np.ndarray]:
    variables = [*model.variables, *model.optimizer.variables]
    return [np.array(keras.ops.convert_to_numpy(v.value)) for v in variables]


def lenet(schedule: str | None = None) -> tuple[keras.Model, object]:
    from kerazoo.data._batches import make_batches

    ds = kerazoo.get_dataset("shapes", size=32)
    train = ds.generate(256, seed=1)
    model = kerazoo.build(
        "lenet", ds, schedule=schedule, steps_per_epoch=8, epochs=2, adapt=train.images
    )
    return model, make_batches(train, model, 32, seed=1)


@pytest.mark.parametrize("schedule", [None, "cosine"])
def test_weights_optimizer_and_train_step_are_restored_bit_exactly(schedule) -> None:
    model, batches = lenet(schedule)
    x, y = next(batches.as_numpy_iterator())
    model.train_on_batch(x, y)  # Adam's slots and iteration count are no longer zero
    rate = _compat.optimizer_learning_rate(model.optimizer)
    before = every_value(model)
    model.train_on_batch(x, y)  # the next step, as the run would take it
    stepped = every_value(model)
    for variable, value in zip([*model.variables, *model.optimizer.variables], before, strict=True):
        variable.assign(value)

    find_learning_rate(model, batches, steps=40)  # up to a rate of 10: the weights blow up

    after = every_value(model)
    assert len(after) == len(before)
    for old, new in zip(before, after, strict=True):
        np.testing.assert_array_equal(old, new)
    assert _compat.optimizer_learning_rate(model.optimizer) is rate
    model.train_on_batch(x, y)  # the train step follows the model's own rate again
    for old, new in zip(stepped, every_value(model), strict=True):
        np.testing.assert_array_equal(old, new)


def test_bad_ramps_are_refused_with_the_rule() -> None:
    model = one_weight_model("sgd", kernel=1.0)
    batch = [(np.ones((2, 1), "float32"), np.zeros((2, 1), "float32"))]
    with pytest.raises(InvalidOptionError, match=r"0 < start < end, got start=1\.0"):
        find_learning_rate(model, batch, start=1.0, end=0.1)
    with pytest.raises(InvalidOptionError, match="steps must be an integer of at least 3"):
        find_learning_rate(model, batch, steps=2)
    with pytest.raises(InvalidOptionError, match="Did you mean 'valley'"):
        find_learning_rate(model, batch, method="valey")


@pytest.mark.slow
def test_the_valley_trains_and_beats_a_rate_100_times_larger(tmp_path) -> None:
    found = lr_find("shapes", "lenet", steps=60, out=tmp_path / "lr.png", **SMALL)
    assert (tmp_path / "lr.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert found.path == tmp_path / "lr.png"
    assert found.lrs[0] <= found.valley <= found.lrs[found.points["minimum"]]
    low, high = loss_range(found)  # the descent is shown whole
    assert low < np.nanmin(found.centred) and high > found.centred[: found.points["valley"]].max()
    runs = {
        lr: kerazoo.train(
            "shapes",
            "lenet",
            learning_rate=lr,
            epochs=2,
            out=tmp_path / str(lr),
            test_size=0,
            verbose=0,
            **SMALL,
        )
        for lr in (found.valley, 100 * found.valley)
    }
    good, bad = (runs[lr].metrics for lr in (found.valley, 100 * found.valley))
    assert np.isfinite(good["loss"])
    assert good["val_accuracy"] > bad["val_accuracy"] and good["val_loss"] < bad["val_loss"]


@pytest.mark.slow
def test_cli_prints_the_suggestion_and_the_command_to_use_it(tmp_path) -> None:
    picture = tmp_path / "lr.png"
    done = run_cli(
        "lr-find",
        "shapes",
        "lenet",
        "--data",
        "size=32",
        "--train-size",
        "256",
        "--batch-size",
        "32",
        "--steps",
        "40",
        "--out",
        str(picture),
    )
    assert done.returncode == 0, done.stderr
    assert "lr-find: batch 4/40" in done.stdout
    assert "<- suggested" in done.stdout and f"picture: {picture}" in done.stdout
    command = done.stdout.strip().splitlines()[-1]
    assert command.startswith(
        "Train with it: kerazoo train shapes lenet --data size=32 --batch-size 32 --lr "
    )
    assert float(command.rsplit(" ", 1)[1]) > 0
    assert picture.is_file()


@pytest.mark.slow
def test_cli_json_and_a_bad_flag(tmp_path) -> None:
    done = run_cli(
        "lr-find",
        "shapes",
        "lenet",
        "--data",
        "size=32",
        "--train-size",
        "128",
        "--batch-size",
        "32",
        "--steps",
        "12",
        "--json",
        "--out",
        str(tmp_path / "lr.jpg"),
    )
    assert done.returncode == 0, done.stderr
    finding = json.loads(done.stdout)
    assert finding["method"] == "valley" and finding["suggestion"] == finding["valley"]
    assert len(finding["lrs"]) == len(finding["losses"]) <= 12
    assert (tmp_path / "lr.jpg").read_bytes()[:3] == b"\xff\xd8\xff"  # the format asked for
    bad = run_cli("lr-find", "shapes", "lenet", "--steps", "2")
    assert bad.returncode == 2
    assert "kerazoo lr-find: error: --steps must be an integer of at least 3" in bad.stderr
    bad = run_cli("lr-find", "shapes", "lenet", "--out", str(tmp_path / "lr.txt"))
    assert bad.returncode == 2 and "lr-find: batch" not in bad.stdout  # before any training
    assert "Cannot choose the picture format of" in bad.stderr and "lr.png" in bad.stderr
