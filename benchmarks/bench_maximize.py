"""Activation maximisation of every filter of a layer: one batch against one filter at a time.

``kerazoo.interpret.maximize_filters`` optimises all the filters asked for as one batch
(image ``i`` maximises filter ``i``: one forward and one backward pass per step for all of
them). The alternative is a loop over the filters, one image each, with the same steps,
seed and regularisers. The target: the batch >= 4x faster.

The two ways compute the same thing, but a batched convolution rounds differently from a
single one, and gradient ascent through ReLUs and clipping can magnify that last-bit
difference into another local optimum for some filters of a deeper network: printed are
how many filters got the same image, and the mean activation each way reached.

Cases (random weights from ``keras.utils.set_random_seed(0)``; the time per step does not
depend on them):

* LeNet on 32x32 shapes, ``conv2`` (16 filters);
* chopped VGG (2 blocks, 32 then 64 filters) on 32x32 shapes, ``block1_conv2`` (32 filters).

Each way is timed ``--reps`` times, the two ways taking turns; the median is printed.

Run: python benchmarks/bench_maximize.py [--steps 30] [--reps 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402


def case(name: str, model, layer: str, steps: int, reps: int) -> float:
    """Time both ways on one layer; print them; return the ratio."""
    from kerazoo.interpret._maximize import maximize_filters, mean_activations

    n = int(model.get_layer(layer).output.shape[-1])  # channels-last: the builder's choice on CPU
    maximize_filters(model, layer, [0], steps=2)  # warm-up: tracing, first calls
    batch_times, single_times = [], []
    for _ in range(reps):
        t0 = time.perf_counter()
        batch = maximize_filters(model, layer, steps=steps)
        batch_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        single = np.concatenate(
            [maximize_filters(model, layer, [f], steps=steps) for f in range(n)]
        )
        single_times.append(time.perf_counter() - t0)
    t_batch, t_single = statistics.median(batch_times), statistics.median(single_times)
    same = (np.abs(batch.astype(int) - single.astype(int)) <= 2).reshape(n, -1).all(axis=1)
    acts = [mean_activations(model, layer, x)[np.arange(n), np.arange(n)] for x in (batch, single)]
    print(f"{name}: {layer}, {n} filters, {steps} steps (median of {reps})")
    for way, t, calls in ((f"one batch of {n}", t_batch, 1), (f"{n} x one filter", t_single, n)):
        print(f"  {way:<20} {t:8.2f} s  ({t / steps / calls * 1e3:6.1f} ms per step and call)")
    print(
        f"  same image (every pixel within 2 of 255) for {same.sum()} of {n} filters; mean "
        f"activation reached: batch {acts[0].mean():.4g}, one at a time {acts[1].mean():.4g}"
    )
    return t_single / t_batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30, help="ascent steps per filter")
    parser.add_argument("--reps", type=int, default=3, help="timed repeats of each way")
    args = parser.parse_args()

    import keras

    import kerazoo

    keras.utils.set_random_seed(0)  # kerazoo.build's seed is the data's, not the weights'
    shapes = kerazoo.get_dataset("shapes", size=32)
    lenet = kerazoo.build("lenet", shapes, seed=0)
    vgg = kerazoo.build(kerazoo.get_architecture("chopped_vgg", blocks=2), shapes, seed=0)
    print(f"keras {keras.__version__}, backend {keras.backend.backend()}, {os.cpu_count()} CPUs")
    ratios = [
        ("LeNet conv2", case("LeNet", lenet, "conv2", args.steps, args.reps)),
        (
            "chopped VGG block1_conv2",
            case("chopped VGG", vgg, "block1_conv2", args.steps, args.reps),
        ),
    ]
    for name, ratio in ratios:
        verdict = "ok" if ratio >= 4.0 else "MISSED"
        print(f"  {name:<26} batch is {ratio:6.2f}x faster  (target >= 4x: {verdict})")


if __name__ == "__main__":
    main()
