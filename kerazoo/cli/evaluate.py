"""``kerazoo evaluate``: a saved model's metrics and pictures on its own or shifted data."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from kerazoo.cli import parse_pairs


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
        "model", metavar="MODEL", help="a .keras file, or a run folder (its model.keras)"
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
        "--out",
        type=Path,
        metavar="DIR",
        default=None,
        help="folder for metrics.json and pictures (default: beside the model, "
        "evaluation-DATA or evaluation-own)",
    )
    p.add_argument("--json", action="store_true", help="print metrics.json on stdout, only")
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
    p.set_defaults(func=_run)


def default_out(model: str, data: str | None) -> Path:
    """``evaluation-DATA`` (or ``evaluation-own``) beside the model file, or inside a run
    folder."""
    path = Path(model)
    where = path if path.is_dir() else path.parent
    name = Path(data.rstrip("/\\")).name if data else "own"
    return where / f"evaluation-{name or 'data'}"


def _run(args: argparse.Namespace) -> int:
    from kerazoo.evaluation import evaluate

    options = parse_pairs(args.options, "--data")
    out = args.out if args.out is not None else default_out(args.model, args.data)
    result = evaluate(
        args.model,
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
    written = [out / "metrics.json", *result.pictures.values()]
    if result.reference is not None:
        written += list(result.reference.pictures.values())
    print(f"wrote {len(written)} files to {out}/:")
    for path in written:
        print(f"  {Path(path).relative_to(out).as_posix()}")
    return 0
