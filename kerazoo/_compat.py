"""The only place kerazoo touches private Keras or TensorFlow APIs.

Each use is one small function with the reason no public API does the job, and each is
called for real by ``tests/test_compat.py``, so a Keras or TensorFlow upgrade that removes
one fails that test by name instead of breaking training somewhere deep. Keras and
TensorFlow are imported inside the functions: importing this module stays light.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

__all__ = [
    "TunerWithoutTensorBoard",
    "atomic_keras_tuner_files",
    "call_without_activation",
    "detach_from_strategy",
    "fix_multi_worker_metrics",
    "get_keras_seed_state",
    "keras_tuner_tracebacks",
    "op_determinism_enabled",
    "optimizer_learning_rate",
    "pre_activation_classes",
    "set_keras_seed_state",
    "set_op_determinism",
    "variable_reader",
]

# Keras' global seed lives in two global attributes: the seed given to
# keras.utils.set_random_seed and the SeedGenerator made from it on first use.
_SEED_KEYS = ("global_random_seed", "global_seed_generator")


def get_keras_seed_state() -> dict[str, Any]:
    """Keras' global random-seed state, to put back later with :func:`set_keras_seed_state`.

    Why private: ``keras.utils.set_random_seed`` sets the global seed but Keras has no public
    getter, so a run that seeds Keras could not otherwise leave the caller's state as it
    found it.
    """
    from keras.src.backend.common import global_state

    return {k: global_state.get_global_attribute(k) for k in _SEED_KEYS}


def set_keras_seed_state(state: dict[str, Any]) -> None:
    """Put back a state returned by :func:`get_keras_seed_state` (see there for why)."""
    from keras.src.backend.common import global_state

    for key, value in state.items():
        global_state.set_global_attribute(key, value)


def variable_reader(variables: list[Any]) -> Callable[[], list[Any]]:
    """``read()``, giving the current value of each Keras variable in ``variables``: what
    ``[v.value for v in variables]`` gives, without its per-variable checks.

    Why private: ``Variable.value`` looks up the stateless scope and the autocast scope for
    every variable, then returns ``Variable._value`` when neither is active. A LeNet has 13
    variables: 48 us a call on 2 loaded cores, a tenth of a one-image prediction on JAX.
    Here both scopes are looked up once per read, and inside either (or for a
    variable not yet initialised) the public ``value`` is read as before. ``_value`` is the
    variable's array itself (an ``assign`` replaces it), so a read is never stale.
    """
    from keras.src.backend.common.stateless_scope import in_stateless_scope
    from keras.src.backend.common.variables import get_autocast_scope

    variables = list(variables)

    def read() -> list[Any]:
        if not in_stateless_scope() and get_autocast_scope() is None:
            values = [v._value for v in variables]
            if all(value is not None for value in values):
                return values
        return [v.value for v in variables]

    return read


def op_determinism_enabled() -> bool:
    """Whether TensorFlow's op determinism is on.

    Why private: TensorFlow exports only ``tf.config.experimental.enable_op_determinism``;
    asking whether it is on, and turning it off again, are not exported.
    """
    from tensorflow.python.framework import config

    return bool(config.is_op_determinism_enabled())


def set_op_determinism(enabled: bool) -> None:
    """Turn TensorFlow's op determinism on or off (off has no public API; see above)."""
    from tensorflow.python.framework import config

    if enabled:
        config.enable_op_determinism()
    else:
        config.disable_op_determinism()


def optimizer_learning_rate(optimizer: Any) -> Any:
    """What a Keras optimizer was given as its learning rate: a number or a schedule object.

    Why private: the public ``optimizer.learning_rate`` evaluates a schedule at the current
    step and returns a number, so it cannot tell which schedule the optimizer follows.
    """
    return optimizer._learning_rate


class TunerWithoutTensorBoard:
    """Mixed in before a keras-tuner ``Tuner`` class: no TensorBoard import on every trial.

    Why private: keras-tuner 1.4 calls its private ``Tuner._configure_tensorboard_dir`` for
    every trial, and under TensorFlow it imports ``tensorboard`` whatever the callbacks (a
    failed trial where TensorBoard is not installed); there is no public switch. Only a
    search given a TensorBoard callback needs it, so only then is the original called.
    """

    def _configure_tensorboard_dir(self, callbacks: list[Any], trial: Any, execution: int = 0):
        if any(type(c).__name__ == "TensorBoard" for c in callbacks):
            super()._configure_tensorboard_dir(callbacks, trial, execution)  # type: ignore[misc]


def atomic_keras_tuner_files() -> None:
    """Make keras-tuner write its JSON state files (``oracle.json``, each ``trial.json``)
    through :func:`kerazoo._files.write_text_atomic`.

    Why private: keras-tuner 1.4 writes them with ``keras_tuner.src.utils.save_json``, which
    truncates the file and then writes it; a search killed in between leaves an empty
    ``trial.json`` that its own reload cannot read, so the search could never continue.
    There is no public way to choose how it writes.
    """
    from keras_tuner.src import utils

    if getattr(utils.save_json, "kerazoo_atomic", False):
        return
    import json

    from kerazoo._files import write_text_atomic

    def save_json(path: str, obj: Any) -> str:
        text = json.dumps(obj)
        write_text_atomic(path, text)
        return text

    save_json.kerazoo_atomic = True  # type: ignore[attr-defined]
    utils.save_json = save_json


