"""Saliency checked, and its speed.

First (always), what ``kerazoo look saliency MODEL --score`` prints, through the same
function (``saliency_pictures``): every method's pointing game, share inside the mask,
deletion and insertion areas beside a random order's, and rank correlation after the
randomisation cascade, with the verdicts, for the shipped zoo models ``lenet-shapes`` and
``chopped-vgg-shapes`` (32x32 shapes) on ``--count`` fresh samples (default 100), and the
wall time of the whole check; the load average is printed beside it (the machine is shared).

Then, with ``--speed``, the older measurement of the methods alone:

A LeNet for the 64x64x1 shapes dataset (``kerazoo.build("lenet", "shapes")``, trained one
short epoch so the weights are realistic) explains ``--n`` images (default 256) with
``kerazoo.interpret.saliency`` and each method's defaults (SmoothGrad: 16 noisy copies per
image; occlusion: an 8x8 patch moved by 4 pixels, 225 forward passes per image). Each
method's time is the median of ``--reps`` runs after a warm-up run.

The vanilla gradient is also timed as a plain per-image loop over the first ``--loop-n``
images, two ways: ``saliency()`` called on one image at a time, and one gradient per image
through a single float sub-model (what a hand-written loop with ``GradientTape`` or
``jax.grad`` does). Target: batched is at least 5x faster per image than either loop.

With ``--plain``, the backend itself: for each zoo model, the forward pass and the gradient
of the top logit for 256 images through kerazoo's compiled pair (``_compiled.compiled``, what
every method calls) beside the same computation written plainly for the backend
(``jax.jit`` of ``stateless_call`` and ``jax.grad``; ``tf.function`` and ``GradientTape``),
median of 7 after a warm-up. Run it once per backend: the plain rows compare the backends,
the ratio says what kerazoo adds.

Run: python benchmarks/bench_saliency.py [--count 100] [--speed [--n 256] [--reps 3]
[--loop-n 32]] [--plain]
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import time
from collections.abc import Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402


def median_time(fn: Callable[[], object], reps: int) -> float:
    """Median wall time of ``fn()`` over ``reps`` runs, after one warm-up run."""
    fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def trained_model(n: int) -> tuple[object, np.ndarray]:
    """LeNet on 64x64 shapes, trained one short epoch; and ``n`` fresh test images."""
    import kerazoo

    ds = kerazoo.get_dataset("shapes", size=64)
    train = ds.generate(512, seed=0)
    model = kerazoo.build("lenet", ds, adapt=train.images)
    model.fit(train.images, train.labels, batch_size=64, epochs=1, verbose=0)
    return model, ds.generate(n, seed=1).images


def per_image_gradients(model: object, images: np.ndarray) -> Callable[[], object]:
    """A plain loop: one sub-model, then one gradient of the predicted logit per image."""
    import keras

    from kerazoo.interpret import _probe as probe
    from kerazoo.interpret._gradients import value_and_grad
    from kerazoo.saving._info import ModelInfo

    info = ModelInfo.of(model)
    net = probe.layer_model(model, ["logits"], start="float")
    x = probe.float_images(images, info)

    def run() -> None:
        for i in range(len(x)):
            k = int(np.argmax(keras.ops.convert_to_numpy(net(x[i : i + 1]))))
            value_and_grad(lambda t, k=k: net(t)[0, k], x[i : i + 1])

    return run


def checked(count: int, out: str | None) -> None:
    """The score table of ``look saliency --score`` for each zoo model, and its time."""
    import tempfile

    import keras

    from kerazoo.interpret._saliency_look import saliency_pictures

    print(f"keras {keras.__version__}, backend {keras.backend.backend()}, {os.cpu_count()} CPUs")
    for name in ("lenet-shapes", "chopped-vgg-shapes"):
        load = os.getloadavg()[0]
        with tempfile.TemporaryDirectory() as folder:
            t0, cpu0 = time.perf_counter(), time.process_time()
            done = saliency_pictures(
                f"zoo:{name}",
                folder,
                score=True,
                count=count,
                out=f"{out}/saliency_{name}.png" if out else None,
            )
            seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        print(f"\n== zoo:{name}")
        print("\n".join(done.lines()[: None if out else -1]))  # a temporary path: not shown
        print(
            f"{name}: {count} images checked with every method in {seconds:.1f} s wall, "
            f"{cpu:.1f} s CPU (all threads), loading the model and drawing included (target "
            f"< 60 s); load average {load:.1f} before, {os.getloadavg()[0]:.1f} after, on "
            f"{os.cpu_count()} CPUs"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100, help="images checked per model")
    parser.add_argument("--out", metavar="DIR", help="keep the pictures there")
    parser.add_argument("--speed", action="store_true", help="also time the methods alone")
    parser.add_argument("--n", type=int, default=256, help="images explained per method")
    parser.add_argument("--reps", type=int, default=3, help="timed runs per method")
    parser.add_argument("--loop-n", type=int, default=32, help="images in the per-image loops")
    parser.add_argument("--plain", action="store_true", help="also time the backend itself")
    args = parser.parse_args()
    checked(args.count, args.out)
    if args.speed:
        speed(args)
    if args.plain:
        plain()


def plain() -> None:
    """Forward and gradient of 256 images: kerazoo's compiled pair against plain code."""
    import keras

    from kerazoo._cli import model_path
    from kerazoo.interpret import _probe as probe
    from kerazoo.interpret._compiled import COMPILE_AFTER, compiled

    print(f"\nthe backend itself ({keras.backend.backend()}), 256 images, median of 7:")
    for name in ("lenet-shapes", "chopped-vgg-shapes"):
        model, info = probe.load(model_path(f"zoo:{name}"))
        net = probe.layer_model(model, [probe.logits_layer(model, info)], start="float")
        shape = (256, info.input.height, info.input.width, info.input.channels)
        x = np.random.default_rng(0).random(shape, dtype=np.float32)
        index = np.argmax(np.asarray(keras.ops.convert_to_numpy(net(x[:8]))), axis=1)
        index = np.resize(index, 256).astype(np.int64)
        forward, gradient = compiled(net)
        ours = (
            functools.partial(forward, x),
            functools.partial(gradient, x, index, np.ones(256, np.float32)),
        )
        pairs = zip(("forward", "gradient"), ours, _plain(net, x, index), strict=True)
        for label, mine, theirs in pairs:
            for _ in range(COMPILE_AFTER // len(x) + 1):  # past kerazoo's eager start
                mine()
            a, b = median_time(mine, 7), median_time(theirs, 7)
            print(
                f"  {name:<19} {label:<8} kerazoo {a * 1000:7.1f} ms  plain {b * 1000:7.1f} ms"
                f"  ratio {a / b:4.2f}"
            )


def _plain(net: object, x: np.ndarray, index: np.ndarray) -> tuple[Callable, Callable]:
    """The forward pass and the gradient of the chosen logits, as a user writes them."""
    import keras

    if keras.backend.backend() == "jax":
        import jax

        tv = [v.value for v in net.trainable_variables]
        ntv = [v.value for v in net.non_trainable_variables]

        def logits(x, tv, ntv):
            return net.stateless_call(tv, ntv, x, training=False)[0]

        f = jax.jit(logits)
        g = jax.jit(jax.grad(lambda x, tv, ntv, i: logits(x, tv, ntv)[np.arange(256), i].sum()))
        return (lambda: np.asarray(f(x, tv, ntv)), lambda: np.asarray(g(x, tv, ntv, index)))
    import tensorflow as tf

    xt, it = tf.constant(x), tf.constant(index)
    f = tf.function(lambda x: net(x, training=False))

    @tf.function
    def g(x, i):
        with tf.GradientTape() as tape:
            tape.watch(x)
            picked = tf.gather(net(x, training=False), i, axis=1, batch_dims=1)
            total = tf.reduce_sum(picked)
        return tape.gradient(total, x)

    return (lambda: f(xt).numpy(), lambda: g(xt, it).numpy())


def speed(args: argparse.Namespace) -> None:
    """Images per second of each method, and batched against per-image loops."""
    import keras

    from kerazoo.interpret._attribution import SALIENCY_METHODS, saliency

    model, images = trained_model(args.n)
    print(f"keras {keras.__version__}, backend {keras.backend.backend()}, {os.cpu_count()} CPUs")
    print(
        f"model: LeNet, input {images.shape[1:]}, {model.count_params()} params; "
        f"{args.n} images, median of {args.reps} runs"
    )
    print(f"  {'method':<12} {'seconds':>9} {'images/s':>10}")
    rates = {}
    for method in SALIENCY_METHODS:
        t = median_time(lambda m=method: saliency(model, images, m), args.reps)
        rates[method] = args.n / t
        print(f"  {method:<12} {t:9.3f} {rates[method]:10.1f}")

    few = images[: args.loop_n]
    loop_api = median_time(lambda: [saliency(model, im[None]) for im in few], args.reps)
    loop_plain = median_time(per_image_gradients(model, few), args.reps)
    print(f"vanilla gradient, per-image loops over {len(few)} images:")
    for name, t in [("saliency() per image", loop_api), ("value_and_grad per image", loop_plain)]:
        rate = len(few) / t
        ratio = rates["gradients"] / rate
        verdict = "ok" if ratio >= 5 else "MISSED"
        print(
            f"  {name:<26} {rate:8.1f} images/s; batched is {ratio:6.1f}x faster "
            f"(target >= 5x: {verdict})"
        )


if __name__ == "__main__":
    main()
