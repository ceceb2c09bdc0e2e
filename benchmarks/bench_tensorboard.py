"""What TensorBoard event files cost a run: a 6-epoch LeNet on 32x32 shapes with
``tensorboard=True`` and ``tensorboard=False``, in alternating pairs after one warm-up run,
on the backend of ``KERAS_BACKEND`` (one process per backend: run it once for each).

Prints every pair, the median of each, the median cost in percent of a run, and the load
average before and after (the machine's other work moves single runs; the pairs alternate
so it moves both alike). The goal: at most 2 % of a run.

Run: KERAS_BACKEND=jax python benchmarks/bench_tensorboard.py [--pairs 5] [--train-size 2000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def one_run(folder: str, tensorboard: bool, args: argparse.Namespace) -> float:
    """Seconds of one whole ``kerazoo.train`` call (test evaluation and report included)."""
    import kerazoo

    start = time.perf_counter()
    kerazoo.train(
        "shapes",
        "lenet",
        data={"size": 32},
        epochs=6,
        train_size=args.train_size,
        val_size=args.train_size // 4,
        test_size=args.train_size // 4,
        out=folder,
        verbose=0,
        tensorboard=tensorboard,
    )
    return time.perf_counter() - start


def time_hooks(spent: dict[str, float]) -> None:
    """Add the seconds spent in each of the run's TensorBoard callback's hooks to ``spent``."""
    from kerazoo.training._tensorboard import EpochTensorBoard

    def timed(name: str, hook: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return hook(self, *args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - start

        return wrapper

    for name in ("set_model", "on_train_begin", "on_epoch_end", "on_train_end"):
        setattr(EpochTensorBoard, name, timed(name, getattr(EpochTensorBoard, name)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--train-size", type=int, default=2000)
    args = parser.parse_args()
    import keras

    warnings.simplefilter("ignore")
    print(f"backend {keras.backend.backend()}, load before {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as scratch:
        one_run(f"{scratch}/warm", True, args)  # compiles, imports, caches: not counted
        on, off = [], []
        for i in range(args.pairs):
            order = (True, False) if i % 2 == 0 else (False, True)
            for tb in order:
                seconds = one_run(f"{scratch}/{i}-{tb}", tb, args)
                (on if tb else off).append(seconds)
            print(f"pair {i + 1}: with {on[-1]:.2f} s, without {off[-1]:.2f} s", flush=True)
        spent: dict[str, float] = {}
        time_hooks(spent)
        seconds = one_run(f"{scratch}/hooks", True, args)
    inside = sum(spent.values())
    print(
        f"inside the callback in one more run: {inside:.3f} s of {seconds:.2f} s = "
        f"{100 * inside / seconds:.2f} % ("
        + ", ".join(f"{k} {v:.3f} s" for k, v in spent.items())
        + ")"
    )
    cost = [a - b for a, b in zip(on, off, strict=True)]
    median_off = statistics.median(off)
    print(
        f"median with {statistics.median(on):.2f} s, without {median_off:.2f} s; "
        f"cost per pair median {statistics.median(cost):+.3f} s = "
        f"{100 * statistics.median(cost) / median_off:+.2f} % of a run"
    )
    print(f"load after {os.getloadavg()}")


if __name__ == "__main__":
    main()
