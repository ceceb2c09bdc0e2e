"""Your own images with the ``folder`` dataset: one sub-folder per class, any size, PNG or JPEG.

The tutorial is docs/tutorials/own_images.md. So that it needs no download, the script first
makes a folder of "your" images with ``kerazoo data export`` (shapes as PNG class folders),
and re-saves a third of them as larger RGB JPEGs, as photos from elsewhere would be. Then it
previews the folder as kerazoo reads it, trains LeNet on it (the folder's images are split
70/15/15 into training, validation and test), and predicts a few of the files.

Run:
    python examples/own_images.py           # 1200 images, resized to 32x32, 8 epochs
    python examples/own_images.py --tiny    # 180 images, 2 epochs
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from PIL import Image

import kerazoo


def kerazoo_cli(*args: str) -> None:
    """Run a ``kerazoo`` command as a reader would type it, and echo it."""
    print("$ kerazoo " + " ".join(args))
    subprocess.run([sys.executable, "-m", "kerazoo", *args], check=True)


def make_images(folder: Path, n: int) -> None:
    """Write ``n`` labelled images into ``folder/CLASS/``: PNGs, a third of them as JPEGs."""
    if folder.exists():
        shutil.rmtree(folder)
    kerazoo_cli(
        "data",
        "export",
        "shapes",
        str(folder),
        "--n",
        str(n),
        "--data",
        "size=48",
        "--data",
        "classes=circle,square,star",
    )
    (folder / "labels.csv").unlink()  # the folder dataset reads the sub-folders, not this
    for i, png in enumerate(sorted(folder.glob("*/*.png"))):
        if i % 3 == 0:  # a "photo": larger, RGB, JPEG
            Image.open(png).convert("RGB").resize((96, 96)).save(png.with_suffix(".jpg"))
            png.unlink()


def main(out: Path, tiny: bool) -> list[Path]:
    """Make the folder, preview it, train on it, predict files; return the pictures."""
    folder = out / "my_images"
    make_images(folder, 180 if tiny else 1200)
    data = {"path": str(folder), "size": 32, "channels": 1}
    kerazoo_cli(
        "data",
        "preview",
        "folder",
        "--data",
        f"path={folder}",
        "--data",
        "size=32",
        "--data",
        "channels=1",
        "--n",
        "12",
        "--out",
        str(out / "preview.png"),
    )
    run = kerazoo.train(
        "folder", "lenet", data=data, epochs=2 if tiny else 8, out=out / "run", verbose=2
    )
    print(f"test on the held-out share of the folder: {run.test}")
    predictor = kerazoo.Predictor.load(run.model_path)
    files = sorted(folder.glob("*/*"))
    step = len(files) // 6 + 1
    files = files[:: step + (step % 3 == 0)]  # a few PNGs and JPEGs of every class
    for result in predictor.predict(files, top_k=2):
        print(f"  {result}")
    return [out / "preview.png", run.dir / "curves.png", run.dir / "evaluation" / "confusion.png"]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tiny", action="store_true", help="few images, a test run")
    parser.add_argument("--out", type=Path, default=Path("tutorial-own-images"))
    args = parser.parse_args()
    pictures = main(args.out, args.tiny)
    print("Look at:")
    for picture in pictures:
        print(f"  {picture}")
