"""Counting 45-50 circles in a 64x64 image: the best result within a CPU time budget.

Two framings of the same images (circles 45-50, separate blobs, radius 2-5):

- as classes "45".."50" (6-way classification): best validation accuracy;
- as a number (regression on the count): best validation mean absolute error, and the
  accuracy of the rounded prediction.

Both use chopped_vgg sized for the budget: three blocks of one 3x3 convolution (16, 32, 64
filters), no batch normalisation, global average pooling and no hidden dense layer. What
mattered, in 2.5-minute probes on this 2-core machine (regression, validation MAE after
the probe; always answering 47.5 scores 1.5):

- compute per image: the first network tried (two blocks of two convolutions, 32 filters:
  about 570 MFLOP per training image) would get through about one epoch of 20,000 images in
  10 minutes; this one (about 60 MFLOP) took 50-110 s an epoch, 8-9 epochs in 10 minutes;
- batch normalisation: training MAE fell faster (1.0 after 2 epochs) but validation lagged
  far behind (7.3), as the moving statistics trail the weights in such a short run;
- the head: global average pooling (1.06 after 3 epochs) and flatten (1.10) were close; one
  full-resolution block with a flatten head was worse (1.43 after 2).

Run: python benchmarks/bench_circles.py [--minutes 10] [--train-size 20000]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import kerazoo  # noqa: E402

DATA = {"min_count": 45, "max_count": 50}
HP = {
    "blocks": 3,
    "convs": 1,
    "filters": 16,
    "batch_norm": False,
    "top": "average",
    "dense_layers": 0,
    "dropout": 0.0,
}


class TimeLimit(keras.callbacks.Callback):
    """Stop after the epoch during which the time budget ran out."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds, self.t0 = seconds, time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        elapsed = time.perf_counter() - self.t0
        print(
            f"    epoch {epoch + 1}: {elapsed:6.0f}s  "
            + ", ".join(f"{k} {v:.4f}" for k, v in (logs or {}).items()),
            flush=True,
        )
        if elapsed > self.seconds:
            self.model.stop_training = True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="budget per framing")
    parser.add_argument("--train-size", type=int, default=20000)
    parser.add_argument("--val-size", type=int, default=2000)
    parser.add_argument("--targets", nargs="+", default=["class", "count"])
    args = parser.parse_args()
    print(
        f"circles 45-50, 64x64, {args.train_size} train / {args.val_size} val, "
        f"chopped_vgg {HP}, budget {args.minutes:g} min each, {os.cpu_count()} CPU cores"
    )
    for target in args.targets:
        print(f"\ntarget={target}")
        with tempfile.TemporaryDirectory() as tmp:
            run = kerazoo.train(
                "circles", "chopped_vgg", data={**DATA, "target": target}, hp=HP,
                epochs=1000, train_size=args.train_size, val_size=args.val_size,
                batch_size=64, schedule=None, out=Path(tmp) / "run", verbose=0,
                callbacks=[TimeLimit(args.minutes * 60)],
            )  # fmt: skip
            h = run.history
            if target == "class":
                best = max(h["val_accuracy"])
                print(
                    f"  best validation accuracy {best:.4f} after {len(h['loss'])} epochs "
                    f"(chance: 1/6 = 0.1667)"
                )
            else:
                best_mae = min(h["val_mae"])
                val = (
                    kerazoo.get_dataset("circles", **DATA, target=target)
                    .split(args.train_size, args.val_size, seed=0)
                    .val
                )
                pred = np.asarray(run.model.predict(val.images, verbose=0)).reshape(-1)
                exact = float(np.mean(np.rint(pred) == val.labels))
                print(
                    f"  best validation MAE {best_mae:.4f} circles after {len(h['loss'])} "
                    f"epochs; final model: rounded count exact on {exact:.4f} of images"
                )


if __name__ == "__main__":
    main()
