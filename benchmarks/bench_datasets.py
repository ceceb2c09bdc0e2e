"""How fast the built-in datasets make images, on one core.

Run:  .venv/bin/python benchmarks/bench_datasets.py [--n 2000] [--repeat 3]

Prints images per second for every built-in dataset at its default size, for circles at
45-50 circles per 64x64 image with overlap allowed and with overlap off, and for a plain
reference: drawing the same circles one disk at a time with ``skimage.draw.disk`` (and the
shapes one ``skimage.draw`` call per image), with the ratio. Thread pools are pinned to one
thread; the numbers are indicative on a shared machine (best of ``--repeat`` runs).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

import kerazoo  # noqa: E402

CIRCLES_45_50 = {"min_count": 45, "max_count": 50}


def rate(make: Callable[[int], object], n: int, repeat: int) -> float:
    """Best images per second over ``repeat`` runs of ``make(n)``."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        make(n)
        best = min(best, time.perf_counter() - start)
    return n / best


def naive_circles(n: int, seed: int = 0, **options: int) -> np.ndarray:
    """The plain reference: every circle drawn on its own with skimage.draw.disk."""
    from skimage.draw import disk

    ds = kerazoo.get_dataset("circles", overlap=True, **options)
    h, w = ds.config["size"]
    lo, hi = ds.config["min_count"], ds.config["max_count"]
    rlo, rhi = ds.config["min_radius"], ds.config["max_radius"]
    rng = np.random.default_rng(seed)
    images = np.zeros((n, h, w, 1), dtype=np.uint8)
    for i in range(n):
        k = int(rng.integers(lo, hi + 1))
        radii = rng.integers(rlo, rhi + 1, size=k)
        ys, xs = rng.integers(radii, h - radii), rng.integers(radii, w - radii)
        for r, cy, cx in zip(radii, ys, xs, strict=True):  # one disk at a time
            rr, cc = disk((cy, cx), r + 0.5, shape=(h, w))
            images[i, rr, cc, 0] = 255
    return images


def naive_shapes(n: int, seed: int = 0) -> np.ndarray:
    """The plain reference for shapes: one skimage.draw call per image."""
    from skimage.draw import disk, polygon

    h = w = 64
    rng = np.random.default_rng(seed)
    images = np.zeros((n, h, w, 1), dtype=np.uint8)
    for i in range(n):
        kind = rng.integers(0, 3)
        r = rng.uniform(0.4, 0.8) * 32
        cy, cx = rng.uniform(r - 0.5, h - 0.5 - r, size=2)
        a = rng.uniform(0, 2 * np.pi)
        if kind == 0:
            rr, cc = disk((cy, cx), r, shape=(h, w))
        else:
            k = 3 if kind == 1 else 4
            angles = a + 2 * np.pi * np.arange(k) / k
            rr, cc = polygon(cy + r * np.sin(angles), cx + r * np.cos(angles), shape=(h, w))
        images[i, rr, cc, 0] = 255
    return images


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="images per timed run")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best counts")
    args = parser.parse_args()
    n, repeat = args.n, args.repeat

    rows: list[tuple[str, float]] = []

    def bench(label: str, name: str, count: int = n, **options: object) -> float:
        ds = kerazoo.get_dataset(name, **options)
        r = rate(lambda k: ds.generate(k, seed=1), count, repeat)
        rows.append((label, r))
        return r

    print(f"kerazoo datasets, images per second on one core (best of {repeat}, n={n})")
    print(f"numpy {np.__version__}; shared machine: numbers are indicative\n")

    bench("shapes (64x64, 3 classes)", "shapes")
    bench("traffic_lights (27x11 RGB)", "traffic_lights")
    bench("polkadots (100x150)", "polkadots")
    bench("circles (64x64, 1-5, separate)", "circles")
    fast = bench(
        "circles 45-50, overlap=true (radius 2-5)", "circles", overlap=True, **CIRCLES_45_50
    )
    separate = bench("circles 45-50, overlap=false (radius 2-5)", "circles", **CIRCLES_45_50)
    separate23 = bench(
        "circles 45-50, overlap=false (radius 2-3)",
        "circles",
        min_radius=2,
        max_radius=3,
        **CIRCLES_45_50,
    )
    try:
        kerazoo.get_dataset("circles", min_radius=3, max_radius=5, **CIRCLES_45_50)
        refused = ""
    except kerazoo.InvalidOptionError as exc:
        refused = str(exc)

    with tempfile.TemporaryDirectory() as tmp:
        from kerazoo.data._export import export_samples

        shapes = kerazoo.get_dataset("shapes", channels=3)
        export_samples(shapes.generate(500, seed=0), shapes.task, Path(tmp) / "png")
        bench(
            "folder (500 PNG 64x64 -> 64x64 RGB)", "folder", count=500, path=str(Path(tmp) / "png")
        )

    plain_n = max(50, n // 8)
    plain = rate(lambda k: naive_circles(k, **CIRCLES_45_50), plain_n, repeat)
    rows.append(("plain: circles 45-50, one skimage.draw.disk each", plain))
    plain_shapes = rate(naive_shapes, plain_n, repeat)
    rows.append(("plain: shapes, one skimage.draw call per image", plain_shapes))

    width = max(len(label) for label, _ in rows)
    for label, r in rows:
        print(f"  {label:<{width}}  {r:>9,.0f} img/s")
    print()
    print(f"circles 45-50 with overlap:    {fast / plain:5.1f}x the plain disk loop")
    print(
        f"circles 45-50 without overlap: {separate / plain:5.1f}x (radius 2-5), "
        f"{separate23 / plain:.1f}x (radius 2-3) the plain disk loop, which does not keep "
        "circles apart"
    )
    shapes_rate = next(r for label, r in rows if label.startswith("shapes"))
    print(f"shapes:                        {shapes_rate / plain_shapes:5.1f}x the plain loop")
    print(
        "\nWithout overlap, circles are placed by random sequential adsorption with a 1-pixel"
        "\ngap; as a 64x64 image fills, small radii fit more often, so 45-50 circles of"
        "\nradius 2-5 come out mostly of radius 2-3."
    )
    if refused:
        print(f"Radius 3-5 is refused when the dataset is made:\n  {refused}")


if __name__ == "__main__":
    main()
