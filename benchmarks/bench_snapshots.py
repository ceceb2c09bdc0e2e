"""Cost of recording snapshots while training, as a share of the training time.

The same ``kerazoo.train`` run is timed with and without ``Snapshots`` of two layers, at the
callback's defaults (about 40 frames over the run, GIFs written at epoch ends within a 1%
time budget, always at the first and the last):

* LeNet on 64x64 shapes (kerazoo's default 4000 training images), snapshots of ``conv1``
  and ``conv2``;
* the autoencoder on 50x75 polkadots (1000 images: a slower network), snapshots of
  ``enc1_conv1`` and ``output`` (the reconstruction).

The whole call is timed (data, build, fit, saving), as a user waits for it, twice over:
wall-clock time, and the CPU time of this process (all its threads), which other processes
on a shared machine disturb much less. Runs with and without take turns (without, with,
with, without, ...); medians are reported. The time spent inside the callback's own hooks
is also added up in each run with snapshots: a measure that the load of other processes
hardly moves. Target: the overhead is under 10%.

Run: python benchmarks/bench_snapshots.py [--reps 3] [--epochs 3] [--case 0]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

#: (name, dataset, dataset options, architecture, layers, training images)
CASES = [
    ("lenet on shapes 64x64", "shapes", {"size": 64}, "lenet", ["conv1", "conv2"], 4000),
    (
        "autoencoder on polkadots 50x75",
        "polkadots",
        {"size": "50x75"},
        "autoencoder",
        ["enc1_conv1", "output"],
        1000,
    ),
]


def timed_snapshots(layers: list[str]) -> Any:
    """``Snapshots(layers)`` that adds up the wall time spent in its own hooks."""
    from kerazoo.interpret import Snapshots

    class Timed(Snapshots):
        seconds = 0.0

        def _timed(self, hook: Any, *args: Any) -> None:
            t0 = time.perf_counter()
            hook(*args)
            Timed.seconds += time.perf_counter() - t0

        def on_train_begin(self, logs=None):
            self._timed(super().on_train_begin, logs)

        def on_train_batch_end(self, batch, logs=None):
            self._timed(super().on_train_batch_end, batch, logs)

        def on_epoch_end(self, epoch, logs=None):
            self._timed(super().on_epoch_end, epoch, logs)

        def on_train_end(self, logs=None):
            self._timed(super().on_train_end, logs)

    return Timed(layers)


def timed_run(
    folder: Path, case: tuple, snapshots: bool, args: argparse.Namespace
) -> tuple[float, float, float]:
    """``(wall seconds, CPU seconds, wall seconds inside the snapshot hooks)`` of one
    ``kerazoo.train`` call."""
    import kerazoo

    _, dataset, options, arch, layers, train_size = case
    callbacks = [timed_snapshots(layers)] if snapshots else []
    wall, cpu = time.perf_counter(), time.process_time()
    kerazoo.train(
        dataset,
        arch,
        data=options,
        epochs=args.epochs,
        batch_size=args.batch_size,
        train_size=train_size,
        val_size=args.val_size,
        out=folder,
        verbose=0,
        callbacks=callbacks,
    )
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if snapshots and not all((folder / "snapshots" / f"{n}.gif").is_file() for n in layers):
        raise SystemExit(f"no GIF written in {folder}; not timing.")
    return wall, cpu, callbacks[0].seconds if callbacks else 0.0


def report(case: tuple, times: dict[bool, list[tuple[float, float, float]]], args) -> None:
    steps = -(-case[5] // args.batch_size) * args.epochs
    print(f"{case[0]}: {steps} batches, snapshots of {', '.join(case[4])}")
    for i, clock in enumerate(("wall", "CPU")):
        runs = {k: [t[i] for t in v] for k, v in times.items()}
        without, with_ = statistics.median(runs[False]), statistics.median(runs[True])
        share = 100 * (with_ - without) / without
        verdict = "ok" if share < 10 else "MISSED"
        print(
            f"  {clock:>4} median: without {without:6.2f} s, with {with_:6.2f} s, "
            f"overhead {share:5.1f}%  (target < 10%: {verdict})"
        )
        for k, name in ((False, "without"), (True, "with")):
            print(f"        {name:>7} runs: {' '.join(f'{t:6.2f}' for t in runs[k])} s")
    inside = [t[2] / (t[0] - t[2]) * 100 for t in times[True]]
    print(
        f"  time inside the Snapshots hooks, share of the rest of each run: "
        f"{' '.join(f'{p:.1f}%' for p in inside)} (median {statistics.median(inside):.1f}%)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3, help="runs of each kind per case")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--val-size", type=int, default=200)
    parser.add_argument(
        "--case",
        type=int,
        choices=range(len(CASES)),
        action="append",
        help="only this case (0 lenet, 1 autoencoder; repeatable)",
    )
    args = parser.parse_args()

    import keras

    print(f"keras {keras.__version__}, backend {keras.backend.backend()}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        for index in args.case or range(len(CASES)):
            case = CASES[index]
            timed_run(Path(tmp) / f"warm{index}", case, True, args)  # compile, caches
            times: dict[bool, list[tuple[float, float, float]]] = {False: [], True: []}
            for r in range(args.reps):
                for snapshots in (False, True) if r % 2 == 0 else (True, False):
                    folder = Path(tmp) / f"c{index}-r{r}-{int(snapshots)}"
                    times[snapshots].append(timed_run(folder, case, snapshots, args))
            report(case, times, args)


if __name__ == "__main__":
    main()
