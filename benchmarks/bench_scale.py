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

On a 2-core CPU no speed-up is expected: the devices and processes share the same two
cores, and the workers also talk over gRPC. The numbers say what the mechanism costs; on
GPUs or several machines the same commands spread the work.

Run: python benchmarks/bench_scale.py [--parts tune train] [--trials 6] [--epochs 4]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import socket
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


def bench_tune(trials: int, epochs: int, tmp: Path) -> None:
    common = [*TUNE, "--trials", str(trials), "--epochs", str(epochs)]
    alone = kerazoo_cli("tune", *common, "--out", str(tmp / "alone"))
    spread = kerazoo_cli("tune", *common, "--workers", "2", "--out", str(tmp / "workers"))
    print(
        f"tuning: shapes {SIZE}x{SIZE}, lenet, {trials} trials x {epochs} epochs, 512 train "
        "images, end to end through `kerazoo tune`"
    )
    for name, seconds in (("one process", alone), ("chief + 2 workers", spread)):
        print(f"  {name:22s} {seconds:6.1f} s  {trials / seconds * 60:5.1f} trials/min")
    print(f"  chief + 2 workers / one process: {alone / spread:.2f}x the trials per minute")


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


def bench_train(epochs: int, tmp: Path) -> None:
    results = {}
    for name, devices in (("1 device", 1), ("2 logical CPU devices", 2)):
        proc = run_child(epochs, tmp / name.replace(" ", "-"), devices)
        results[name] = json.loads(proc.communicate()[0].strip().splitlines()[-1])
    ports = free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
    procs = []
    for index in (1, 0):
        config = {"cluster": cluster, "task": {"type": "worker", "index": index}}
        procs.append(run_child(epochs, tmp / "2-workers", env={"TF_CONFIG": json.dumps(config)}))
    outputs = [p.communicate()[0] for p in procs]
    results["2 worker processes"] = json.loads(outputs[1].strip().splitlines()[-1])
    one = history(tmp / "1-device")
    print(
        f"training: shapes {SIZE}x{SIZE}, lenet, {TRAIN} images, batch {BATCH} in all, "
        f"epochs 2-{epochs} (the first traces)"
    )
    base = results["1 device"]["images_per_s"]
    folders = {
        "1 device": "1-device",
        "2 logical CPU devices": "2-logical-CPU-devices",
        "2 worker processes": "2-workers",
    }
    for name, r in results.items():
        losses = history(tmp / folders[name])
        same = max(abs(a - b) / abs(a) for a, b in zip(one, losses, strict=True))
        print(
            f"  {name:24s} {r['images_per_s']:8.0f} images/s  {r['images_per_s'] / base:5.2f}x"
            f"  loss vs 1 device: max relative difference {same:.1e}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", nargs="+", default=["tune", "train"])
    parser.add_argument("--trials", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--devices", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    with tempfile.TemporaryDirectory() as tmp:
        if "tune" in args.parts:
            bench_tune(args.trials, 2, Path(tmp))
        if "train" in args.parts:
            bench_train(args.epochs, Path(tmp))


if __name__ == "__main__":
    main()
