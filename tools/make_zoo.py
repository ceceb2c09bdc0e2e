"""Make the built-in zoo's entries: train each recipe for 5 seeds, ship seed 0, write cards.

Run from the repository root (takes CPU time: several minutes per entry):

    python tools/make_zoo.py                      # every entry
    python tools/make_zoo.py lenet-shapes         # one entry
    python tools/make_zoo.py --work /tmp/zoo-runs # keep the seed runs (reused when run again)

The entries' files go to plugins/kerazoo_builtin/zoo/<module>/; each must also be registered
in pyproject.toml under [project.entry-points."kerazoo.zoo"].
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import kerazoo

ROOT = Path(__file__).resolve().parent.parent
ZOO = ROOT / "plugins" / "kerazoo_builtin" / "zoo"

SHAPES_SHIFTS = [
    {"noise": 0.2},
    {"foreground": 0, "background": 255},
    {"min_scale": 0.2, "max_scale": 0.3},
    {"rotate": False},
]
COUNT_SHIFTS = [
    {"overlap": True},
    {"noise": 0.1},
    {"foreground": 0, "background": 255},
    {"min_radius": 6, "max_radius": 8},
]

#: name -> (recipe, test metric in run.json, shifts for the known limits, summary)
ENTRIES = {
    "lenet-shapes": (
        "kerazoo train shapes lenet --data size=32 --epochs 8 --train-size 3000 "
        "--val-size 300 --seed 0",
        "test.accuracy",
        SHAPES_SHIFTS,
        "LeNet-5 on 32x32 shapes (circle, square, triangle)",
    ),
    "lenet-traffic-lights": (
        "kerazoo train traffic_lights lenet --epochs 3 --train-size 2000 --val-size 300 --seed 0",
        "test.accuracy",
        [
            {"noise": 0.2},
            {"noise": 0.5},
            {"background": "black"},
            {"min_brightness": 0.05, "blur": 4},
            {"jitter": 8},
        ],
        "LeNet-5 on 27x11 traffic lights: which lamp is lit (red, yellow, green)",
    ),
    "chopped-vgg-shapes": (
        "kerazoo train shapes chopped_vgg --data size=32 --hp filters=8 --hp dense_units=32 "
        "--epochs 8 --train-size 3000 --val-size 300 --seed 0",
        "test.accuracy",
        SHAPES_SHIFTS,
        "A small chopped VGG (3 blocks of 8-16-32 filters) on 32x32 shapes",
    ),
    "autoencoder-polkadots": (
        "kerazoo train polkadots autoencoder --data size=32 --data min_radius=3 "
        "--data max_radius=6 --hp filters=8 --epochs 5 --train-size 2000 --val-size 300 "
        "--seed 0",
        "test.mse",
        [{"overlap": True}, {"gray": 200}, {"min_radius": 1, "max_radius": 2}, {"white": 128}],
        "A convolutional autoencoder reconstructing 32x32 polka dots (one white, one grey)",
    ),
    "counter-circles-45-50": (
        "kerazoo train circles counter --data min_count=45 --data max_count=50 "
        "--data target=count --data min_radius=2 --data max_radius=2 --hp filters=4 "
        "--hp layers=1 --batch-size 16 --train-size 2000 --val-size 300 --lr 0.01 "
        "--schedule cosine --epochs 4 --seed 0",
        "test.mae",
        [{"min_count": 1, "max_count": 5}, {"min_radius": 2, "max_radius": 5}, *COUNT_SHIFTS],
        "A conv counter on 45-50 circles of radius 2 in 64x64, trained briefly: it has only "
        "begun to count (the 28-epoch recipe in docs/counting.md counts exactly)",
    ),
    "counter-quads-circles-1-20": (
        "kerazoo train circles counter --hp detector=quads --data min_count=1 "
        "--data max_count=20 --data target=count --batch-size 16 --train-size 2000 "
        "--val-size 300 --lr 0.01 --schedule cosine --epochs 2 --seed 0",
        "test.mae",
        [{"min_count": 45, "max_count": 50}, *COUNT_SHIFTS],
        "The quads counter (fixed 2x2 blob detector, trained threshold) on 1-20 circles",
    ),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"entries (default: all: {', '.join(ENTRIES)})")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--work", type=Path, default=None, help="keep the seed runs here")
    args = parser.parse_args()
    for name in args.names or ENTRIES:
        recipe, metric, shifts, summary = ENTRIES[name]
        start = time.perf_counter()
        card = kerazoo.make_zoo_entry(
            name,
            recipe,
            metric,
            ZOO / name.replace("-", "_"),
            shifts=shifts,
            seeds=args.seeds,
            work=None if args.work is None else args.work / name,
            summary=summary,
        )
        m = card["metric"]
        print(
            f"{name}: {m['name']} {m['mean']:.4f} +- {m['sd']:.4f} {m['values']}; "
            f"{card['parameters']} params, {card['size_bytes']} bytes; "
            f"{time.perf_counter() - start:.0f} s",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
