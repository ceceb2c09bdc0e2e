"""Predict every image in a folder with a model saved by kerazoo, and print the labels.

Copy this file and change the two paths. The model file carries its class names and input
size, so any image size or colour mode works: images are converted to what the model takes
(the notes in brackets say when). Images in sub-folders are found too, so a folder written
by ``kerazoo data export shapes FOLDER --n 20`` (FOLDER/circle/00000.png, ...) works as is.

Run: python examples/predict_folder.py MODEL.keras FOLDER [TOP_K]
"""

from __future__ import annotations

import sys

import kerazoo


def main(model_path: str, folder: str, top_k: int = 1) -> None:
    predictor = kerazoo.Predictor.load(model_path)
    print(predictor)
    for result in predictor.predict(folder, top_k=top_k):
        print(result)  # e.g. "photos/a.png: square (0.973)"
        # result.label, result.score, result.top_k, result.to_dict() for your own use


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) == 4 else 1)
