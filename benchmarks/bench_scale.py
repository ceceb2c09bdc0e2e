"""Scale-out benchmark: what several processes and devices cost and give, on this machine.

Two parts (``--parts``), each in fresh processes (TensorFlow splits a CPU into logical
devices and joins a cluster only before it starts):

- ``tune``: ``kerazoo tune`` with 6 trials, run alone and as a chief with 2 local workers
  (``--workers 2``), end to end through the command (process start, data, trials, tables,
  best model); trials per minute of each and the ratio.
- ``train``: ``kerazoo.train`` of the same model on 1 device, on 2 logical CPU devices
  (``devices=2``, MirroredStrategy) and on 2 worker processes (``TF_CONFIG``,
  MultiWorkerMirroredStrategy, loopback); training images per second over the epochs after
  the first (the first traces the step), the ratio to one device, and whether the loss
  trajectory matched one device's.

Each part is measured ``--pairs`` times, the order of the ways alternating from one round
to the next (one process first, then the workers first; 1 device, 2 devices, 2 workers,
then the reverse), so a machine that slows down or speeds up charges them alike. Every
round is printed with its ratios to the baseline of the same round (one process, 1 device)
and the load average; then the medians and the median of the ratios.

On a 2-core CPU no speed-up is expected: the devices and processes share the same two
cores, and the workers also talk over gRPC. The numbers say what the mechanism costs; on
GPUs or several machines the same commands spread the work.

Run: python benchmarks/bench_scale.py [--parts tune train] [--trials 6] [--epochs 4] [--pairs 2]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SIZE, TRAIN, VAL, BATCH = 32, 2048, 256, 64
TUNE = [
    "shapes",
    "lenet",
    "--data",
    f"size={SIZE}",
    "--train-size",
    "512",
    "--val-size",
    "128",
    "--test-size",
    "64",
    "--batch-size",
    "64",
    "--space",
    "learning_rate=1e-4:1e-2",
    "--quiet",
]


def kerazoo_cli(*args: str, env: dict[str, str] | None = None) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "kerazoo", *args],
        check=True,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - t0


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def bench_tune(trials: int, epochs: int, pairs: int, tmp: Path) -> None:
    common = [*TUNE, "--trials", str(trials), "--epochs", str(epochs)]
    ways = {"one process": [], "chief + 2 workers": ["--workers", "2"]}
    print(
        f"tuning: shapes {SIZE}x{SIZE}, lenet, {trials} trials x {epochs} epochs, 512 train "
        f"images, end to end through `kerazoo tune`; {pairs} pairs, order alternating"
    )
    times: dict[str, list[float]] = {name: [] for name in ways}
    for pair in range(pairs):
        order = list(ways) if pair % 2 == 0 else list(reversed(ways))
        for name in order:
            out = tmp / f"tune-{pair}-{name.split()[0]}"
            times[name].append(kerazoo_cli("tune", *common, *ways[name], "--out", str(out)))
        alone, spread = times["one process"][-1], times["chief + 2 workers"][-1]
        print(
            f"  pair {pair + 1} ({order[0]} first): one process {alone:6.1f} s, "
            f"chief + 2 workers {spread:6.1f} s, trials/min ratio {alone / spread:.2f}x"
            f"   load {load()}",
            flush=True,
        )
    for name, seconds in times.items():
        median = statistics.median(seconds)
        print(f"  median {name:22s} {median:6.1f} s  {trials / median * 60:5.1f} trials/min")
    ratio = statistics.median(a / b for a, b in zip(*times.values(), strict=True))
    print(f"  chief + 2 workers / one process: {ratio:.2f}x the trials per minute (median)")


def free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def child(args: argparse.Namespace) -> None:
    """One training process: print images/second after the first epoch, and the history."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    import kerazoo

    class Clock(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.starts: list[float] = []

        def on_epoch_begin(self, epoch, logs=None) -> None:
            self.starts.append(time.perf_counter())

        def on_train_end(self, logs=None) -> None:
            self.end = time.perf_counter()

    clock = Clock()
    kerazoo.train(
        "shapes",
        "lenet",
        data={"size": SIZE},
        epochs=args.epochs,
        out=args.out,
        train_size=TRAIN,
        val_size=VAL,
        test_size=0,
        batch_size=BATCH,
        devices=args.devices,
        callbacks=[clock],
        verbose=0,
    )
    seconds = clock.end - clock.starts[1]
    print(json.dumps({"images_per_s": TRAIN * (args.epochs - 1) / seconds}), flush=True)


def run_child(epochs: int, out: Path, devices: int = 1, env: dict | None = None) -> Any:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        "--epochs",
        str(epochs),
        "--out",
        str(out),
        "--devices",
        str(devices),
    ]
    return subprocess.Popen(
        cmd, env={**os.environ, **(env or {})}, text=True, stdout=subprocess.PIPE
    )


