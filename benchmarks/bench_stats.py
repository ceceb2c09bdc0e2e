"""Overhead of recording activation statistics while training (``ActivationStats``).

LeNet is trained with ``kerazoo.train`` on shapes (``--size`` pixels a side, 64 as the
dataset's default; ``--train`` images, ``--epochs`` epochs, batches of 64), once without
callbacks and once with ``ActivationStats()`` at its defaults (about 40 records over the
run, 64 probe images, the picture at the end of training and at epoch ends within its
drawing budget). The runs come in ``--reps`` pairs whose order alternates (plain first,
then recorded first, ...), so load from other processes on a shared machine and a machine
that warms up or slows down hit both alike; every pair is printed with its ratio and the
load average, and the overhead is the median of the pair ratios (the medians and the
minimums of each kind are printed too). Also timed: one record (a probe pass plus the
per-layer summary) and one drawing of the picture.

Target: the callback adds at most 10% to the training time.

Run: python benchmarks/bench_stats.py [--reps 3] [--train 4000] [--epochs 3] [--size 64]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def train_once(folder: Path, args: argparse.Namespace, callbacks: list) -> float:
    """Seconds for one ``kerazoo.train`` run into a new folder under ``folder``."""
    import kerazoo

    t0 = time.perf_counter()
    kerazoo.train(
        "shapes",
        "lenet",
        data={"size": args.size},
        epochs=args.epochs,
        train_size=args.train,
        val_size=256,
        out=Path(tempfile.mkdtemp(dir=folder)),
        verbose=0,
        callbacks=callbacks,
    )
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3, help="runs of each kind")
    parser.add_argument("--train", type=int, default=4000, help="training images")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per run")
    parser.add_argument("--size", type=int, default=64, help="image side")
    args = parser.parse_args()

    import keras

    from kerazoo.interpret import _stats as stats

    record_times: list[float] = []
    draw_times: list[float] = []
    probe_call, draw = stats.Probe.__call__, stats.draw_activation_stats

    def timed_probe(self):  # wraps the private record step to time it alone
        t0 = time.perf_counter()
        out = probe_call(self)
        record_times.append(time.perf_counter() - t0)
        return out

    def timed_draw(*a, **k):
        t0 = time.perf_counter()
        out = draw(*a, **k)
        draw_times.append(time.perf_counter() - t0)
        return out

    stats.Probe.__call__, stats.draw_activation_stats = timed_probe, timed_draw
    plain, recorded, callback = [], [], None
    print(f"keras {keras.__version__}, backend {keras.backend.backend()}, {os.cpu_count()} CPUs")
    side = f"{args.size}x{args.size}"
    steps = -(-args.train // 64) * args.epochs
    print(f"LeNet on {side} shapes: {args.train} images x {args.epochs} epochs = {steps} batches")
    with tempfile.TemporaryDirectory() as tmp:
        train_once(Path(tmp), args, [])  # warm-up: imports, first compilation
        for rep in range(args.reps):
            for kind in ("plain", "stats") if rep % 2 == 0 else ("stats", "plain"):
                if kind == "plain":
                    plain.append(train_once(Path(tmp), args, []))
                else:
                    callback = stats.ActivationStats()
                    recorded.append(train_once(Path(tmp), args, [callback]))
            load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
            first = "plain" if rep % 2 == 0 else "stats"
            print(
                f"  pair {rep + 1} ({first} first): plain {plain[-1]:6.2f} s, with stats "
                f"{recorded[-1]:6.2f} s, ratio {recorded[-1] / plain[-1]:.3f}   load {load}",
                flush=True,
            )
    t_plain, t_rec = statistics.median(plain), statistics.median(recorded)
    best = (min(recorded) - min(plain)) / min(plain)
    medians = (t_rec - t_plain) / t_plain
    overhead = statistics.median(r / p for r, p in zip(recorded, plain, strict=True)) - 1
    print(
        f"records per run: {len(callback.stats['step'])} (every {callback.every} batches), "
        f"layers: {', '.join(callback.stats['layers'])}"
    )
    print(f"  training without the callback  {t_plain:7.2f} s median, {min(plain):7.2f} s min")
    print(f"  training with ActivationStats  {t_rec:7.2f} s median, {min(recorded):7.2f} s min")
    print(f"  one record (probe + summary)   {statistics.median(record_times) * 1e3:7.1f} ms")
    print(
        f"  one drawing of the picture     {statistics.median(draw_times) * 1e3:7.1f} ms "
        f"({len(draw_times) / (args.reps):.1f} per run)"
    )
    for name, value in (("pair ratios", overhead), ("medians", medians), ("minimums", best)):
        ok = value <= 0.10
        print(f"  overhead ({name:<11}) {value:7.1%}  (target <= 10%: {'ok' if ok else 'MISSED'})")


if __name__ == "__main__":
    main()
