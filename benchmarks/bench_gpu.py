"""The GPU path: chopped VGG training throughput by precision, XLA and channel order.

Shapes at 64x64, the default chopped VGG, ``--images`` training images, batch ``--batch``,
Adam. For every combination of

- precision: ``float32`` or ``mixed_float16`` (``--bf16``: ``mixed_bfloat16``),
- XLA: ``jit_compile`` false or true,
- channel order: ``channels_last`` or ``channels_first``,

the model is built by ``kerazoo.build`` (the settings ``kerazoo train`` passes it), one epoch
is run to trace and compile, and then ``--epochs`` epochs are timed: images per second of
``model.fit`` on arrays already in memory (data generation left out: it is the same for every
row). Every row is measured in its own process, so one setting's compiled functions and
memory do not reach the next. Each row's ratio is against a fixed baseline row,
``float32 / no XLA / channels_last``, measured twice: first, before every other row, and
again last, after them; the ratios are against the mean of the two, and both are printed
with their difference, so a machine that drifted during the table shows (a difference of
more than a few percent means the ratios carry that much noise).

Without a GPU it says so and stops; ``--cpu`` runs the rows a CPU can, to check the script:
float32, channels_last, XLA off and on (TensorFlow's CPU convolutions refuse channels_first,
and float16 is emulated there: one mixed-precision XLA row of 256 images took over 12
CPU-minutes on the 2-core machine).

Run: python benchmarks/bench_gpu.py [--images 8192] [--batch 128] [--epochs 3] [--bf16]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def row(args: argparse.Namespace) -> None:
    """One measured row, in this process: print its result as one JSON line."""
    import keras

    import kerazoo
    from kerazoo.data._batches import encode_inputs

    keras.utils.set_random_seed(0)
    ds = kerazoo.get_dataset("shapes", size=64)
    data = ds.generate(args.images, seed=0)
    model = kerazoo.build(
        "chopped_vgg",
        ds,
        data_format=args.data_format,
        precision=args.precision,
        jit_compile=args.jit == "true",
        adapt=data.images[:512],
    )
    x = encode_inputs(data.images, model)
    model.fit(x, data.labels, batch_size=args.batch, epochs=1, verbose=0)  # trace, compile
    start = time.perf_counter()
    fit = model.fit(x, data.labels, batch_size=args.batch, epochs=args.epochs, verbose=0)
    seconds = time.perf_counter() - start
    out = {
        "images_per_s": args.images * args.epochs / seconds,
        "loss": float(fit.history["loss"][-1]),
    }
    print(json.dumps(out))


def has_gpu() -> bool:
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=8192)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs after the first")
    parser.add_argument("--bf16", action="store_true", help="mixed_bfloat16, not mixed_float16")
    parser.add_argument("--cpu", action="store_true", help="no GPU: run the CPU's rows anyway")
    parser.add_argument("--row", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--precision", help=argparse.SUPPRESS)
    parser.add_argument("--jit", help=argparse.SUPPRESS)
    parser.add_argument("--data-format", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.row:
        row(args)
        return
    gpu = has_gpu()
    if not gpu and not args.cpu:
        print("No GPU is visible: nothing to measure (--cpu checks the script on the CPU).")
        return
    import keras

    mixed = "mixed_bfloat16" if args.bf16 else "mixed_float16"
    precisions = ("float32", mixed) if gpu else ("float32",)
    formats = ("channels_last", "channels_first") if gpu else ("channels_last",)
    print(
        f"chopped_vgg on shapes 64x64, {args.images} images, batch {args.batch}, "
        f"{args.epochs} timed epochs after one to compile; keras {keras.__version__} "
        f"(tensorflow), {'GPU' if gpu else 'CPU only'}"
    )
    sizes = ["--images", str(args.images), "--batch", str(args.batch)]
    sizes += ["--epochs", str(args.epochs)]
    combos = list(itertools.product(precisions, ("false", "true"), formats))
    baseline = combos[0]  # float32 / no XLA / channels_last
    plan = [(baseline, "baseline, first"), *((c, "") for c in combos[1:])]
    plan.append((baseline, "baseline, last"))
    measured = []
    for combo, note in plan:
        result = measure(combo, sizes)
        measured.append((combo, note, result))
        speed = "failed" if "failed" in result else f"{result['images_per_s']:.0f} images/s"
        print(f"  measured {' / '.join(combo)}{f' ({note})' if note else ''}: {speed}", flush=True)
    bases = [r["images_per_s"] for c, _, r in measured if c == baseline and "failed" not in r]
    base = sum(bases) / len(bases) if bases else None
    if len(bases) == 2:
        drift = bases[1] / bases[0] - 1
        print(f"baseline first {bases[0]:.0f}, last {bases[1]:.0f} images/s ({drift:+.1%})")
    print(
        f"{'precision':<15} {'XLA':<6} {'channels':<15} {'images/s':>9} {'ratio':>6} "
        f"{'last loss':>9}"
    )
    for (precision, jit, data_format), note, result in measured:
        head = f"{precision:<15} {jit:<6} {data_format:<15}"
        if "failed" in result:
            print(f"{head} failed: {result['failed'][:80]}")
            continue
        speed = result["images_per_s"]
        ratio = f"{speed / base:>5.2f}x" if base else "    - "
        tail = f"  ({note})" if note else ""
        print(f"{head} {speed:>9.0f} {ratio} {result['loss']:>9.4f}{tail}")


def measure(combo: tuple[str, str, str], sizes: list[str]) -> dict:
    """One row in its own process: its JSON result, or ``{"failed": reason}``."""
    precision, jit, data_format = combo
    command = [sys.executable, __file__, "--row", *sizes, "--precision", precision]
    command += ["--jit", jit, "--data-format", data_format]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        return {"failed": (done.stderr.strip().splitlines() or ["no output"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