def history(run: Path) -> list[float]:
    with open(run / "history.csv") as f:
        return [float(r["loss"]) for r in csv.DictReader(f)]


def train_round(epochs: int, folder: Path, order: list[str]) -> dict[str, float]:
    """Images per second of each way, run in ``order``, into ``folder``."""
    results = {}
    for name in order:
        if name != "2 worker processes":
            devices = 2 if name.startswith("2") else 1
            proc = run_child(epochs, folder / FOLDERS[name], devices)
            results[name] = json.loads(proc.communicate()[0].strip().splitlines()[-1])
            continue
        ports = free_ports(2)
        cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
        procs = []
        for index in (1, 0):
            config = {"cluster": cluster, "task": {"type": "worker", "index": index}}
            env = {"TF_CONFIG": json.dumps(config)}
            procs.append(run_child(epochs, folder / FOLDERS[name], env=env))
        outputs = [p.communicate()[0] for p in procs]
        results[name] = json.loads(outputs[1].strip().splitlines()[-1])
    return {name: r["images_per_s"] for name, r in results.items()}


FOLDERS = {
    "1 device": "1-device",
    "2 logical CPU devices": "2-logical-CPU-devices",
    "2 worker processes": "2-workers",
}


def bench_train(epochs: int, pairs: int, tmp: Path) -> None:
    print(
        f"training: shapes {SIZE}x{SIZE}, lenet, {TRAIN} images, batch {BATCH} in all, "
        f"epochs 2-{epochs} (the first traces); {pairs} rounds, order alternating"
    )
    speeds: dict[str, list[float]] = {name: [] for name in FOLDERS}
    for pair in range(pairs):
        order = list(FOLDERS) if pair % 2 == 0 else list(reversed(FOLDERS))
        got = train_round(epochs, tmp / f"train-{pair}", order)
        base = got["1 device"]
        shown = ", ".join(
            f"{name} {got[name]:6.0f}/s ({got[name] / base:.2f}x)" for name in FOLDERS
        )
        print(f"  round {pair + 1} ({order[0]} first): {shown}   load {load()}", flush=True)
        for name in FOLDERS:
            speeds[name].append(got[name])
    one = history(tmp / "train-0" / FOLDERS["1 device"])
    for name, folder in FOLDERS.items():
        losses = history(tmp / "train-0" / folder)
        same = max(abs(a - b) / abs(a) for a, b in zip(one, losses, strict=True))
        ratio = statistics.median(
            s / b for s, b in zip(speeds[name], speeds["1 device"], strict=True)
        )
        print(
            f"  median {name:24s} {statistics.median(speeds[name]):8.0f} images/s  "
            f"{ratio:5.2f}x (median of round ratios)  loss vs 1 device: max relative "
            f"difference {same:.1e}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", nargs="+", default=["tune", "train"])
    parser.add_argument("--trials", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--pairs", type=int, default=2, help="rounds, order alternating")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--devices", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    with tempfile.TemporaryDirectory() as tmp:
        if "tune" in args.parts:
            bench_tune(args.trials, 2, args.pairs, Path(tmp))
        if "train" in args.parts:
            bench_train(args.epochs, args.pairs, Path(tmp))


if __name__ == "__main__":
    main()
