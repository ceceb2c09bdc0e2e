"""Shapes with a chopped VGG: the channel order, a diverging loss and what to do about it.

The tutorial is docs/tutorials/chopped_vgg.md. The script asks for a ``channels_first``
model (refused on TensorFlow without a GPU, with the reason), then runs ``kerazoo train``
three times as the page does: with a learning rate far too high for SGD (the loss becomes
NaN; ``run.json`` says ``diverged``), the same with ``--lr-backoff`` (retries at half the
rate), and with ``--lr find`` (the learning-rate finder picks the rate).

Run:
    python examples/shapes_vgg.py            # 32x32 shapes, 3000 images, 6 epochs
    python examples/shapes_vgg.py --tiny     # 16x16 shapes, 200 images, 2 epochs
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import kerazoo


def channel_order() -> None:
    """Build the chopped VGG in each channel order; print what this machine accepts."""
    import keras

    dataset = kerazoo.get_dataset("shapes", size=32)
    print(f"Keras backend: {keras.backend.backend()}")
    for data_format in ("auto", "channels_last", "channels_first"):
        try:
            model = kerazoo.build("chopped_vgg", dataset, data_format=data_format)
        except kerazoo.IncompatibleError as error:
            print(f"  {data_format}: refused: {error}")
        else:
            layout = kerazoo.ModelInfo.of(model).input.data_format
            print(f"  {data_format}: input {model.input_shape} ({layout})")


def kerazoo_train(out: Path, *flags: str) -> int:
    """Run ``kerazoo train`` as a reader would type it; print its last lines; return its code."""
    command = [sys.executable, "-m", "kerazoo", "train", "shapes", "chopped_vgg", *flags]
    command += ["--out", str(out)]
    print("\n$ kerazoo " + " ".join(command[3:]))
    done = subprocess.run(command, capture_output=True, text=True)
    lines = [
        line
        for line in (done.stdout + done.stderr).splitlines()
        if line.startswith(("Epoch", "Loss became", "kerazoo", "Trained", "Test on", "Learning"))
        or " - loss: " in line
        or "suggested" in line
    ]
    print("\n".join(lines[-24:]))
    status = json.loads((out / "run.json").read_text())["status"]
    print(f"exit code {done.returncode}; {out / 'run.json'} says status {status!r}")
    return done.returncode


def main(out: Path, tiny: bool) -> list[Path]:
    """Run the experiments; return the pictures written, in the tutorial's order."""
    channel_order()
    sizes = ["--train-size", "200", "--val-size", "50", "--test-size", "50", "--epochs", "2"]
    if not tiny:
        sizes = ["--train-size", "3000", "--val-size", "500", "--test-size", "500", "--epochs", "6"]
    common = ["--data", f"size={16 if tiny else 32}", "--optimizer", "sgd", *sizes]
    diverged = kerazoo_train(out / "lr-10", *common, "--lr", "10")
    backoff = kerazoo_train(out / "lr-10-backoff", *common, "--lr", "10", "--lr-backoff")
    found = kerazoo_train(out / "lr-find", *common, "--lr", "find")
    if (diverged, backoff, found) != (2, 0, 0):
        sys.exit(f"unexpected exit codes {diverged}, {backoff}, {found} (expected 2, 0, 0)")
    return [
        out / "lr-10-backoff" / "curves.png",
        out / "lr-find" / "lr_find.png",
        out / "lr-find" / "curves.png",
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tiny", action="store_true", help="tiny images, a test run")
    parser.add_argument("--out", type=Path, default=Path("tutorial-vgg"))
    args = parser.parse_args()
    pictures = main(args.out, args.tiny)
    print("Look at:")
    for picture in pictures:
        print(f"  {picture}")
