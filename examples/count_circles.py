"""Counting circles, 1-5 and 45-50: the learning-rate finder, checkpoints, activation
histograms to debug an initialisation, an optimizer comparison and the mean image.

The tutorial is docs/tutorials/counting.md. Four short experiments with the built-in
``counter`` architecture (a small convolutional detector whose per-pixel density is summed)
on ``circles`` with ``target=count`` (regression on the number of circles):

1. ``lr_find.png``: the learning-rate finder on 1-5 circles; training then finds and uses its
   suggestion (``--lr find``) and keeps every epoch's checkpoint, which are scored one by one.
2. ``stats-*/activation_stats.png``: activation histograms over training for a sane and a
   far too small initialisation.
3. ``optimizers/curves.png``: adam, sgd and momentum from the same seeds.
4. ``mean_image.png``: 45-50 circles with ``normalization="image"``: the mean image the model
   subtracts, beside training images.

Run:
    python examples/count_circles.py          # 64x64 images as in the classic experiment
    python examples/count_circles.py --tiny   # tiny images, few of them, one or two epochs
    python examples/count_circles.py --parts lr   # only the first experiment
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import kerazoo
from kerazoo import interpret


def sizes(tiny: bool, epochs: int) -> dict[str, int]:
    """Training settings: tiny for a test, else enough for a real result."""
    if tiny:
        return {"train_size": 256, "val_size": 64, "test_size": 64, "epochs": min(epochs, 2)}
    # kerazoo train's own defaults, so that the tutorial's commands give the same numbers
    return {"train_size": 4000, "val_size": 1000, "test_size": 1000, "epochs": epochs}


def lr_and_checkpoints(out: Path, data: dict, tiny: bool) -> list[Path]:
    """The finder's curve (``kerazoo lr-find``), then ``kerazoo train --lr find
    --keep-checkpoints --epochs 6`` as the tutorial's command; score each checkpoint."""
    finding = kerazoo.lr_find(
        "circles", "counter", data=data, out=out / "lr_find.png", steps=30 if tiny else 100
    )
    print(finding.summary())
    run = kerazoo.train(
        "circles",
        "counter",
        data=data,
        out=out / "count-1-5",
        learning_rate="find",  # the finder runs again inside the run, as --lr find does
        keep_checkpoints=True,
        verbose=0,
        **sizes(tiny, 6),
    )
    rate, test = run.metadata["training"]["learning_rate"], run.test
    print(
        f"1-5 circles, trained at lr {rate:.2g} (--lr find): test exact {test['exact']:.3f}, "
        f"mae {test['mae']:.3f} on {sizes(tiny, 6)['test_size']} images"
    )
    fresh = kerazoo.get_dataset("circles", **data).generate(200, seed=11)
    for checkpoint in sorted((run.dir / "checkpoints").glob("epoch-*.keras")):
        counts = [r.value for r in kerazoo.Predictor.load(checkpoint).predict(fresh.images)]
        exact = np.mean(np.round(counts) == fresh.labels)
        print(f"  {checkpoint.name}: exact on 200 fresh images {exact:.3f}")
    return [out / "lr_find.png", run.dir / "curves.png"]


def initialisations(out: Path, data: dict, tiny: bool) -> list[Path]:
    """The same network with a sane and a far too small initialisation, statistics recorded."""
    pictures = []
    for name, init in (("he", {}), ("tiny-init", {"init": "normal", "init_scale": 0.01})):
        run = kerazoo.train(
            "circles",
            "counter",
            data=data,
            hp={"layers": 4},
            out=out / f"stats-{name}",
            callbacks=[interpret.ActivationStats()],
            verbose=0,
            **init,
            **sizes(tiny, 3),
        )
        print(f"init {name}: val_mae {run.history['val_mae'][-1]:.3f}")
        pictures.append(run.dir / "activation_stats.png")
    return pictures


def optimizers(out: Path, data: dict, tiny: bool) -> list[Path]:
    """adam (the baseline), sgd and momentum at the same rate (1e-3), over the same seeds."""
    result = kerazoo.compare(
        "circles",
        "counter",
        ["sgd: optimizer=sgd lr=0.001", "momentum: optimizer=momentum lr=0.001"],
        data=data,
        seeds=1 if tiny else 3,
        out=out / "optimizers",
        inside_steps=0,
        verbose=False,
        **sizes(tiny, 4),
    )
    print(result)
    return [result.dir / "curves.png"]


def mean_image(out: Path, data: dict, tiny: bool) -> list[Path]:
    """45-50 circles with a per-pixel normalisation; draw the mean image it subtracts."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    run = kerazoo.train(
        "circles",
        "counter",
        data=data,
        out=out / "count-45-50",
        normalization="image",
        verbose=0,
        **sizes(tiny, 8),
    )
    print(f"45-50 circles, normalization=image: test {run.test}")
    mean = np.asarray(run.model.get_layer("normalize").mean).reshape(run.model.input_shape[1:])
    samples = kerazoo.get_dataset("circles", **data).generate(3, seed=0)
    mean = mean[..., 0] * 255  # the layer holds it on the 0-1 scale of its input
    fig, axes = plt.subplots(1, 4, figsize=(8.4, 2.6))
    axes[0].imshow(mean, cmap="gray")  # on its own range, so its pattern shows
    axes[0].set_title(f"mean image\n(grey {mean.min():.0f} to {mean.max():.0f})", fontsize=9)
    for ax, image, count in zip(axes[1:], samples.images, samples.labels, strict=True):
        ax.imshow(image[..., 0], cmap="gray", vmin=0, vmax=255)
        ax.set_title(f"{count:g} circles", fontsize=9)
    for ax in axes:
        ax.set_axis_off()
    fig.savefig(out / "mean_image.png", dpi=80, bbox_inches="tight")
    plt.close(fig)
    return [out / "mean_image.png"]


#: The experiments, by the name ``--parts`` takes, in the tutorial's order.
PARTS = ("lr", "init", "optimizers", "mean")


def main(out: Path, tiny: bool, parts: tuple[str, ...] = PARTS) -> list[Path]:
    """Run the experiments; return the pictures written, in the tutorial's order."""
    out.mkdir(parents=True, exist_ok=True)
    few = {"size": 24 if tiny else 64, "min_count": 1, "max_count": 5, "target": "count"}
    many = {"size": 40 if tiny else 64, "min_count": 45, "max_count": 50, "target": "count"}
    if tiny:
        many.update(min_radius=1, max_radius=2)
    steps = {
        "lr": lambda: lr_and_checkpoints(out, few, tiny),
        "init": lambda: initialisations(out, few, tiny),
        "optimizers": lambda: optimizers(out, few, tiny),
        "mean": lambda: mean_image(out, many, tiny),
    }
    return [picture for part in PARTS if part in parts for picture in steps[part]()]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tiny", action="store_true", help="tiny images, a test run")
    parser.add_argument("--out", type=Path, default=Path("tutorial-counting"))
    parser.add_argument(
        "--parts",
        nargs="+",
        choices=PARTS,
        default=PARTS,
        help="the experiments to run (default: all)",
    )
    args = parser.parse_args()
    pictures = main(args.out, args.tiny, tuple(args.parts))
    print("Look at:")
    for picture in pictures:
        print(f"  {picture}")
