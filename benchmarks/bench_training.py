"""Training benchmark: ``kerazoo train`` against plain Keras doing the same work, in pairs.

Both sides train the same network (shapes, ``--size`` pixels, ``--train`` / ``--val``
images, batch ``--batch``, Adam 1e-3, ``--epochs`` epochs, no test split) and save it:

* kerazoo: ``kerazoo.train`` (in-process) or ``python -m kerazoo train`` (whole-process),
  with everything a run does (its batches, per-epoch checkpoints, history and curves).
* plain Keras: the same arrays from ``dataset.split``, a fresh clone of the kerazoo network,
  ``Normalization.adapt``, ``compile``, ``model.fit(x, y, shuffle=True)`` on numpy arrays,
  ``model.save``.

Two cases, each printing every pair (the order alternates: kerazoo first, then plain first,
...), the median of each side and the ratio of the medians (kerazoo / plain time, target
<= 1.05; and kerazoo / plain samples/s, target >= 0.95):

* in-process (default): both sides in this process, after one unmeasured warm-up run of each
  side for each network. Each run also prints its first epoch and the mean of the later
  epochs, so start-up costs and steady-state speed can be told apart.
* whole-process (``--whole-process``): each run a fresh Python process, ``python -m kerazoo
  train ...`` against a plain script in a temporary file, imports and start-up included.

Why the two cases disagreed on TensorFlow (in-process chopped_vgg 1.356 against
whole-process 1.01), as far as the old code shows: (1) the old in-process kerazoo side ran
with the default test split (``test_size`` auto = as many as the validation images, 1,000),
so its time held a test evaluation with its pictures (+17% on a LeNet run) that the
plain side did not do; (2) its warm-up ran LeNet only, and kerazoo went first in the first
of two pairs, so kerazoo alone paid the process's first use of chopped_vgg (graph building
and kernel set-up per shape), and the mean of two runs gave that cold run half the weight;
(3) a whole process adds the same imports and start-up to both sides, which dilutes any
difference. Here the kerazoo side has ``test_size=0``, each network is warmed up on both
sides first (``--no-warm-up`` leaves that out), the order alternates and medians are
compared. On the 2 shared cores this was written on (load 7-9) single chopped_vgg pairs on
TensorFlow ranged 0.96-1.81 without warm-up: the effect of (2) alone could not be measured
there; rerun on a quiet machine.

Run: python benchmarks/bench_training.py --backend jax [--archs lenet chopped_vgg]
     [--repeats 3] [--whole-process] [--train 2000] [--epochs 4]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

PLAIN_SCRIPT = """
import sys, time
t0 = time.perf_counter()
import keras
import kerazoo
arch, size, train, val, batch, epochs, out = sys.argv[1:8]
size, train, val, batch, epochs = int(size), int(train), int(val), int(batch), int(epochs)
dataset = kerazoo.get_dataset("shapes", size=size)
data = dataset.split(train, val, seed=0)
model = keras.models.clone_model(kerazoo.build(arch, dataset, seed=0))
for layer in model.layers:
    if isinstance(layer, keras.layers.Normalization):
        layer.adapt(data.train.images.astype("float32") / 255.0)
model.compile(
    optimizer=keras.optimizers.Adam(1e-3),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=["accuracy"],
)
model.fit(
    data.train.images, data.train.labels, batch_size=batch, epochs=epochs,
    validation_data=(data.val.images, data.val.labels), verbose=0, shuffle=True,
)
model.save(out)
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["tensorflow", "jax"], default="tensorflow")
    parser.add_argument("--archs", nargs="+", default=["lenet", "chopped_vgg"])
    parser.add_argument("--repeats", type=int, default=2, help="pairs of runs per network")
    parser.add_argument("--train", type=int, default=2000, help="training images")
    parser.add_argument("--val", type=int, default=500, help="validation images")
    parser.add_argument("--size", type=int, default=32, help="image side in pixels")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--whole-process", action="store_true", help="fresh processes")
    parser.add_argument("--no-warm-up", action="store_true", help="skip the warm-up runs")
    return parser.parse_args()


