"""One compiled inference call of a Keras model on every backend, weights read at each call.

On JAX the model is run by ``jax.jit`` of a function of ``(weights, inputs)`` that calls
``model.stateless_call(trainable, non_trainable, x, training=False)``: the weights are
arguments, never constants of the compiled program, so weights changed later (more
training, ``set_weights``, loading) are what the next call uses. JAX compiles once per input
shape and keeps it; :meth:`Serving.batches` pads the last, shorter batch of a pass to a
power of two (at most the batch size), so the passes compile at most ``log2(batch_size) + 1``
shapes however many images they are given, and a shape is compiled only once it has been
asked for :data:`COMPILE_AFTER` times (before that the model is called eagerly: compiling
costs more than a short pass). On TensorFlow the call is one ``tf.function`` with a
free batch dimension (traced once); elsewhere, or for a model with a layer XLA cannot
compile (``model.jit_compile`` is ``False``), the model is called eagerly.

:func:`jit_stateless` is the mechanism itself, for any function of the model's outputs
(predictions here; gradients of a score with respect to the input for saliency).

Example:
    >>> serve = Serving(model)                                      # doctest: +SKIP
    >>> serve.batches(images, batch_size=64).shape                  # doctest: +SKIP
    (500, 3)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["COMPILE_AFTER", "Serving", "bucket", "jit_stateless", "stateless"]

#: On JAX a batch shape is compiled once it has been asked for this many times (counting
#: the batches a pass is about to run); until then the model is called eagerly. Tracing
#: and compiling LeNet costs as much as 12-34 eager calls (measured: 0.46-0.72 s against
#: 3-40 ms saved a call, 32x32 and 64x64, batches of 1, 64 and 128), so a short pass (an
#: evaluation of 500 images in 8 batches) never waits for a compiler that would not pay
#: for itself, and a long one, or a loop predicting image after image, pays at most about
#: twice what the better choice would have cost.
COMPILE_AFTER = 16


def bucket(n: int, batch_size: int) -> int:
    """The batch size ``n`` images are padded to on a backend that compiles per shape:
    ``batch_size`` itself, else the next power of two, at most ``batch_size``.

    Example:
        >>> [bucket(n, 64) for n in (1, 3, 52, 64)]
        [1, 4, 64, 64]
    """
    if n >= batch_size:
        return n
    return min(1 << (n - 1).bit_length(), batch_size)


def jit_stateless(model: Any, fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn(call, *args)`` compiled by ``jax.jit``, where ``call(x)`` runs the model in
    inference mode on the weights it has when the compiled function is called.

    The weights go in as arguments at every call (read from the model's variables, in the
    order of ``model.variables`` when this is made), and inside ``model.stateless_call``
    maps them onto the variables: nothing of the model is a constant of the compiled
    program. ``call`` is a pure function of ``x``, so ``fn`` may differentiate through it
    (``jax.grad(lambda x: call(x)[:, k].sum())(x)``). JAX keeps one compiled program per
    shape and dtype of ``args``.

    Args:
        model: a built ``keras.Model`` on the JAX backend.
        fn: ``fn(call, *args) -> arrays``.

    Returns:
        ``run(*args)``, giving ``fn``'s JAX arrays.

    Example:
        >>> run = jit_stateless(model, lambda call, x: call(x))     # doctest: +SKIP
        >>> run(np.zeros((1, 32, 32, 1), np.uint8)).shape           # doctest: +SKIP
        (1, 3)
    """
    import jax

    from kerazoo._compat import variable_reader

    variables = list(model.variables)
    read = variable_reader(variables)  # [v.value for v in variables], a tenth the cost
    compiled = jax.jit(functools.partial(stateless, model, variables, fn))

    def run(*args: Any) -> Any:
        return compiled(read(), *args)

    return run


def stateless(
    net: Any, variables: list[Any], fn: Callable[..., Any], values: list[Any], *args: Any
) -> Any:
    """``fn(call, *args)``, where ``call(x)`` runs ``net`` on the weights ``values``, given in
    the order of ``variables``; another model of the same structure (a clone) may pass its
    own weights in the same order. The body :func:`jit_stateless` compiles.

    The split into trainable and not is the model's when traced: which variables are
    trainable does not change what an inference call computes.
    """
    by_id = {id(v): value for v, value in zip(variables, values, strict=True)}
    trainable = [by_id[id(v)] for v in net.trainable_variables]
    non_trainable = [by_id[id(v)] for v in net.non_trainable_variables]

    def call(x: Any) -> Any:
        return net.stateless_call(trainable, non_trainable, x, training=False)[0]

    return fn(call, *args)


