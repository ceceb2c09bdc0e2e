"""End-of-run benchmark: what the default held-out test split costs a whole training run.

Runs the command a user types, ``kerazoo train shapes lenet --data size=32 --epochs 6``, as
a whole process (start-up, data, training, saving, the test evaluation and its pictures,
report.html), once with the default test split (as many test images as validation images,
evaluated into ``evaluation/`` with its confusion matrix and image grids) and once with
``--test-size 0``; every other option is the same. The two runs of a pair alternate in
order (AB, BA, AB...), so a machine that slows down or speeds up charges both alike.

Prints every pair, the medians, and the overhead of the test split: the median of the
per-pair ratios, minus 1 (target <= 5%); the load average is printed beside each pair.
Run: python benchmarks/bench_run_end.py [--pairs 4] [--epochs 6] [--backend jax]
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

COMMAND = ["train", "shapes", "lenet", "--data", "size=32"]
SIDES = {"test split": [], "--test-size 0": ["--test-size", "0"]}


def one_run(extra: list[str], epochs: int, env: dict[str, str]) -> float:
    """Seconds of one whole ``kerazoo train`` process, in a fresh folder."""
    with tempfile.TemporaryDirectory(prefix="bench-run-end-") as tmp:
        out = Path(tmp) / "run"
        args = [*COMMAND, "--epochs", str(epochs), "--out", str(out), *extra]
        t0 = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "kerazoo", *args], env=env, capture_output=True, text=True
        )
        seconds = time.perf_counter() - t0
        if done.returncode != 0:
            sys.exit(f"kerazoo {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        has_test = (out / "evaluation" / "metrics.json").is_file()
        if has_test != (not extra):
            sys.exit(
                f"kerazoo {' '.join(args)}: evaluation/ is {'there' if has_test else 'missing'}"
            )
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=4, help="pairs of runs, order alternating")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--backend", default=os.environ.get("KERAS_BACKEND", "tensorflow"))
    args = parser.parse_args()
    env = {**os.environ, "KERAS_BACKEND": args.backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env["MPLBACKEND"] = "Agg"
    print(
        f"kerazoo {' '.join(COMMAND)} --epochs {args.epochs}, whole processes, backend "
        f"{args.backend}, {os.cpu_count()} CPU cores; {args.pairs} pairs, order alternating "
        f"(after one warm-up run of each, not counted)"
    )
    for extra in SIDES.values():  # file caches, compiled bytecode: paid before timing
        one_run(extra, 1, env)
    times: dict[str, list[float]] = {side: [] for side in SIDES}
    for pair in range(args.pairs):
        order = list(SIDES) if pair % 2 == 0 else list(reversed(SIDES))
        for side in order:
            times[side].append(one_run(SIDES[side], args.epochs, env))
        test, none = times["test split"][-1], times["--test-size 0"][-1]
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(
            f"  pair {pair + 1} ({' first, '.join(order)} second): test split {test:6.2f}s, "
            f"--test-size 0 {none:6.2f}s, ratio {test / none:.3f}   load {load}",
            flush=True,
        )
    ratios = [a / b for a, b in zip(times["test split"], times["--test-size 0"], strict=True)]
    for side, values in times.items():
        print(f"  median {side:<14} {statistics.median(values):6.2f}s")
    overhead = statistics.median(ratios) - 1
    verdict = "met" if overhead <= 0.05 else "NOT met"
    print(f"  test split overhead (median of pair ratios): {overhead:+.1%}  (<= +5%: {verdict})")


if __name__ == "__main__":
    main()
