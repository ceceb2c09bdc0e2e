"""The Predictor's compiled inference call: the weights the model has now, any batch size,
at most a few compiled shapes per pass on JAX."""

from __future__ import annotations

import logging

import keras
import numpy as np
import pytest

from kerazoo import Predictor
from kerazoo.models._serving import COMPILE_AFTER, Serving, bucket, jit_stateless
from tests.fixtures.tiny_models import NAMES, classifier, meta_for

RNG = np.random.default_rng(5)
ON_JAX = keras.backend.backend() == "jax"


def images(n: int) -> np.ndarray:
    return RNG.integers(0, 256, (n, 8, 8, 1), dtype=np.uint8)


def logits(model: keras.Model, x: np.ndarray) -> np.ndarray:
    return keras.ops.convert_to_numpy(model(x, training=False))


def probabilities(model: keras.Model, x: np.ndarray) -> np.ndarray:
    z = logits(model, x)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def warmed(model: keras.Model, n: int) -> Predictor:
    """A Predictor that has run batches of ``n`` often enough to compile them (on JAX)."""
    predictor = Predictor(model, meta_for(), check_shift=False)
    for _ in range(COMPILE_AFTER):
        predictor.predict(images(n))
    return predictor


def test_weights_changed_after_a_predict_are_used_by_the_next() -> None:
    model = classifier(seed=1)
    predictor = warmed(model, 5)
    x = images(5)
    before = [r.label for r in predictor.predict(x)]
    kernel, bias = model.layers[-1].get_weights()
    for k, name in enumerate(NAMES):  # a bias that outweighs the images: every label is k
        model.layers[-1].set_weights([np.zeros_like(kernel), np.eye(3, dtype="float32")[k] * 9])
        after = predictor.predict(x)
        assert [r.label for r in after] == [name] * 5
    model.layers[-1].set_weights([kernel, bias])
    assert [r.label for r in predictor.predict(x)] == before


def test_training_after_a_predict_changes_the_scores_as_the_model_call_does() -> None:
    model = classifier(seed=2)
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy")
    predictor = warmed(model, 16)
    x = images(16)
    first = [r.score for r in predictor.predict(x)]
    model.fit(x, np.zeros(16, np.int64), epochs=3, verbose=0)
    probs = np.array([r.score for r in predictor.predict(x)])
    assert np.allclose(probs, probabilities(model, x).max(axis=1), atol=1e-5)
    assert not np.allclose(probs, first)


def test_freezing_a_layer_after_a_predict_keeps_the_outputs() -> None:
    model = classifier(seed=3)
    predictor = warmed(model, 4)
    x = images(4)
    before = [r.score for r in predictor.predict(x)]
    model.layers[2].trainable = False  # its variables move to non_trainable_variables
    assert [r.score for r in predictor.predict(x)] == pytest.approx(before, abs=1e-6)


@pytest.mark.parametrize("n", [1, 3, 4, 5, 11])
def test_every_batch_size_gives_the_model_call_outputs(n: int) -> None:
    model = classifier(seed=4)
    serve = Serving(model)
    x = images(n)
    out = serve.batches(x, batch_size=4)
    assert out.shape == (n, 3)
    assert np.allclose(out, logits(model, x), atol=1e-5)


def test_bucket_sizes() -> None:
    assert [bucket(n, 64) for n in (1, 2, 3, 5, 33, 63, 64, 200)] == [1, 2, 4, 8, 64, 64, 64, 200]
    assert [bucket(n, 100) for n in (1, 37, 65, 99, 100)] == [1, 64, 100, 100, 100]


@pytest.mark.skipif(not ON_JAX, reason="compiled per input shape on JAX only")
def test_a_pass_of_any_size_compiles_a_few_shapes_once() -> None:
    model = classifier(seed=5)
    traced: list[tuple[int, ...]] = []

    def outputs(call, x):
        traced.append(tuple(x.shape))
        return call(x)

    run = jit_stateless(model, outputs)
    for n in (1, 2, 3, 4, 4, 3, 1):
        run(images(bucket(n, 64)))
    assert traced == [(1, 8, 8, 1), (2, 8, 8, 1), (4, 8, 8, 1)]


def compiles(caplog: pytest.LogCaptureFixture) -> int:
    return sum("Compiling jit(stateless)" in r.message for r in caplog.records)