class Serving:
    """The model's inference call, numpy in and out, compiled where the backend allows.

    Args:
        model: a built ``keras.Model`` with one input and one output.

    Attributes:
        per_shape: whether each new input shape compiles anew (JAX with XLA), so passes
            pad batches to :func:`bucket` sizes and compile a shape only after
            :data:`COMPILE_AFTER` calls.

    Example:
        >>> Serving(model)(np.zeros((2, 32, 32, 1), np.uint8)).shape   # doctest: +SKIP
        (2, 3)
    """

    def __init__(self, model: Any) -> None:
        import keras

        backend = keras.backend.backend()
        self.per_shape = backend == "jax" and bool(getattr(model, "jit_compile", True))
        # _fn gives the backend's array: on JAX the call returns before the device is done,
        # so a pass reads a batch back after sending the next
        self._fn: Callable[[np.ndarray], Any]
        self._eager = functools.partial(_infer, model)
        self._asked: dict[tuple[int, ...], int] = {}  # per_shape: calls of each shape so far
        if self.per_shape:
            self._fn = jit_stateless(model, _outputs)
        elif backend == "tensorflow":
            self._fn = _tf_function(model)
        else:
            self._fn = lambda x: keras.ops.convert_to_numpy(model(x, training=False))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """The model's outputs for the batch ``x`` (of the model's input dtype)."""
        return np.asarray(self._runner(x.shape, 1)(x))

    def _runner(self, shape: tuple[int, ...], calls: int) -> Callable[[np.ndarray], Any]:
        """The function for ``calls`` more calls on ``shape``: compiled on every backend but
        JAX, where a shape is compiled once asked for :data:`COMPILE_AFTER` times."""
        if not self.per_shape:
            return self._fn
        asked = self._asked[shape] = self._asked.get(shape, 0) + calls
        return self._fn if asked >= COMPILE_AFTER else self._eager

    def batches(
        self,
        x: np.ndarray,
        batch_size: int,
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """The outputs for ``x``, run ``batch_size`` images at a time.

        On a backend that compiles per shape the last, shorter batch is padded (with
        zeros, cut off again) to a :func:`bucket` size when that shape is compiled.

        Args:
            x: the batch, of the model's input shape and dtype.
            batch_size: images per call.
            progress: called with the number of images done after each call.
        """
        chunks: list[np.ndarray] = []
        pending: tuple[Any, int] | None = None  # the batch sent last, not yet read back

        def read(out: Any, n: int) -> None:
            chunks.append(np.asarray(out)[:n])
            if progress is not None:
                progress(sum(map(len, chunks)))

        full, rest = divmod(len(x), batch_size)
        item = tuple(x.shape[1:])
        run_full = self._runner((batch_size, *item), full) if full else self._fn
        size = bucket(rest, batch_size) if self.per_shape else rest
        run_rest = self._runner((size, *item), 1) if rest else self._fn
        if run_rest is self._eager:
            size = rest  # called eagerly: any shape
        for i in range(0, len(x), batch_size):
            part = x[i : i + batch_size]
            n = len(part)
            run = run_full if n == batch_size else run_rest
            if n < batch_size and size > n:
                part = np.concatenate([part, np.zeros((size - n, *part.shape[1:]), part.dtype)])
            sent = (run(part), n)  # on JAX this returns while the device computes
            if pending is not None:
                read(*pending)
            pending = sent
        if pending is not None:
            read(*pending)
        return chunks[0] if len(chunks) == 1 else np.concatenate(chunks)


def _outputs(call: Callable[[Any], Any], x: Any) -> Any:
    return call(x)


def _tf_function(model: Any) -> Callable[[np.ndarray], np.ndarray]:
    import tensorflow as tf

    shape = (None, *model.inputs[0].shape[1:])
    # One function per Serving, traced once (the signature). TensorFlow counts traces per
    # Python code object, so a lambda here made every Predictor look like one function
    # retraced ("triggered tf.function retracing" warnings); a partial has no code object of
    # its own and is counted alone.
    serve = tf.function(
        functools.partial(_infer, model),
        input_signature=[tf.TensorSpec(shape, str(model.inputs[0].dtype))],
    )
    return lambda x: serve(x).numpy()


def _infer(model: Any, x: Any) -> Any:
    return model(x, training=False)
