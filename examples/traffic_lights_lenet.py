"""LeNet on 11x27 traffic lights: three label encodings, and an inference script that maps
logits to labels.

The tutorial is docs/tutorials/traffic_lights.md. The script trains LeNet on the
``traffic_lights`` dataset (27 high, 11 wide, RGB) with each label encoding: ``sparse``
(class indices, one logit per class), ``onehot`` (one-hot targets, the same head) and
``binary`` (two classes, red and green, one logit). Then, for each saved model, it turns
raw logits into labels by hand, reading the class names and encoding from the file, and
checks the result against :class:`kerazoo.Predictor`.

Run:
    python examples/traffic_lights_lenet.py          # 4000 images, 5 epochs per encoding
    python examples/traffic_lights_lenet.py --tiny   # 300 images, 2 epochs
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import kerazoo

#: encoding -> dataset options (binary needs exactly two classes)
ENCODINGS = {
    "sparse": {},
    "onehot": {},
    "binary": {"classes": "red,green"},
}


def logits_to_labels(model_path: Path, images: np.ndarray) -> list[str]:
    """The inference script: raw ``uint8 [N, 27, 11, 3]`` images to class names.

    Everything it needs is in the model file: the class names, the encoding and what the
    last layer emits. Copy this function to predict without :class:`kerazoo.Predictor`.

    Args:
        model_path: a ``model.keras`` saved by kerazoo.
        images: raw pixels, as the dataset (or a PNG file) gives them.

    Returns:
        One class name per image.
    """
    model, meta = kerazoo.load_model(model_path)
    task = meta["task"]
    names = task["class_names"]
    x = kerazoo.encode_inputs(images, meta)  # lays pixels out as the model takes them
    logits = np.asarray(model.predict(x, verbose=0))
    if task["encoding"] == "binary":  # one logit: P(class 1) = sigmoid(logit) > 0.5
        return [names[int(v > 0)] for v in logits[:, 0]]
    return [names[i] for i in logits.argmax(axis=1)]  # sparse or onehot: the largest logit


def main(out: Path, tiny: bool) -> list[Path]:
    """Train one LeNet per encoding and check the hand-written inference against Predictor.

    Args:
        out: the folder for the run folders (``out/ENCODING``).
        tiny: few images and two epochs, for a test run.

    Returns:
        The picture files, in the order the tutorial reads them.
    """
    sizes = (
        {"train_size": 300, "val_size": 60, "test_size": 60, "epochs": 2}
        if tiny
        else {"train_size": 4000, "val_size": 500, "test_size": 1000, "epochs": 5}
    )
    pictures = []
    for encoding, data in ENCODINGS.items():
        run = kerazoo.train(
            "traffic_lights",
            "lenet",
            data=data,
            encoding=encoding,
            out=out / encoding,
            verbose=0,
            **sizes,
        )
        head = run.model.get_layer("logits").units
        print(f"{encoding:>6}: {head} logit(s), test accuracy {run.test['accuracy']:.3f}")
        fresh = kerazoo.get_dataset("traffic_lights", **data).generate(20, seed=99)
        by_hand = logits_to_labels(run.model_path, fresh.images)
        by_predictor = [
            r.label for r in kerazoo.Predictor.load(run.model_path).predict(fresh.images)
        ]
        truth = [run.metadata["task"]["class_names"][i] for i in fresh.labels]
        agree = sum(a == b for a, b in zip(by_hand, by_predictor, strict=True))
        right = sum(a == b for a, b in zip(by_hand, truth, strict=True))
        print(f"        by hand == Predictor on {agree}/20 fresh images; right on {right}/20")
        print(f"        first five: {by_hand[:5]} (truth {truth[:5]})")
        pictures.append(run.dir / "evaluation" / "confusion.png")
    return [out / "sparse" / "evaluation" / "samples.png", *pictures]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tiny", action="store_true", help="few images, a test run")
    parser.add_argument("--out", type=Path, default=Path("tutorial-traffic-lights"))
    args = parser.parse_args()
    pictures = main(args.out, args.tiny)
    print("Look at:")
    for picture in pictures:
        print(f"  {picture}")
