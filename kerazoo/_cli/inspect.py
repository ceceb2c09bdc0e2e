"""``kerazoo inspect``: what a saved model is, read without starting TensorFlow."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from kerazoo._naming import printable


def register(sub: Any) -> None:
    p = sub.add_parser(
        "inspect",
        help="show what a saved model is (task, classes, input, training)",
        description="Print the kerazoo metadata of a .keras/.h5 file or exported SavedModel "
        "folder. Reads the file with zipfile/h5py only: TensorFlow is not started.",
    )
    p.add_argument(
        "model",
        help="a .keras or .h5 file, a folder from 'kerazoo export', or a run folder "
        "(its model.keras)",
    )
    p.add_argument("--json", action="store_true", help="print the kerazoo.json as JSON")
    p.add_argument(
        "--summary",
        action="store_true",
        help="load the model (starts Keras) and print every layer: name, type, output "
        "shape, parameters; and the trainable / non-trainable counts",
    )
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from kerazoo.saving._describe import describe_model

    described = describe_model(args.model, summary=args.summary and not args.json)
    if described.note:
        print(f"note: {described.note}", file=sys.stderr)
    if args.json:
        print(json.dumps(described.to_dict(), indent=2))
        return 0
    for line in described.lines():
        print(printable(line))  # names from the file are data: controls escaped
    return 0
