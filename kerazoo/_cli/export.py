"""``kerazoo export``: a TensorFlow SavedModel folder with kerazoo.json beside it."""

from __future__ import annotations

import argparse
from typing import Any

from kerazoo._cli import model_path


def register(sub: Any) -> None:
    p = sub.add_parser(
        "export",
        help="export a saved model as a TensorFlow SavedModel folder",
        description="Export MODEL with Keras' model.export(DIR, format='tf_saved_model') and "
        "write kerazoo.json beside it, so 'kerazoo predict DIR ...' and Predictor.load(DIR) "
        "work on the export. An earlier export in DIR is replaced; another folder is refused.",
    )
    p.add_argument("model", help="a .keras or .h5 file, or a run folder (its model.keras)")
    p.add_argument("dir", help="the folder to write")
    p.add_argument(
        "--channels-last",
        action="store_true",
        help="convert a channels_first model first, so the export runs on CPU-only TensorFlow",
    )
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from kerazoo.saving._savedmodel import export_model

    model = model_path(args.model)
    target = export_model(model, args.dir, channels_last=args.channels_last)
    print(f"exported {model} -> {target}")
    return 0
