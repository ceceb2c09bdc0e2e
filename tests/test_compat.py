"""Every private Keras/TensorFlow API kerazoo uses, called for real.

A failure here means a Keras or TensorFlow upgrade removed or changed one of them: fix
``kerazoo/_compat.py`` (the only module that uses them), nothing else.
"""

from __future__ import annotations

from typing import Any

import pytest

from kerazoo import _compat


def test_keras_seed_state_reads_and_restores() -> None:
    import keras

    before = _compat.get_keras_seed_state()
    assert set(before) == {"global_random_seed", "global_seed_generator"}
    keras.utils.set_random_seed(1234)
    assert _compat.get_keras_seed_state()["global_random_seed"] == 1234
    _compat.set_keras_seed_state(before)
    assert _compat.get_keras_seed_state() == before


def test_op_determinism_turns_on_and_off() -> None:
    was = _compat.op_determinism_enabled()
    try:
        _compat.set_op_determinism(True)
        assert _compat.op_determinism_enabled() is True
        _compat.set_op_determinism(False)
        assert _compat.op_determinism_enabled() is False
    finally:
        _compat.set_op_determinism(was)


@pytest.mark.parametrize("scheduled", [False, True])
def test_optimizer_learning_rate_gives_the_schedule_object(scheduled) -> None:
    import keras

    rate = keras.optimizers.schedules.CosineDecay(0.1, decay_steps=10) if scheduled else 0.01
    got = _compat.optimizer_learning_rate(keras.optimizers.Adam(learning_rate=rate))
    if scheduled:
        assert got is rate
    else:
        assert float(keras.ops.convert_to_numpy(got)) == pytest.approx(0.01)


def test_keras_tuner_still_has_the_tensorboard_hook_that_is_narrowed() -> None:
    import keras_tuner

    from kerazoo._compat import TunerWithoutTensorBoard

    assert callable(keras_tuner.Tuner._configure_tensorboard_dir)
    tuner = type("T", (TunerWithoutTensorBoard, keras_tuner.Tuner), {})
    assert tuner._configure_tensorboard_dir is TunerWithoutTensorBoard._configure_tensorboard_dir


def test_keras_tuner_state_files_are_replaced_whole(tmp_path) -> None:
    from keras_tuner import HyperParameters
    from keras_tuner.src.engine import trial as trial_module

    from kerazoo._compat import atomic_keras_tuner_files

    atomic_keras_tuner_files()
    path = tmp_path / "trial.json"
    trial_module.Trial(HyperParameters(), trial_id="0").save(str(path))
    with open(path) as old:  # a reader (or a kill) in the middle sees the old whole file
        trial_module.Trial(HyperParameters(), trial_id="1").save(str(path))
        assert '"trial_id": "0"' in old.read()
    assert trial_module.Trial.load(str(path)).trial_id == "1"
    assert not list(tmp_path.glob(".*tmp*"))


def test_detach_from_strategy_builds_and_fits_inside_the_scope() -> None:
    import keras
    import numpy as np
    import tensorflow as tf

    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
    x = np.random.default_rng(0).random((8, 4, 4, 1)).astype("float32")
    y = np.arange(8) % 2
    with strategy.scope():
        model = keras.Sequential(
            [keras.Input((4, 4, 1)), keras.layers.Flatten(), keras.layers.Dense(2)]
        )
        model.compile(
            "sgd",
            keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
        )
    _compat.detach_from_strategy(model, strategy, (x[:2], y[:2]))
    assert model._distribute_strategy is None and model.optimizer.built
    with strategy.scope():
        assert model.distribute_strategy is strategy
        history = model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_fix_multi_worker_metrics_wraps_keras_reduce_and_leaves_other_cases_alone() -> None:
    import tensorflow as tf
    from keras.src.backend.tensorflow import trainer

    assert callable(trainer._collective_all_reduce_multi_worker)
    _compat.fix_multi_worker_metrics()
    _compat.fix_multi_worker_metrics()  # once only
    assert trainer.reduce_per_replica.__module__ == "kerazoo._compat"
    value = tf.constant(1.5)
    out = trainer.reduce_per_replica({"loss": value}, tf.distribute.get_strategy(), "auto")
    assert float(out["loss"]) == 1.5


