"""Tuning benchmark: trials per minute of ``kerazoo tune``, and its overhead over a bare
keras-tuner ``RandomSearch`` doing the same work.

Both search the same space (the learning rate only, Adam, every other setting and
hyperparameter fixed at its default), on the same data (``shapes`` at 32x32, one split
of 512 training and 128 validation images), with the same model (``kerazoo.build`` of
lenet), the same epochs, batch size and number of trials:

* kerazoo: ``kerazoo.experiments._tune.tune(...)``: one data split, the trial models, the
  per-trial records, the sorted tables, and the best model saved as a run folder (no
  held-out test split here: ``test_size=0``, so no test evaluation);
* bare: ``keras_tuner.RandomSearch`` over a ``build(hp)`` function that calls
  ``kerazoo.build``, ``search(x, y, validation_data=...)`` on numpy arrays, then the best
  model saved with ``model.save``. Under TensorFlow, keras-tuner 1.4 imports TensorBoard on
  every trial; where TensorBoard is not installed every trial fails, so the bare tuner
  skips that one hook (as kerazoo does), and nothing else.

Each is timed end to end, in one process after a warm-up, alternating, ``--repeats`` times;
the medians are printed with trials per minute and the ratio kerazoo / bare.

Run: python benchmarks/bench_tune.py [--trials 6] [--epochs 2] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import keras_tuner  # noqa: E402

import kerazoo  # noqa: E402
from kerazoo import tune  # noqa: E402
from kerazoo.experiments._tune_space import searched_settings  # noqa: E402

SIZE, TRAIN, VAL, BATCH = 32, 512, 128, 64
LR = (1e-4, 1e-2)


class BareRandomSearch(keras_tuner.RandomSearch):
    """keras-tuner's RandomSearch, minus the TensorBoard import it makes on every trial."""

    def _configure_tensorboard_dir(self, callbacks, trial, execution=0):
        return None


def run_kerazoo(trials: int, epochs: int, out: Path) -> float:
    fixed = {n: p.default for n, p in searched_settings().items() if n != "learning_rate"}
    fixed.update(optimizer="adam", batch_size=BATCH)
    arch = kerazoo.get_architecture("lenet")
    t0 = time.perf_counter()
    tune(
        "shapes",
        "lenet",
        data={"size": SIZE},
        hp=dict(arch.config),
        trials=trials,
        epochs=epochs,
        out=out,
        space={"learning_rate": LR},
        verbose=False,
        train_size=TRAIN,
        val_size=VAL,
        test_size=0,
        **fixed,
    )
    return time.perf_counter() - t0


def run_bare(trials: int, epochs: int, out: Path) -> float:
    t0 = time.perf_counter()
    ds = kerazoo.get_dataset("shapes", size=SIZE)
    splits = ds.split(TRAIN, VAL, 0, seed=0)
    arch = kerazoo.get_architecture("lenet")

    def build(hp):
        keras.utils.set_random_seed(0)
        lr = hp.Float("learning_rate", *LR, sampling="log")
        return kerazoo.build(
            arch, ds, optimizer="adam", learning_rate=lr, adapt=splits.train.images, seed=0
        )

    tuner = BareRandomSearch(
        build,
        objective="val_accuracy",
        max_trials=trials,
        seed=0,
        directory=str(out),
        project_name="tuner",
    )
    tuner.search(
        splits.train.images,
        splits.train.labels,
        batch_size=BATCH,
        epochs=epochs,
        validation_data=(splits.val.images, splits.val.labels),
        verbose=0,
    )
    tuner.get_best_models(1)[0].save(out / "best.keras")
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    times: dict[str, list[float]] = {"kerazoo": [], "bare": []}
    with tempfile.TemporaryDirectory() as tmp:
        run_bare(1, 1, Path(tmp) / "warm-up")  # TensorFlow's start and first traces
        for i in range(args.repeats):
            order = ("kerazoo", "bare") if i % 2 == 0 else ("bare", "kerazoo")
            for name in order:
                run = run_kerazoo if name == "kerazoo" else run_bare
                out = Path(tmp) / f"{name}-{i}"
                times[name].append(run(args.trials, args.epochs, out))
    print(
        f"shapes {SIZE}x{SIZE}, lenet, {TRAIN} train / {VAL} val images, batch {BATCH}, "
        f"{args.trials} trials x {args.epochs} epochs, median of {args.repeats}"
    )
    med = {k: statistics.median(v) for k, v in times.items()}
    for name in ("kerazoo", "bare"):
        shown = ", ".join(f"{t:.1f}" for t in times[name])
        per_minute = args.trials / med[name] * 60
        label = "kerazoo tune" if name == "kerazoo" else "bare keras-tuner RandomSearch"
        print(f"  {label:30s} {med[name]:6.1f} s  {per_minute:5.1f} trials/min  ({shown})")
    print(
        f"  overhead: kerazoo / bare = {med['kerazoo'] / med['bare']:.2f}x "
        f"({med['kerazoo'] - med['bare']:+.1f} s per search, "
        f"{(med['kerazoo'] - med['bare']) / args.trials:+.2f} s per trial)"
    )


if __name__ == "__main__":
    main()
