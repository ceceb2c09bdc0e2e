"""Inference speed of ``kerazoo.Predictor`` against the ways Keras users usually predict.

A LeNet for the 64x64x1 shapes dataset (``kerazoo.build("lenet", "shapes")``, trained one
short epoch so the weights are realistic) is saved, loaded with ``Predictor.load`` and timed
on the backend named by ``--backend`` (set as ``KERAS_BACKEND`` before keras is imported):

* single image: ``predictor.predict(image)`` against
  - the bare compiled call: on JAX ``jax.jit`` of ``model.stateless_call`` with the weights
    gathered once beforehand, on TensorFlow a ``tf.function`` of the model (target: the
    Predictor at most 1.2x slower; it also checks and converts the input, reads the
    weights, and builds the result object with label, probability and top-k);
  - a direct call ``model(batch_of_one, training=False)`` (target: at most 1.2x slower);
  - ``model.predict(batch_of_one)`` (no slower; on TensorFlow, where it starts a data
    pipeline per call, >= 10x faster).
* batch throughput: 2,048 images, ``predictor.predict(images)`` vs
  ``model.predict(images)`` (target: >= 1.0x).

Rounds: in each round every contender is timed ``--reps`` times back to back and its
median kept; the order of the contenders alternates from round to round (A B C D, then D C
B A), so load from other processes on a shared machine hits all of them alike. Every round
and its ratios are printed, then the medians over rounds, with the load average.

Run: python benchmarks/bench_predict.py [--backend jax] [--rounds 7] [--reps 50] [--n 2048]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402


def rounds(
    fns: dict[str, Callable[[], object]], n_rounds: int, reps: int, warmup: int
) -> list[dict[str, float]]:
    """Per round, each function's median time over ``reps`` calls; the order alternates."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    names = list(fns)
    out = []
    for r in range(n_rounds):
        row: dict[str, float] = {}
        for name in names if r % 2 == 0 else names[::-1]:
            times = []
            for _ in range(reps):
                t0 = time.perf_counter()
                fns[name]()
                times.append(time.perf_counter() - t0)
            row[name] = statistics.median(times)
        out.append(row)
    return out


def trained_model(folder: Path) -> tuple[Path, np.ndarray]:
    """Build and briefly train LeNet on shapes; save it; return the path and test images."""
    import kerazoo

    ds = kerazoo.get_dataset("shapes", size=64)
    train = ds.generate(512, seed=0)
    model = kerazoo.build("lenet", ds, adapt=train.images)
    model.fit(train.images, train.labels, batch_size=64, epochs=1, verbose=0)
    path = kerazoo.save_model(model, folder / "lenet_shapes.keras")
    return path, ds.generate(64, seed=1).images


def bare_call(model, x: np.ndarray) -> Callable[[], object]:
    """The least a compiled inference call can do: weights gathered once, outside."""
    import keras

    if keras.backend.backend() == "jax":
        import jax

        tv = [v.value for v in model.trainable_variables]
        ntv = [v.value for v in model.non_trainable_variables]
        fn = jax.jit(lambda t, n, x: model.stateless_call(t, n, x, training=False)[0])
        return lambda: np.asarray(fn(tv, ntv, x))
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        spec = tf.TensorSpec((None, *x.shape[1:]), x.dtype)
        tf_fn = tf.function(lambda x: model(x, training=False), input_signature=[spec])
        return lambda: tf_fn(x).numpy()
    return lambda: keras.ops.convert_to_numpy(model(x, training=False))


def report(title: str, table: list[dict[str, float]], ratios: list[tuple], unit: float) -> None:
    """Print every round, the medians, and each ratio's median against its target."""
    names = list(table[0])
    print(f"{title} (ms; one line per round, alternating order; load {os.getloadavg()[0]:.2f})")
    print(
        f"  {'':<8}" + "".join(f"{n:>15}" for n in names) + "".join(f"{r[0]:>25}" for r in ratios)
    )
    for i, row in enumerate(table, 1):
        cells = "".join(f"{row[n] * unit:15.3f}" for n in names)
        print(f"  round {i:<2}" + cells + "".join(f"{r[1](row):25.2f}" for r in ratios))
    med = {n: statistics.median(row[n] for row in table) for n in names}
    print(f"  {'median':<8}" + "".join(f"{med[n] * unit:15.3f}" for n in names))
    for name, ratio, op, target in ratios:
        value = statistics.median(ratio(row) for row in table)
        ok = value >= target if op == ">=" else value <= target
        verdict = "ok" if ok else "MISSED"
        print(f"  median {name:<32} {value:7.2f}x  (target {op} {target}x: {verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["tensorflow", "jax", "torch"], default=None)
    parser.add_argument("--rounds", type=int, default=7, help="rounds (each contender per round)")
    parser.add_argument("--reps", type=int, default=50, help="single-image calls per round")
    parser.add_argument("--n", type=int, default=2048, help="images in the batch test")
    args = parser.parse_args()
    if args.backend:
        if "keras" in sys.modules:
            raise SystemExit("keras is already imported; --backend must come first")
        os.environ["KERAS_BACKEND"] = args.backend

    import keras

    import kerazoo

    with tempfile.TemporaryDirectory() as tmp:
        path, test = trained_model(Path(tmp))
        predictor = kerazoo.Predictor.load(path)
        model, _ = kerazoo.load_model(path, compile=False)
        # its own copy: model.predict on JAX donates the weight buffers it was given, so
        # weights gathered once from `model` would be deleted by the model.predict rows
        bare_model, _ = kerazoo.load_model(path, compile=False)

    backend = keras.backend.backend()
    image = test[0]  # (64, 64, 1) uint8
    one = image[None]
    z = keras.ops.convert_to_numpy(model(one, training=False))
    if predictor.predict(image)[0].label != predictor.class_names[int(np.argmax(z[0]))]:
        raise SystemExit("Predictor and the direct model call disagree; not timing.")
    print(f"keras {keras.__version__}, backend {backend}, {os.cpu_count()} CPUs")
    print(f"model: {path.name}, input {predictor.input_spec.shape}, {model.count_params()} params")
    single = rounds(
        {
            "Predictor": lambda: predictor.predict(image),
            "bare compiled": bare_call(bare_model, one),
            "model(x)": lambda: model(one, training=False),
            "model.predict": lambda: model.predict(one, verbose=0),
        },
        args.rounds,
        args.reps,
        warmup=20,  # more than COMPILE_AFTER: the Predictor runs compiled
    )
    # model.predict starts a data pipeline per call on TensorFlow: far slower for one image
    predict_target = 10.0 if backend == "tensorflow" else 1.0
    report(
        "single image",
        single,
        [
            ("Predictor/bare", lambda r: r["Predictor"] / r["bare compiled"], "<=", 1.2),
            ("Predictor/model(x)", lambda r: r["Predictor"] / r["model(x)"], "<=", 1.2),
            (
                "model.predict/Predictor",
                lambda r: r["model.predict"] / r["Predictor"],
                ">=",
                predict_target,
            ),
        ],
        unit=1e3,
    )
    batch = np.concatenate([test] * (args.n // len(test) + 1))[: args.n]
    table = rounds(
        {
            "Predictor": lambda: predictor.predict(batch),
            "model.predict": lambda: model.predict(batch, verbose=0),
        },
        args.rounds,
        1,
        warmup=1,
    )
    report(
        f"batch of {args.n}",
        table,
        [("model.predict/Predictor", lambda r: r["model.predict"] / r["Predictor"], ">=", 1.0)],
        unit=1e3,
    )


if __name__ == "__main__":
    main()
