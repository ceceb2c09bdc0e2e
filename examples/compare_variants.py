"""Variants of a small classifier, compared by accuracy and by what they learned to look for.

The tutorial is docs/tutorials/variants.md. The script trains a chopped VGG on ``shapes``
and six variants of it over the same seeds with :func:`kerazoo.compare`: half the filters,
a deeper and a wider dense part, no dense part, four classes, and a linear head trained
with MSE. It prints the table (accuracy, mean +- std over seeds, Welch's t verdict), then
draws each class's maximisation image for the baseline and the MSE variant, and where the
baseline looks (saliency against the shapes' masks, scored).

Run:
    python examples/compare_variants.py         # 32x32 shapes, 3 seeds, 5 epochs
    python examples/compare_variants.py --tiny  # 16x16, 1 seed, 1 epoch, 3 variants
"""

from __future__ import annotations

import argparse
from pathlib import Path

import kerazoo
from kerazoo import interpret

VARIANTS = [
    "half: width=0.5",
    "deeper: dense_layers=2",
    "wider: dense_units=512",
    "no-dense: dense_layers=0",
    "4 classes: classes=circle,square,triangle,star",
    "linear+mse: loss=mse",
]


def main(out: Path, tiny: bool) -> list[Path]:
    """Compare the variants, draw their class images and the baseline's saliency.

    Args:
        out: the folder for everything (the comparison is ``out/compare``).
        tiny: tiny images, one seed and one epoch, for a test run.

    Returns:
        The picture files, in the order the tutorial reads them.
    """
    size = 16 if tiny else 32
    settings = (
        {"seeds": 1, "epochs": 1, "train_size": 150, "val_size": 40, "test_size": 40}
        if tiny
        else {"seeds": 3, "epochs": 5, "train_size": 1500, "val_size": 300, "test_size": 500}
    )
    variants = [VARIANTS[0], VARIANTS[3], VARIANTS[5]] if tiny else VARIANTS
    result = kerazoo.compare(
        "shapes",
        "chopped_vgg",
        variants,
        data={"size": size},
        out=out / "compare",
        inside_steps=16 if tiny else 64,
        classes_steps=16 if tiny else 200,
        **settings,
    )
    pictures = [p for p in result.files if p.suffix == ".png"]

    steps = 16 if tiny else 200
    for name in ("baseline", "linear+mse"):
        model = result.dir / name / "seed-0" / "model.keras"
        picture = out / f"classes-{name.replace('+', '-')}.png"
        pictures.append(interpret.draw_classes(model, picture, steps=steps))

    baseline = result.dir / "baseline" / "seed-0" / "model.keras"
    samples = kerazoo.get_dataset("shapes", size=size).generate(4, seed=5)
    pictures.append(
        interpret.draw_saliency(baseline, samples.images, out / "saliency.png", masks=samples.masks)
    )
    print("\nWhere the baseline looks, scored against the shapes' masks:")
    print("method      pointing game  (uniform)  share inside mask  (uniform)")
    for method in ("gradients", "gradcam", "occlusion"):
        s = interpret.saliency_score(baseline, method=method, n=20 if tiny else 200)
        print(
            f"{method:<10}  {s.pointing_game:13.3f}  {s.uniform_pointing:9.3f}"
            f"  {s.inside_share:17.3f}  {s.uniform_share:9.3f}"
        )
    return pictures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tiny", action="store_true", help="tiny images, one seed, one epoch")
    parser.add_argument("--out", type=Path, default=Path("tutorial-variants"))
    args = parser.parse_args()
    pictures = main(args.out, args.tiny)
    print("Look at:")
    for picture in pictures:
        print(f"  {picture}")