@pytest.mark.skipif(not ON_JAX, reason="compiled per input shape on JAX only")
def test_one_image_at_a_time_compiles_once_after_the_first_calls(caplog) -> None:
    import jax

    model = classifier(seed=8)
    predictor = Predictor(model, meta_for(), check_shift=False)
    x = images(COMPILE_AFTER + 4)
    with jax.log_compiles(), caplog.at_level(logging.WARNING):
        scores = [predictor.predict(x[i])[0].score for i in range(COMPILE_AFTER - 1)]
        assert compiles(caplog) == 0  # a short loop runs eagerly
        scores += [predictor.predict(x[i])[0].score for i in range(COMPILE_AFTER - 1, len(x))]
        assert compiles(caplog) == 1
    assert scores == pytest.approx(probabilities(model, x).max(axis=1), abs=1e-5)


@pytest.mark.skipif(not ON_JAX, reason="compiled per input shape on JAX only")
def test_passes_of_any_size_compile_only_the_bucket_sizes(caplog) -> None:
    import jax

    model = classifier(seed=5)
    predictor = Predictor(model, meta_for(), check_shift=False)
    with jax.log_compiles(), caplog.at_level(logging.WARNING):
        predictor.predict(images(5 * 16 + 3), batch_size=16)  # 6 calls: too few to compile
        assert compiles(caplog) == 0
        for _ in range(COMPILE_AFTER):
            for n in (1, 3, 7, 20, 37):  # batches of 1, 3 (4), 7 (8), 16 + 4, 16 + 16 + 5 (8)
                predictor.predict(images(n), batch_size=16)
    assert compiles(caplog) == 4  # 1, 4, 8 and 16 images
    x = images(37)  # compiled, the last batch padded from 5 to 8 and cut again
    scores = [r.score for r in predictor.predict(x, batch_size=16)]
    assert scores == pytest.approx(probabilities(model, x).max(axis=1), abs=1e-5)


@pytest.mark.skipif(not ON_JAX, reason="compiled per input shape on JAX only")
def test_a_model_compiled_without_xla_is_never_jitted(caplog) -> None:
    import jax

    model = classifier(seed=9)
    model.compile(loss="mse", jit_compile=False)  # e.g. a layer XLA cannot compile
    predictor = Predictor(model, meta_for(), check_shift=False)
    x = images(2)
    with jax.log_compiles(), caplog.at_level(logging.WARNING):
        scores = [predictor.predict(x)[0].score for _ in range(COMPILE_AFTER + 2)]
    assert compiles(caplog) == 0
    assert scores[-1] == pytest.approx(probabilities(model, x[:1]).max(), abs=1e-5)


@pytest.mark.skipif(not ON_JAX, reason="gradients through the stateless call: JAX")
def test_jit_stateless_differentiates_through_the_call() -> None:
    import jax

    keras.utils.set_random_seed(6)
    inp = keras.Input((8, 8, 1))  # float input: a uint8 one casts the gradient away
    model = keras.Model(inp, keras.layers.Dense(3)(keras.layers.Flatten()(inp)))
    x = images(2).astype("float32")

    def grad_of_class_0(call, x):
        return jax.grad(lambda v: call(v)[:, 0].sum())(x)

    g = np.asarray(jit_stateless(model, grad_of_class_0)(x))
    kernel = model.layers[-1].get_weights()[0]  # d(sum of class 0)/dx is its kernel column
    assert np.allclose(g, np.broadcast_to(kernel[:, 0].reshape(8, 8, 1), g.shape), atol=1e-6)


def test_predict_after_model_predict_reads_the_weights_again() -> None:
    # model.predict on JAX donates the weight buffers it is given and puts new ones in the
    # variables: weights kept from an earlier call would be deleted buffers by now
    model = classifier(seed=7)
    predictor = warmed(model, 3)
    x = images(3)
    before = [r.score for r in predictor.predict(x)]
    model.predict(x, verbose=0)
    assert [r.score for r in predictor.predict(x)] == pytest.approx(before, abs=1e-6)


def test_model_predict_between_two_predicts_leaves_the_outputs_alone() -> None:
    # model.predict on JAX hands the weights' buffers to XLA and puts new arrays back in
    # the variables: the Predictor reads those, never the old ones
    model = classifier(seed=6)
    predictor = warmed(model, 2)
    x = images(2)
    before = [r.score for r in predictor.predict(x)]
    model.predict(x, verbose=0)
    assert [r.score for r in predictor.predict(x)] == pytest.approx(before, abs=1e-6)
    assert np.allclose(before, probabilities(model, x).max(axis=1), atol=1e-5)