def detach_from_strategy(model: Any, strategy: Any, batch: Any) -> None:
    """Build everything ``fit`` would build, then let the model take its strategy from the
    scope ``fit`` runs in.

    Why private: a Keras 3 model made under a ``tf.distribute`` scope remembers the strategy
    (``model._distribute_strategy``), and then every ``fit`` first pulls one batch from the
    training data to build the model symbolically. With ``MultiWorkerMirroredStrategy`` that
    pull fails (``strategy.reduce`` of a tuple of per-replica batches, keras-team/keras#20585),
    and with any strategy it iterates kerazoo's batches once more, which moves every epoch's
    seeded order by one (the trajectory differed from one device's). Building here from a
    batch of our own (``_symbolic_build``) and forgetting the strategy avoids both; ``fit``
    called inside ``strategy.scope()`` still distributes every step (the trainer's
    ``distribute_strategy`` falls back to the scope's).
    """
    with strategy.scope():
        model._symbolic_build(data_batch=batch)
        if model.optimizer is not None and not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
    model._distribute_strategy = None


_PATCHED: list[bool] = []


def fix_multi_worker_metrics() -> None:
    """Let Keras 3 average scalar metrics over the workers of a cluster.

    Why private: under ``MultiWorkerMirroredStrategy`` Keras' TensorFlow trainer reduces every
    per-replica log with ``strategy.reduce("MEAN", value, axis=0)``; Keras 3's logs are
    scalars, which have no axis 0, so the first training step fails (keras-team/keras#20585).
    The replacement reduces scalars with ``axis=None`` (the mean over replicas) and leaves
    every other case to Keras. Applied once, only when a multi-worker strategy is made.
    """
    if _PATCHED:
        return
    from keras.src.backend.tensorflow import trainer

    original = trainer.reduce_per_replica

    def reduce_per_replica(values: Any, strategy: Any, reduction: str) -> Any:
        if reduction in ("auto", "mean") and trainer._collective_all_reduce_multi_worker(strategy):
            from keras import tree

            def mean(v: Any) -> Any:
                scalar = getattr(v, "shape", None) is not None and v.shape.rank == 0
                return strategy.reduce("MEAN", v, axis=None if scalar else 0)

            return tree.map_structure(mean, values)
        return original(values, strategy, reduction)

    trainer.reduce_per_replica = reduce_per_replica
    _PATCHED.append(True)


@contextlib.contextmanager
def keras_tuner_tracebacks(shown: bool) -> Iterator[None]:
    """Whether keras-tuner prints the traceback of every failed trial to stderr.

    Why private: keras-tuner 1.4 prints it whenever its module flag ``config.DEBUG`` is true,
    and it is true by default; there is no public switch. kerazoo reports a failed trial
    itself (its status and last message line in the table, the whole message in keras-tuner's
    ``trial.json``), so a diverged trial need not look like a crash.
    """
    from keras_tuner.src import config

    was = config.DEBUG
    config.DEBUG = shown
    try:
        yield
    finally:
        config.DEBUG = was


def pre_activation_classes() -> tuple[type, ...]:
    """The Keras layers whose ``call`` computes an affine map (a matrix product or a
    convolution, plus the bias) and then applies ``self.activation`` to it, last: the
    layers :func:`call_without_activation` works for (and their subclasses)."""
    from keras import layers

    return (
        layers.Dense,
        layers.EinsumDense,
        layers.Conv1D,
        layers.Conv2D,
        layers.Conv3D,
        layers.Conv1DTranspose,
        layers.Conv2DTranspose,
        layers.Conv3DTranspose,
        layers.DepthwiseConv1D,
        layers.DepthwiseConv2D,
        layers.SeparableConv1D,
        layers.SeparableConv2D,
    )


class _WithoutActivation:
    """``layer`` as its ``call`` sees it, with no activation: every other attribute (the
    kernel, the bias, the convolution) is the layer's own, read when used."""

    activation = None

    def __init__(self, layer: Any) -> None:
        self._layer = layer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._layer, name)


def call_without_activation(layer: Any, inputs: Any) -> Any:
    """What ``layer`` (one of :func:`pre_activation_classes`) computes from ``inputs``
    before its activation: for a ``Dense`` layer ``inputs @ kernel + bias``.

    Why private: Keras has no public way to ask a layer for its output before its own
    activation. Its ``call`` reads ``self.activation`` when it runs and skips it when it is
    ``None``, so ``call`` is run on a stand-in for the layer whose ``activation`` is
    ``None`` and whose other attributes are the layer's. The layer itself is never changed
    (no attribute is set on it, even for a moment), so a model being traced or run in
    another thread meanwhile is not affected; its variables are read as in its own call
    (inside a stateless scope on JAX, the scope's values).
    """
    return type(layer).call(_WithoutActivation(layer), inputs)
