"""Inference speed of ``kerazoo.Predictor`` against the ways Keras users usually predict.

A LeNet for the 64x64x1 shapes dataset (``kerazoo.build("lenet", "shapes")``, trained one
short epoch so the weights are realistic) is saved, loaded with ``Predictor.load`` and timed:

* single image: ``predictor.predict(image)`` vs ``model.predict(batch_of_one)`` (target:
  >= 10x faster) and vs a direct call ``model(batch_of_one, training=False)`` (target: at
  most 1.2x slower). The Predictor's time includes checking and converting the input and
  building the result object (label, probability, top-k).
* batch throughput: 2,048 images, ``predictor.predict(images)`` vs ``model.predict(images)``
  (target: >= 1.0x).

Medians over many repeats after warm-up; the contenders take turns, so load from other
processes on a shared machine affects them alike.

Run: python benchmarks/bench_predict.py [--reps 300] [--batch-reps 7] [--n 2048]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402


def interleaved_medians(
    fns: list[Callable[[], object]], reps: list[int], warmup: int
) -> list[float]:
    """Median wall time of each ``fns[i]()`` over ``reps[i]`` runs, after ``warmup`` runs.

    The functions take turns, so load from other processes on a shared machine hits all of
    them alike.
    """
    for fn in fns:
        for _ in range(warmup):
            fn()
    times: list[list[float]] = [[] for _ in fns]
    for r in range(max(reps)):
        for fn, n, out in zip(fns, reps, times, strict=True):
            if r < n:
                t0 = time.perf_counter()
                fn()
                out.append(time.perf_counter() - t0)
    return [statistics.median(t) for t in times]


def trained_model(folder: Path) -> tuple[Path, np.ndarray]:
    """Build and briefly train LeNet on shapes; save it; return the path and test images."""
    import kerazoo

    ds = kerazoo.get_dataset("shapes", size=64)
    train = ds.generate(512, seed=0)
    model = kerazoo.build("lenet", ds, adapt=train.images)
    model.fit(train.images, train.labels, batch_size=64, epochs=1, verbose=0)
    path = kerazoo.save_model(model, folder / "lenet_shapes.keras")
    return path, ds.generate(64, seed=1).images


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=300, help="single-image repeats")
    parser.add_argument("--batch-reps", type=int, default=7, help="batch repeats")
    parser.add_argument("--n", type=int, default=2048, help="images in the batch test")
    args = parser.parse_args()

    import keras

    import kerazoo

    with tempfile.TemporaryDirectory() as tmp:
        path, test = trained_model(Path(tmp))
        predictor = kerazoo.Predictor.load(path)
        model, _ = kerazoo.load_model(path, compile=False)

    image = test[0]  # (64, 64, 1) uint8
    one = image[None]
    direct = predictor.class_names[int(np.argmax(model(one, training=False).numpy()[0]))]
    if predictor.predict(image)[0].label != direct:
        raise SystemExit("Predictor and the direct model call disagree; not timing.")
    reps, slow_reps = args.reps, max(20, args.reps // 6)
    t_pred, t_call, t_keras = interleaved_medians(
        [
            lambda: predictor.predict(image),
            lambda: model(one, training=False),
            lambda: model.predict(one, verbose=0),
        ],
        [reps, reps, slow_reps],
        warmup=10,
    )
    batch = np.concatenate([test] * (args.n // len(test) + 1))[: args.n]
    b_pred, b_keras = interleaved_medians(
        [lambda: predictor.predict(batch), lambda: model.predict(batch, verbose=0)],
        [args.batch_reps] * 2,
        warmup=1,
    )

    print(f"keras {keras.__version__}, backend {keras.backend.backend()}, {os.cpu_count()} CPUs")
    print(f"model: {path.name}, input {predictor.input_spec.shape}, {model.count_params()} params")
    print("single image (median):")
    print(f"  Predictor.predict           {t_pred * 1e3:8.3f} ms")
    print(f"  model(x, training=False)    {t_call * 1e3:8.3f} ms")
    print(f"  model.predict(x)            {t_keras * 1e3:8.3f} ms")
    print(f"batch of {args.n} (median):")
    print(f"  Predictor.predict           {b_pred * 1e3:8.1f} ms  ({args.n / b_pred:,.0f} img/s)")
    print(f"  model.predict               {b_keras * 1e3:8.1f} ms  ({args.n / b_keras:,.0f} img/s)")
    checks = [
        ("single: model.predict / Predictor", t_keras / t_pred, ">=", 10.0),
        ("single: Predictor / direct call", t_pred / t_call, "<=", 1.2),
        ("batch throughput: Predictor / model.predict", b_keras / b_pred, ">=", 1.0),
    ]
    for name, ratio, op, target in checks:
        ok = ratio >= target if op == ">=" else ratio <= target
        print(f"  {name:<45} {ratio:7.2f}x  (target {op} {target}x: {'ok' if ok else 'MISSED'})")


if __name__ == "__main__":
    main()
