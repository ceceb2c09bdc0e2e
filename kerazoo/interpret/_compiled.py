"""Compiled calls for saliency: a sub-model's outputs, and the gradient of a per-image score.

Saliency calls a small sub-model thousands of times (occlusion, SmoothGrad, deletion and
insertion curves, the randomisation test), so it runs it compiled: on TensorFlow a
``tf.function`` with a free batch dimension (traced once; variables are read when called);
on JAX ``jax.jit`` of a stateless call (as :func:`kerazoo.models._serving.jit_stateless`),
with the weights passed as arguments at every call, so a model whose weights change
(re-initialised layer after layer by the randomisation test) is never computed with stale
weights, and a clone of the model reuses the compiled programs with its own weights. JAX
compiles per batch shape: batches are padded to a power of two, at least 128 images.

Example:
    >>> forward, gradient = compiled(net)                            # doctest: +SKIP
    >>> gradient(x, index, sign).shape == x.shape                    # doctest: +SKIP
    True
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import keras
import numpy as np

from kerazoo.interpret._gradients import value_and_grad
from kerazoo.models._serving import bucket, stateless

__all__ = ["COMPILE_AFTER", "compiled", "pick"]

#: Images a function is called on eagerly before it is compiled (tracing and compiling
#: cost about as much as a few hundred eager LeNet images).
COMPILE_AFTER = 2048

#: On JAX, batches are padded to a power of two and at least this many images, so the few
#: batch sizes saliency uses (128 gradients, 512 forward passes) compile once each.
_MIN_BATCH = 128


def pick(outputs: Any, index: Any, sign: Any) -> Any:
    """Per image: the chosen unit of a ``[N, units]`` output, times its sign."""
    outputs = outputs[0] if isinstance(outputs, list) else outputs
    picked = keras.ops.take_along_axis(outputs, keras.ops.expand_dims(index, 1), axis=1)
    return picked[:, 0] * sign


def compiled(
    net: Any, share: dict[str, Any] | None = None
) -> tuple[Callable[..., np.ndarray], Callable[..., np.ndarray]]:
    """``(forward(x), gradient(x, index, sign))`` of a one-input, one-output model.

    ``forward`` gives the outputs; ``gradient`` gives ``d pick(net(x), index, sign) / d x``
    per image (the sum of the per-image scores, differentiated once). Both take and give
    numpy arrays of any batch size.

    ``share`` (JAX): a dict that models of one structure pass in turn (a model, then its
    clone with other weights): the first one's compiled programs serve them all, each
    called with its own weights, so a clone costs no compiling.
    """
    backend = keras.backend.backend()
    eager = _eager(net)
    if backend == "jax" and getattr(net, "jit_compile", True) is not False:
        make = functools.partial(_jax, net, share)
    elif backend == "tensorflow":
        make = functools.partial(_tensorflow, net)
    else:
        return eager
    fns = _Later(make)
    return _after(eager[0], fns, 0), _after(eager[1], fns, 1)


class _Later:
    """The compiled pair, made when first asked for."""

    def __init__(self, make: Callable[[], tuple[Callable[..., Any], Callable[..., Any]]]) -> None:
        self._make, self._fns = make, None

    def __getitem__(self, k: int) -> Callable[..., Any]:
        if self._fns is None:
            self._fns = self._make()
        return self._fns[k]


def _after(eager: Callable[..., Any], fns: _Later, k: int) -> Callable[..., np.ndarray]:
    """Eager for the first :data:`COMPILE_AFTER` images, compiled after: a few images (a
    picture of four) never wait for a compiler that would not pay for itself."""
    done = [0]

    def run(x: Any, *per_image: Any) -> np.ndarray:
        done[0] += len(x)
        return (eager if done[0] <= COMPILE_AFTER else fns[k])(x, *per_image)

    return run


def _gradient(call: Callable[[Any], Any], x: Any, index: Any, sign: Any) -> Any:
    """``d sum(pick(call(x), index, sign)) / d x``: each image's gradient is its own score's."""
    total = lambda t: keras.ops.sum(pick(call(t), index, sign))  # noqa: E731
    return value_and_grad(total, x)[1]


def _eager(net: Any) -> tuple[Callable[..., np.ndarray], Callable[..., np.ndarray]]:
    call = functools.partial(_call, net)
    return (
        lambda x: _numpy(call(x)),
        lambda x, i, s: _numpy(_gradient(call, x, _tensor(i), _tensor(s))),
    )


def _tensorflow(net: Any) -> tuple[Callable[..., np.ndarray], Callable[..., np.ndarray]]:
    import tensorflow as tf

    spec = tf.TensorSpec((None, *net.inputs[0].shape[1:]), "float32")
    per_image = [tf.TensorSpec((None,), "int64"), tf.TensorSpec((None,), "float32")]
    forward = tf.function(functools.partial(_call, net), input_signature=[spec])
    # partials, not lambdas: TensorFlow counts traces per code object, and every sub-model
    # (one per Grad-CAM layer, the randomised copy) would look like one function retraced
    grad = functools.partial(_gradient, functools.partial(_call, net))
    gradient = tf.function(grad, input_signature=[spec, *per_image])
    return (
        lambda x: _numpy(forward(np.asarray(x, np.float32))),
        lambda x, i, s: _numpy(
            gradient(np.asarray(x, np.float32), np.asarray(i, np.int64), np.asarray(s, np.float32))
        ),
    )


def _jax(
    net: Any, share: dict[str, Any] | None
) -> tuple[Callable[..., np.ndarray], Callable[..., np.ndarray]]:
    import jax

    variables = list(net.variables)
    shapes = [tuple(v.shape) for v in variables]
    share = {} if share is None else share
    if share.get("shapes", shapes) != shapes:
        share.clear()  # another structure: nothing to share
    if "forward" not in share:  # traced on the first net; the others' weights go in as values
        share["shapes"] = shapes
        share["forward"] = jax.jit(functools.partial(stateless, net, variables, _outputs))
        share["gradient"] = jax.jit(functools.partial(stateless, net, variables, _jax_gradient))
    forward, gradient = share["forward"], share["gradient"]
    values = lambda: [v.value for v in variables]  # noqa: E731  read at every call
    return (
        lambda x: _padded(functools.partial(forward, values()), np.asarray(x, np.float32)),
        lambda x, i, s: _padded(
            functools.partial(gradient, values()),
            np.asarray(x, np.float32),
            np.asarray(i, np.int32),
            np.asarray(s, np.float32),
        ),
    )


def _outputs(call: Callable[[Any], Any], x: Any) -> Any:
    return call(x)


def _jax_gradient(call: Callable[[Any], Any], x: Any, index: Any, sign: Any) -> Any:
    import jax

    total = lambda t: keras.ops.sum(pick(call(t), index, sign))  # noqa: E731
    return jax.grad(total)(x)


def _padded(fn: Callable[..., Any], *arrays: np.ndarray) -> np.ndarray:
    """``fn(*arrays)`` with the batch padded (zeros) to a power of two, then cut back, so a
    pass of any length compiles few shapes."""
    n = len(arrays[0])
    size = max(_MIN_BATCH, bucket(n, 1 << (n - 1).bit_length()) if n > 1 else n)
    if size > n:
        arrays = tuple(
            np.concatenate([a, np.zeros((size - n, *a.shape[1:]), a.dtype)]) for a in arrays
        )
    return _numpy(fn(*arrays))[:n]


def _call(net: Any, x: Any) -> Any:
    return net(x, training=False)


def _tensor(a: Any) -> Any:
    return keras.ops.convert_to_tensor(a)


def _numpy(outputs: Any) -> np.ndarray:
    return np.asarray(
        keras.ops.convert_to_numpy(outputs[0] if isinstance(outputs, list) else outputs)
    )