def test_keras_tuner_tracebacks_switches_its_debug_flag_and_puts_it_back() -> None:
    from keras_tuner.src import config

    was = config.DEBUG
    with _compat.keras_tuner_tracebacks(False):
        assert config.DEBUG is False
    assert was == config.DEBUG


def test_variable_reader_reads_what_value_reads_and_follows_assign() -> None:
    import keras
    import numpy as np

    a, b = keras.Variable(np.ones(3, "float32")), keras.Variable(np.zeros((), "int32"))
    read = _compat.variable_reader([a, b])
    assert [np.asarray(x).tolist() for x in read()] == [[1.0, 1.0, 1.0], 0]
    a.assign(np.full(3, 2.0, "float32"))
    assert np.asarray(read()[0]).tolist() == [2.0, 2.0, 2.0]
    with keras.StatelessScope(state_mapping=[(a, np.full(3, 5.0, "float32"))]):
        assert np.asarray(read()[0]).tolist() == [5.0, 5.0, 5.0] == np.asarray(a.value).tolist()


def _activated(kind: str, activation: str) -> tuple[Any, tuple[int, ...]]:
    """A built layer of the Keras class ``kind`` with ``activation``, and an input shape."""
    import keras

    layers = keras.layers
    dense, einsum = (8, 5), (8, 5)
    made = {
        "Dense": (layers.Dense(3, activation=activation), dense),
        "EinsumDense": (
            layers.EinsumDense("ab,bc->ac", (3,), bias_axes="c", activation=activation),
            einsum,
        ),
        "Conv1D": (layers.Conv1D(3, 3, activation=activation), (2, 7, 2)),
        "Conv2D": (layers.Conv2D(3, 3, activation=activation), (2, 6, 6, 2)),
        "Conv3D": (layers.Conv3D(3, 2, activation=activation), (2, 4, 4, 4, 2)),
        "Conv1DTranspose": (layers.Conv1DTranspose(3, 3, activation=activation), (2, 5, 2)),
        "Conv2DTranspose": (layers.Conv2DTranspose(3, 3, activation=activation), (2, 5, 5, 2)),
        "Conv3DTranspose": (layers.Conv3DTranspose(3, 2, activation=activation), (2, 3, 3, 3, 2)),
        "DepthwiseConv1D": (layers.DepthwiseConv1D(3, activation=activation), (2, 7, 2)),
        "DepthwiseConv2D": (layers.DepthwiseConv2D(3, activation=activation), (2, 6, 6, 2)),
        "SeparableConv1D": (layers.SeparableConv1D(3, 3, activation=activation), (2, 7, 2)),
        "SeparableConv2D": (layers.SeparableConv2D(3, 3, activation=activation), (2, 6, 6, 2)),
    }
    layer, shape = made[kind]
    layer.build(shape)
    return layer, shape


def test_call_without_activation_is_the_layer_with_a_linear_activation() -> None:
    """For every layer class it is given for: the same layer with ``activation=None`` and
    the same weights; the layer keeps its activation."""
    import keras
    import numpy as np

    kinds = [c.__name__ for c in _compat.pre_activation_classes()]
    assert len(kinds) == 12
    rng = np.random.default_rng(0)
    for kind in kinds:
        layer, shape = _activated(kind, "relu")
        twin = type(layer).from_config({**layer.get_config(), "activation": None})
        twin.build(shape)
        twin.set_weights(layer.get_weights())
        if layer.bias is not None:  # a bias that matters: zeros hide a missing one
            layer.bias.assign(rng.normal(size=layer.bias.shape).astype("float32"))
            twin.bias.assign(layer.bias.value)
        x = rng.normal(size=shape).astype("float32")
        pre = keras.ops.convert_to_numpy(_compat.call_without_activation(layer, x))
        np.testing.assert_allclose(pre, keras.ops.convert_to_numpy(twin(x)), atol=1e-5)
        assert (pre < 0).any(), kind
        assert layer.activation is keras.activations.relu, kind
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(layer(x)), np.maximum(pre, 0), atol=1e-5
        )