class EpochTimes:
    """The wall time of each epoch end (``callback`` goes into ``fit``)."""

    def __init__(self) -> None:
        import keras

        ends: list[float] = []
        self.ends = ends

        class Times(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                ends.append(time.perf_counter())

        self.callback = Times()

    def describe(self, t0: float) -> str:
        """Start-up plus the first epoch, and the mean of the later epochs."""
        if not self.ends:
            return ""
        first = self.ends[0] - t0
        later = [b - a for a, b in zip(self.ends, self.ends[1:], strict=False)]
        rest = f", later epochs {statistics.mean(later):.2f}s each" if later else ""
        return f"(start + epoch 1 {first:.2f}s{rest})"


def run_kerazoo(args: argparse.Namespace, arch: str, out: Path, epochs: int, train: int) -> tuple:
    import kerazoo

    times = EpochTimes()
    t0 = time.perf_counter()
    kerazoo.train(
        "shapes",
        arch,
        data={"size": args.size},
        epochs=epochs,
        out=out,
        verbose=0,
        callbacks=[times.callback],
        train_size=train,
        val_size=args.val,
        test_size=0,
        batch_size=args.batch,
        seed=0,
    )
    return time.perf_counter() - t0, times.describe(t0)


def run_plain(args: argparse.Namespace, arch: str, out: Path, epochs: int, train: int) -> tuple:
    """The same work in plain Keras: arrays, network, adapt, compile, fit, save."""
    import keras

    import kerazoo

    dataset = kerazoo.get_dataset("shapes", size=args.size)
    template = kerazoo.build(arch, dataset, seed=0)  # the network's definition, not timed
    times = EpochTimes()
    t0 = time.perf_counter()
    data = dataset.split(train, args.val, seed=0)
    model = keras.models.clone_model(template)
    for layer in model.layers:
        if isinstance(layer, keras.layers.Normalization):
            layer.adapt(data.train.images.astype("float32") / 255.0)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(
        data.train.images,
        data.train.labels,
        batch_size=args.batch,
        epochs=epochs,
        validation_data=(data.val.images, data.val.labels),
        verbose=0,
        shuffle=True,
        callbacks=[times.callback],
    )
    model.save(out.with_suffix(".keras"))
    return time.perf_counter() - t0, times.describe(t0)


def in_process(args: argparse.Namespace, arch: str, side: str, epochs: int, train: int) -> tuple:
    import keras

    with tempfile.TemporaryDirectory() as tmp:
        run = run_kerazoo if side == "kerazoo" else run_plain
        result = run(args, arch, Path(tmp) / "run", epochs, train)
    keras.backend.clear_session()
    return result


def whole_process(args: argparse.Namespace, arch: str, side: str, epochs: int, train: int) -> tuple:
    env = {**os.environ, "KERAS_BACKEND": args.backend}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        if side == "kerazoo":
            cmd = [sys.executable, "-m", "kerazoo", "train", "shapes", arch, "--quiet"]
            cmd += ["--data", f"size={args.size}", "--epochs", str(epochs), "--seed", "0"]
            cmd += ["--train-size", str(train), "--val-size", str(args.val), "--test-size", "0"]
            cmd += ["--batch-size", str(args.batch), "--out", str(out)]
        else:
            script = Path(tmp) / "plain.py"
            script.write_text(PLAIN_SCRIPT)
            sizes = [args.size, train, args.val, args.batch, epochs, out.with_suffix(".keras")]
            cmd = [sys.executable, str(script), arch, *map(str, sizes)]
        t0 = time.perf_counter()
        done = subprocess.run(cmd, env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{side} run failed ({' '.join(cmd)}):\n{done.stderr[-3000:]}")
    return elapsed, ""


def bench(args: argparse.Namespace, arch: str) -> None:
    one = whole_process if args.whole_process else in_process
    if not args.no_warm_up:
        for side in ("kerazoo", "plain"):
            one(args, arch, side, 1, min(args.train, 256))
    times: dict[str, list[float]] = {"kerazoo": [], "plain": []}
    for rep in range(args.repeats):
        order = ("kerazoo", "plain") if rep % 2 == 0 else ("plain", "kerazoo")
        for side in order:
            t, detail = one(args, arch, side, args.epochs, args.train)
            times[side].append(t)
            print(f"  pair {rep + 1} {side:<8} {t:7.2f}s {detail}", flush=True)
        ratio = times["kerazoo"][-1] / times["plain"][-1]
        print(f"  pair {rep + 1} kerazoo/plain {ratio:.3f}   load {load()}", flush=True)
    med = {side: statistics.median(values) for side, values in times.items()}
    print(
        f"{arch}: median kerazoo {med['kerazoo']:.2f}s, plain {med['plain']:.2f}s; "
        f"ratio of medians kerazoo/plain time {med['kerazoo'] / med['plain']:.3f} "
        f"(target <= 1.05), samples/s {med['plain'] / med['kerazoo']:.3f} (target >= 0.95)"
        f"   load {load()}\n",
        flush=True,
    )


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    args = parse_args()
    os.environ["KERAS_BACKEND"] = args.backend  # before keras is imported
    import keras

    if keras.backend.backend() != args.backend:
        raise SystemExit(f"keras started with {keras.backend.backend()}, not {args.backend}")
    case = "whole-process" if args.whole_process else "in-process"
    print(
        f"keras {keras.__version__}, backend {args.backend}, {os.cpu_count()} CPU cores, "
        f"{case}; shapes {args.size}x{args.size}, {args.train} train / {args.val} val, batch "
        f"{args.batch}, {args.epochs} epochs; {args.repeats} pair(s) per network, order "
        f"alternating{'' if args.no_warm_up else ', after a warm-up of each side'}; load {load()}",
        flush=True,
    )
    for arch in args.archs:
        bench(args, arch)


if __name__ == "__main__":
    main()
