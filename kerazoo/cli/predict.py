"""``kerazoo predict``: labels for image files and folders."""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser(
        "predict",
        help="predict labels for images with a saved model",
        description="Run a saved model on image files or folders (all images in a folder "
        "and its sub-folders, in natural order; names starting with '.' are skipped). Prints "
        "one line per image: path, label, score; or JSON lines. Images are resized and "
        "converted to the model's input; such conversions are shown in brackets.",
    )
    p.add_argument("model", help="a .keras or .h5 file, or a folder from 'kerazoo export'")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders")
    p.add_argument("--top-k", type=int, default=1, help="list the K most likely classes")
    p.add_argument("--json", action="store_true", help="print one JSON object per line")
    p.add_argument("--batch-size", type=int, default=128, help="images per model call")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from kerazoo.predict.predictor import ImagePrediction, Predictor

    predictor = Predictor.load(args.model)
    results = predictor.predict(args.inputs, top_k=args.top_k, batch_size=args.batch_size)
    for result in results:
        if args.json:
            data = result.to_dict()
            if isinstance(result, ImagePrediction):
                data.pop("image")  # the shape is printed; the pixels would be a wall of numbers
            print(json.dumps(data))
        else:
            print(result)
    return 0
