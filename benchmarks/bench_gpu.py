"""The GPU path: chopped VGG training throughput by precision, XLA and channel order.

Shapes at 64x64, the default chopped VGG, ``--images`` training images, batch ``--batch``,
Adam. For every combination of

- precision: ``float32`` or ``mixed_float16`` (``--bf16``: ``mixed_bfloat16``),
- XLA: ``jit_compile`` false or true,
- channel order: ``channels_last`` or ``channels_first``,

the model is built by ``kerazoo.build`` (the settings ``kerazoo train`` passes it), one epoch
is run to trace and compile, and then ``--epochs`` epochs are timed: images per second of
``model.fit`` on arrays already in memory (data generation left out: it is the same for every
row). Each row's ratio is against ``float32 / no XLA / channels_last``. Every row is measured
in its own process, so one setting's compiled functions and memory do not reach the next.

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
    print(
        f"{'precision':<15} {'XLA':<6} {'channels':<15} {'images/s':>9} {'ratio':>6} "
        f"{'last loss':>9}"
    )
    base = None
    for precision, jit, data_format in itertools.product(precisions, ("false", "true"), formats):
        sizes = [
            "--images",
            str(args.images),
            "--batch",
            str(args.batch),
            "--epochs",
            str(args.epochs),
        ]
        command = [
            sys.executable,
            __file__,
            "--row",
            *sizes,
            "--precision",
            precision,
            "--jit",
            jit,
            "--data-format",
            data_format,
        ]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
            print(f"{precision:<15} {jit:<6} {data_format:<15} failed: {reason[:80]}")
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        speed = result["images_per_s"]
        base = base or speed  # the first row is float32 / no XLA / channels_last
        print(
            f"{precision:<15} {jit:<6} {data_format:<15} {speed:>9.0f} {speed / base:>5.2f}x "
            f"{result['loss']:>9.4f}"
        )


if __name__ == "__main__":
    main()
