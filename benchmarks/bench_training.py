"""Training benchmark: kerazoo train against a plain Keras script, end to end.

For shapes x lenet and shapes x chopped_vgg at default settings (64x64 images, 4,000 train and
1,000 validation images, batch 64, Adam):

1. ``kerazoo.train`` runs until validation accuracy reaches 99% (or ``--max-epochs``), and the
   time to get there is printed.
2. A plain Keras script does the same work: it generates the same arrays, builds the same
   network (a fresh clone of the kerazoo model's layers, normalisation adapted with
   ``Normalization.adapt``), trains it with ``model.fit(x, y)`` for the same number of
   epochs, and saves it. Both timings include data generation, building and saving.

The printed ratio is kerazoo's samples/s over plain Keras's (target >= 0.95).
Run: python benchmarks/bench_training.py [--archs lenet chopped_vgg] [--max-epochs 15]
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
import numpy as np  # noqa: E402

import kerazoo  # noqa: E402

TRAIN, VAL, BATCH = 4000, 1000, 64


class StopAt(keras.callbacks.Callback):
    """Record the wall time at each epoch end; stop once val_accuracy reaches a target."""

    def __init__(self, target: float) -> None:
        super().__init__()
        self.target, self.t0, self.times, self.reached = target, time.perf_counter(), [], None

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self.t0)
        if self.reached is None and (logs or {}).get("val_accuracy", 0) >= self.target:
            self.reached = (epoch + 1, self.times[-1], logs["val_accuracy"])
            self.model.stop_training = True


def run_kerazoo(arch: str, max_epochs: int, out: Path) -> tuple[float, StopAt, kerazoo.Run]:
    stop = StopAt(0.99)
    t0 = time.perf_counter()
    stop.t0 = t0
    run = kerazoo.train(
        "shapes",
        arch,
        epochs=max_epochs,
        out=out,
        verbose=0,
        callbacks=[stop],
        train_size=TRAIN,
        val_size=VAL,
        batch_size=BATCH,
    )
    return time.perf_counter() - t0, stop, run


def run_plain(
    template: keras.Model, epochs: int, out: Path, train: int = TRAIN, val: int = VAL
) -> float:
    """The same work in plain Keras: arrays, network, adapt, compile, fit, save."""
    t0 = time.perf_counter()
    data = kerazoo.get_dataset("shapes").split(train, val, seed=0)
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
        batch_size=BATCH,
        epochs=epochs,
        validation_data=(data.val.images, data.val.labels),
        verbose=0,
        shuffle=True,
    )
    model.save(out / "plain.keras")
    return time.perf_counter() - t0


def warm_up(tmp: Path) -> None:
    """Pay the process's one-time costs (graph compiler, first-use imports) for both sides."""
    run = kerazoo.train(
        "shapes", "lenet", epochs=1, train_size=256, val_size=64, out=tmp / "warm", verbose=0
    )
    run_plain(run.model, 1, tmp, train=256, val=64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--archs", nargs="+", default=["lenet", "chopped_vgg"])
    parser.add_argument("--max-epochs", type=int, default=15)
    parser.add_argument(
        "--repeats", type=int, default=2, help="pairs of runs, order alternating (ABBA...)"
    )
    args = parser.parse_args()
    print(
        f"keras {keras.__version__}, backend {keras.backend.backend()}, "
        f"{os.cpu_count()} CPU cores; shapes 64x64, {TRAIN} train / {VAL} val, batch {BATCH}; "
        f"{args.repeats} pair(s) of runs per network, order alternating, after a warm-up"
    )
    with tempfile.TemporaryDirectory() as tmp:
        warm_up(Path(tmp))
    for arch in args.archs:
        times: dict[str, list[float]] = {"kerazoo": [], "plain": []}
        first = None
        for rep in range(args.repeats):
            order = ("kerazoo", "plain") if rep % 2 == 0 else ("plain", "kerazoo")
            for side in order:
                with tempfile.TemporaryDirectory() as tmp:
                    tmp = Path(tmp)
                    if side == "kerazoo":
                        t, stop, run = run_kerazoo(arch, args.max_epochs, tmp / "run")
                        first = first or (stop, run)
                    else:  # the first pair starts with kerazoo: plain copies its network
                        epochs = len(first[1].history["loss"])
                        t = run_plain(first[1].model, epochs, tmp)
                    times[side].append(t)
                keras.backend.clear_session()
        stop, run = first
        epochs = len(run.history["loss"])
        if stop.reached:
            ep, secs, acc = stop.reached
            reach = f"reached {acc:.4f} val accuracy after epoch {ep}, {secs:.1f}s"
        else:
            reach = f"not reached in {epochs} epochs (best {max(run.history['val_accuracy']):.4f})"
        t_kz, t_plain = statistics.mean(times["kerazoo"]), statistics.mean(times["plain"])
        sps_kz, sps_plain = epochs * TRAIN / t_kz, epochs * TRAIN / t_plain
        print(f"\n{arch}: time to 99% validation accuracy: {reach}")
        for side, t, sps in (("kerazoo train", t_kz, sps_kz), ("plain Keras", t_plain, sps_plain)):
            runs = ", ".join(f"{x:.1f}s" for x in times[side.split()[0]])
            print(
                f"  {side:<14} {epochs} epochs end to end, mean {t:6.1f}s ({runs})  "
                f"{sps:6.0f} samples/s"
            )
        print(f"  ratio kerazoo/plain samples/s: {sps_kz / sps_plain:.3f}  (target >= 0.95)")
        del run, first
        np.random.seed(0)


if __name__ == "__main__":
    main()
