"""``kerazoo predict``: labels for image files and folders."""

from __future__ import annotations

import argparse
import json
from typing import Any

from kerazoo._cli import model_path


def register(sub: Any) -> None:
    p = sub.add_parser(
        "predict",
        help="predict labels for images with a saved model",
        description="Run a saved model on image files or folders (all images in a folder "
        "and its sub-folders, in natural order; names starting with '.' are skipped). Prints "
        "one line per image: path, label, score; or JSON lines. Images are resized and "
        "converted to the model's input; such conversions are shown in brackets.",
    )
    p.add_argument(
        "model",
        help="a .keras or .h5 file, a folder from 'kerazoo export', or a run folder "
        "(its model.keras)",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders")
    p.add_argument("--top-k", type=int, default=1, help="list the K most likely classes")
    p.add_argument("--json", action="store_true", help="print one JSON object per line")
    p.add_argument("--batch-size", type=int, default=128, help="images per model call")
    p.add_argument(
        "--out",
        metavar="DIR",
        help="reconstruction models: write each output image into DIR as a PNG at its input's "
        "path, relative to the folder the inputs share (x/a.jpg -> DIR/x/a.png); files that "
        "exist in DIR are never overwritten",
    )
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from kerazoo.predict._outputs import check_writes_images, write_images
    from kerazoo.predict._predictor import ImagePrediction, Predictor

    predictor = Predictor.load(model_path(args.model))
    if args.out:
        check_writes_images(predictor.task.kind)  # before any image is read
    results = predictor.predict(args.inputs, top_k=args.top_k, batch_size=args.batch_size)
    written = write_images(results, args.out, args.inputs) if args.out else {}
    for i, result in enumerate(results):
        if args.json:
            data = result.to_dict()
            if isinstance(result, ImagePrediction):
                data.pop("image")  # the shape is printed; the pixels would be a wall of numbers
            if i in written:
                data["file"] = str(written[i])
            print(json.dumps(data))
        else:
            print(f"{result}  -> {written[i]}" if i in written else result)
    return 0
