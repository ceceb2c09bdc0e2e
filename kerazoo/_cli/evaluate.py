"""``kerazoo evaluate``: a saved model's metrics and pictures on its own or shifted data."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from kerazoo._cli import model_path, parse_pairs


def register(sub: Any) -> None:
    p = sub.add_parser(
        "evaluate",
        help="measure a saved model on fresh or shifted data, with pictures",
        description="Evaluate a saved model on fresh images: its own training data by "
        "default, or another dataset, other options (--data), or a folder of class "
        "sub-folders. Prints a table of metrics and writes metrics.json plus pictures "
        "(confusion matrix, top losses, samples, predicted vs true, reconstructions). When "
        "the data differs from the training data, the model is also evaluated in "
        "distribution and the table shows the gap.",
        epilog="Examples: kerazoo evaluate runs/lenet | kerazoo evaluate runs/lenet shapes "
        "--data noise=0.3 | kerazoo evaluate runs/lenet my_photos/ --json",
    )
    p.add_argument(
        "model",
        metavar="MODEL",
        help="a .keras file, or a run folder (its model.keras; a run that has not finished: "
        "its best.keras or checkpoint.keras, with a note)",
    )
    p.add_argument(
        "data",
        nargs="?",
        metavar="DATA",
        help="a dataset name, or a folder with one sub-folder per class (default: the "
        "model's own dataset and options); the model's own dataset name starts from its "
        "training options",
    )
    p.add_argument(
        "--data",
        dest="options",
        action="append",
        metavar="KEY=VALUE",
        help="a dataset option, e.g. --data noise=0.3 (repeatable)",
    )
    p.add_argument("-n", "--n", type=int, default=500, help="images to evaluate (default 500)")
    p.add_argument(
        "--seed",
        type=int,
        default=None,
        help="seed of the images (default: training seed + 1, fresh images)",
    )
    p.add_argument(
        "--no-reference",
        dest="reference",
        action="store_false",
        help="skip the in-distribution evaluation beside shifted data",
    )
    p.add_argument("--batch-size", type=int, default=64, help="images per model call")
    p.add_argument(
        "--top", type=int, default=16, help="images in the top-losses and samples pictures"
    )
    _output_arguments(p)
    p.set_defaults(func=_run)


def _output_arguments(p: Any) -> None:
    """Where the results go: the folder, or JSON on stdout."""
    p.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        default=None,
        help="folder for metrics.json and pictures (default: beside the model, "
        "evaluation-DATA or evaluation-own, then the --data options, e.g. "
        "evaluation-shapes-noise=0.3)",
    )
    p.add_argument("--json", action="store_true", help="print metrics.json on stdout, only")


def _run(args: argparse.Namespace) -> int:
    from kerazoo.evaluation._evaluate import evaluate
    from kerazoo.evaluation._folder import evaluation_folder

    options = parse_pairs(args.options, "--data")
    model = model_path(args.model)  # an unfinished run: its best.keras, with a note
    out = args.out if args.out is not None else evaluation_folder(model, args.data, options)
    result = evaluate(
        model,
        args.data,
        options=options,
        n=args.n,
        seed=args.seed,
        out=out,
        batch_size=args.batch_size,
        top=args.top,
        reference=args.reference,
    )
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
        return 0
    print(result.summary())
    written = result.files()
    print(f"wrote {len(written)} files to {out}/:")
    for path in written:
        print(f"  {Path(path).relative_to(out).as_posix()}")
    return 0
