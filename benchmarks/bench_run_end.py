"""End-of-run benchmark: what the default held-out test split costs a whole training run.

Runs the command a user types, ``kerazoo train shapes lenet --data size=32 --epochs 6``, as
a whole process (start-up, data, training, saving, the test evaluation and its pictures,
report.html), once with the default test split (as many test images as validation images,
evaluated into ``evaluation/`` with its confusion matrix and image grids) and once with
``--test-size 0``; every other option is the same. The two runs of a pair alternate in
order (AB, BA, AB...), so a machine that slows down or speeds up charges both alike.

Prints every pair, the medians, and the overhead of the test split: the median of the
per-pair ratios, minus 1 (target <= 5%), of the wall time and of the CPU time the process
used (user + system; far less moved by other processes on a shared machine than the wall
time, so it is the steadier figure there); the load average is printed beside each pair.
Run: python benchmarks/bench_run_end.py [--pairs 4] [--epochs 6] [--backend jax]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMAND = ["train", "shapes", "lenet", "--data", "size=32"]
SIDES = {"test split": [], "--test-size 0": ["--test-size", "0"]}


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_run(extra: list[str], epochs: int, env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds of one whole ``kerazoo train`` process, in a fresh folder."""
    with tempfile.TemporaryDirectory(prefix="bench-run-end-") as tmp:
        out = Path(tmp) / "run"
        args = [*COMMAND, "--epochs", str(epochs), "--out", str(out), *extra]
        t0, cpu0 = time.perf_counter(), _child_cpu()
        done = subprocess.run(
            [sys.executable, "-m", "kerazoo", *args], env=env, capture_output=True, text=True
        )
        seconds, cpu = time.perf_counter() - t0, _child_cpu() - cpu0
        if done.returncode != 0:
            sys.exit(f"kerazoo {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        has_test = (out / "evaluation" / "metrics.json").is_file()
        if has_test != (not extra):
            sys.exit(
                f"kerazoo {' '.join(args)}: evaluation/ is {'there' if has_test else 'missing'}"
            )
    return seconds, cpu


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
    cpus: dict[str, list[float]] = {side: [] for side in SIDES}
    for pair in range(args.pairs):
        order = list(SIDES) if pair % 2 == 0 else list(reversed(SIDES))
        for side in order:
            wall, cpu = one_run(SIDES[side], args.epochs, env)
            times[side].append(wall)
            cpus[side].append(cpu)
        test, none = times["test split"][-1], times["--test-size 0"][-1]
        cpu_ratio = cpus["test split"][-1] / cpus["--test-size 0"][-1]
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(
            f"  pair {pair + 1} ({' first, '.join(order)} second): test split {test:6.2f}s, "
            f"--test-size 0 {none:6.2f}s, ratio {test / none:.3f} (CPU time ratio "
            f"{cpu_ratio:.3f})   load {load}",
            flush=True,
        )
    for side in SIDES:
        wall, cpu = statistics.median(times[side]), statistics.median(cpus[side])
        print(f"  median {side:<14} {wall:6.2f}s wall, {cpu:6.2f}s CPU")
    for what, got in (("wall", times), ("CPU time", cpus)):
        ratios = [a / b for a, b in zip(got["test split"], got["--test-size 0"], strict=True)]
        overhead = statistics.median(ratios) - 1
        verdict = "met" if overhead <= 0.05 else "NOT met"
        print(
            f"  test split overhead, {what} (median of pair ratios): {overhead:+.1%}  "
            f"(<= +5%: {verdict})"
        )


if __name__ == "__main__":
    main()
