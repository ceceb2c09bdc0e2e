"""Activation maximisation, measured: pixel, fft and maco, on two independently trained models.

Two models on shapes with all 7 kinds at 32x32 (chance 1/7): LeNet (seed 0) and chopped VGG
(3 blocks, seed 1), trained once and kept in ``--cache`` (default: a folder in the system's
temp dir) across runs. For each parametrisation (``pixel``: the pixels themselves with the
regularisers; ``fft``: the filters' default; ``maco``: the classes' default), with the
library's defaults otherwise (``pixel`` took about 22 minutes on 2 CPUs: ``--params fft,maco`` for a
quick run):

* class images, ``--count`` per class (4), of each model, classified through the Predictor
  on the uint8 images: by their own model (``own``) and by the other one (``transfer``);
  goal: >= 0.95 own and >= 0.9 transfer, both ways;
* filter images of LeNet ``conv2`` and chopped VGG ``block2_conv2``: per filter, the
  activation reached over the best of 512 fresh dataset images; goal: >= 1.0 for >= 90%
  of the filters that fire on some image.

Run it once per backend (the models are shared):

    python benchmarks/bench_maximize.py
    KERAS_BACKEND=jax python benchmarks/bench_maximize.py

Options: --params pixel,fft,maco  --steps N  --count K  --cache DIR
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

KINDS = "circle,square,triangle,pentagon,hexagon,star,cross"
MODELS = (("lenet", 0, "conv2"), ("chopped_vgg", 1, "block2_conv2"))


def trained(cache: Path, arch: str, seed: int) -> Path:
    """The run folder of ``arch`` trained with ``seed`` on the 7 kinds (trained once)."""
    import kerazoo

    out = cache / f"{arch}-seed{seed}"
    if not (out / "model.keras").exists():
        t0 = time.perf_counter()
        run = kerazoo.train(
            "shapes",
            arch,
            data={"size": 32, "classes": KINDS},
            epochs=10,
            train_size=6000,
            val_size=500,
            test_size=0,
            seed=seed,
            out=out,
            verbose=0,
        )
        took = time.perf_counter() - t0
        print(f"trained {arch} (seed {seed}) in {took:.0f} s: {run.metrics}")
    return out


def classes(runs: dict[str, Path], param: str, steps: int, count: int) -> None:
    """Own-model and transfer accuracy of each model's class images."""
    from kerazoo.interpret import _maximize as mx
    from kerazoo.interpret._maximize_quality import class_hits
    from kerazoo.interpret._probe import load

    names = list(runs)
    for a in names:
        model, info = load(runs[a] / "model.keras")
        t0 = time.perf_counter()
        images = mx.maximize_classes(model, steps=steps, count=count, param=param)
        took = time.perf_counter() - t0
        intended = [c for c in info.task.class_names for _ in range(count)]
        own = class_hits(images, intended, model)
        other = next(b for b in names if b != a)
        moved = class_hits(images, intended, runs[other] / "model.keras")
        print(
            f"  {param:<5} classes of {a:<11} own {own.mean():.2f}  transfer to {other} "
            f"{moved.mean():.2f}  ({len(images)} images, {took:.0f} s)"
        )


def filters(runs: dict[str, Path], param: str, steps: int) -> None:
    """The share of filters whose image beats the best of 512 dataset images."""
    from kerazoo.interpret import _maximize as mx
    from kerazoo.interpret._maximize_quality import filter_ratios, share_at_least
    from kerazoo.interpret._probe import load, model_samples

    for arch, _, layer in MODELS:
        model, info = load(runs[arch] / "model.keras")
        samples = model_samples(info, 512, seed=1).images
        width = int(model.get_layer(layer).output.shape[-1])
        t0 = time.perf_counter()
        images = mx.maximize_filters(model, layer, steps=steps, param=param)
        took = time.perf_counter() - t0
        ratios = filter_ratios(model, layer, images, list(range(width)), samples)
        good, alive = share_at_least(ratios)
        print(
            f"  {param:<5} {arch} {layer}: ratio >= 1.0 for {good}/{alive} firing filters "
            f"({good / max(alive, 1):.0%}); median ratio {np.nanmedian(ratios):.2f}, "
            f"min {np.nanmin(ratios):.2f}  ({took:.0f} s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default="pixel,fft,maco", help="parametrisations to compare")
    parser.add_argument("--steps", type=int, help="ascent steps (default: the library's)")
    parser.add_argument("--count", type=int, default=4, help="class images per class")
    parser.add_argument("--cache", default=Path(tempfile.gettempdir()) / "kerazoo-bench-maximize")
    parser.add_argument("--only", choices=("classes", "filters"), help="one half only")
    args = parser.parse_args()

    import keras

    from kerazoo.interpret._maximize_pictures import STEPS

    steps = args.steps or STEPS
    cache = Path(args.cache)
    runs = {arch: trained(cache, arch, seed) for arch, seed, _ in MODELS}
    print(f"keras {keras.__version__}, backend {keras.backend.backend()}, {os.cpu_count()} CPUs")
    print(f"shapes, 7 kinds, 32x32; {steps} steps; models in {cache}")
    for param in args.params.split(","):
        if args.only != "filters":
            classes(runs, param, steps, args.count)
        if args.only != "classes":
            filters(runs, param, steps)


if __name__ == "__main__":
    main()
