"""Training throughput of a ``kerazoo.build`` model against the same network in plain Keras.

Both train chopped VGG (3 blocks of 2 convolutions, 32-64-128 filters, dense 256, dropout)
on the same images with the same batch size, optimizer and loss:

* kerazoo: ``kerazoo.build("chopped_vgg", dataset)`` fed by ``kerazoo.data._batches.make_batches``
  (raw uint8 pixels; rescaling and normalisation inside the model);
* plain Keras: the network written by hand, fed float32 arrays normalised beforehand in
  numpy with ``model.fit(x, y)`` (the usual way, and the speed reference).

Epochs of the two alternate (after a warm-up epoch each) and the medians are compared. Then
chopped VGG's achieved training FLOP/s (forward conv + dense FLOPs counted analytically,
x3 for training) is compared with a large float32 matmul timed on the same machine.

Run: python benchmarks/bench_builder.py [--size 32] [--n 512] [--batch 64] [--reps 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402


def images_and_labels(size: int, n: int) -> tuple[object, np.ndarray, np.ndarray]:
    """The built-in shapes dataset if installed, else random uint8 images of that shape."""
    import kerazoo

    try:
        ds = kerazoo.get_dataset("shapes", size=size)
        data = ds.generate(n, seed=0)
        return ds, data.images, data.labels
    except kerazoo.KerazooError:
        from kerazoo import Dataset, Param, Samples, Task

        class Noise(Dataset):
            options = {"size": Param(size, int)}
            task = Task.classification(["a", "b", "c"])
            image_shape = (size, size, 1)

            def make(self, k: int, rng: np.random.Generator) -> Samples:
                x = rng.integers(0, 256, (k, size, size, 1), dtype=np.uint8)
                return Samples(x, rng.integers(0, 3, k), None)

        ds = Noise()
        data = ds.generate(n, seed=0)
        return ds, data.images, data.labels


def plain_vgg(shape: tuple[int, ...], classes: int):
    """Chopped VGG's default network written by hand in plain Keras."""
    import keras
    from keras import layers

    x = inputs = keras.Input(shape)
    for b, filters in enumerate((32, 64, 128), start=1):
        for k in (1, 2):
            x = layers.Conv2D(
                filters,
                3,
                padding="same",
                activation="relu",
                kernel_initializer="he_normal",
                name=f"b{b}c{k}",
            )(x)
        x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.5)(x)
    x = layers.Dense(256, activation="relu", kernel_initializer="he_normal")(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(classes)(x)
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        jit_compile=False,
    )
    return model


class EpochTimer:
    """Wall time from the start to the end of an epoch (not the fit call's setup)."""

    def __new__(cls):
        import keras

        class _Timer(keras.callbacks.Callback):
            seconds = 0.0

            def on_epoch_begin(self, epoch, logs=None):
                self._t = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                self.seconds = time.perf_counter() - self._t

        return _Timer()


def forward_flops(model) -> int:
    """Multiply-adds x2 of every Conv2D and Dense layer for one image."""
    total = 0
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "Conv2D":
            out = layer.output.shape
            cin = layer.input.shape[-1 if layer.data_format == "channels_last" else 1]
            spatial = out[1] * out[2] if layer.data_format == "channels_last" else out[2] * out[3]
            kh, kw = layer.kernel_size
            total += 2 * kh * kw * cin * layer.filters * spatial
        elif kind == "Dense":
            total += 2 * layer.input.shape[-1] * layer.units
    return int(total)


def matmul_seconds(n: int = 4096, reps: int = 2) -> float:
    """The fastest of ``reps`` float32 ``n x n`` matmuls, in seconds."""
    import tensorflow as tf

    a = tf.random.normal((n, n), seed=1)
    b = tf.random.normal((n, n), seed=2)
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        float(tf.reduce_sum(tf.matmul(a, b)))
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--n", type=int, default=512)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()

    import keras
    import tensorflow as tf

    import kerazoo
    from kerazoo.data._batches import make_batches
    from kerazoo.models._metadata import info

    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    ds, images, labels = images_and_labels(args.size, args.n)
    classes = ds.task.num_classes
    zoo = kerazoo.build("chopped_vgg", ds, adapt=images, jit_compile=False)
    batches = make_batches((images, labels), info(zoo), args.batch, seed=0)
    x = images.astype(np.float32) / 255
    x = (x - x.mean()) / x.std()
    plain = plain_vgg(x.shape[1:], classes)
    y = labels.astype(np.int32)

    timer = EpochTimer()

    def epoch_zoo() -> float:
        zoo.fit(batches, epochs=1, verbose=0, shuffle=False, callbacks=[timer])
        return timer.seconds

    def epoch_plain() -> float:
        plain.fit(x, y, batch_size=args.batch, epochs=1, verbose=0, callbacks=[timer])
        return timer.seconds

    for _ in range(2):  # warm-up: tracing, kernel selection, thread pools
        epoch_zoo(), epoch_plain(), matmul_seconds(reps=1)
    zoo_t, plain_t, mm_t = [], [], []
    for _ in range(args.reps):  # interleaved, so load from others hits all three alike
        zoo_t.append(epoch_zoo())
        plain_t.append(epoch_plain())
        mm_t.append(matmul_seconds())
    zoo_ips = args.n / statistics.median(zoo_t)
    plain_ips = args.n / statistics.median(plain_t)

    flops = 3 * forward_flops(zoo)
    assert flops == 3 * forward_flops(plain), "the two networks differ"
    peak = 2 * 4096**3 / statistics.median(mm_t)
    devices = [d.device_type for d in tf.config.list_physical_devices()]
    print(
        f"keras {keras.__version__}, tensorflow {tf.__version__}, backend "
        f"{keras.backend.backend()}, devices {devices}, {os.cpu_count()} CPUs"
    )
    print(f"load average before: {load}")
    print(
        f"data: {type(ds).__name__} {images.shape} uint8, batch {args.batch}, "
        f"{args.reps} interleaved epochs each (medians)"
    )
    print(f"kerazoo.build + make_batches : {zoo_ips:8.1f} images/s  (epochs {_fmt(zoo_t)})")
    print(f"plain Keras + numpy fit      : {plain_ips:8.1f} images/s  (epochs {_fmt(plain_t)})")
    print(f"throughput ratio kerazoo / plain: {zoo_ips / plain_ips:.3f}  (target >= 0.97)")
    print(f"chopped VGG training FLOPs per image: {flops / 1e9:.3f} GFLOP (forward x3)")
    print(
        f"float32 matmul 4096x4096: {peak / 1e9:8.1f} GFLOP/s  (median of {args.reps}, "
        "best of 2 each)"
    )
    print(
        f"kerazoo achieved: {zoo_ips * flops / 1e9:8.1f} GFLOP/s = "
        f"{zoo_ips * flops / peak:.1%} of matmul"
    )
    print(
        f"plain achieved  : {plain_ips * flops / 1e9:8.1f} GFLOP/s = "
        f"{plain_ips * flops / peak:.1%} of matmul"
    )


def _fmt(times: list[float]) -> str:
    return ", ".join(f"{t:.2f}s" for t in times)


if __name__ == "__main__":
    main()
