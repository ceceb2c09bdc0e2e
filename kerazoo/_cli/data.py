"""``kerazoo data``: look at a dataset (a labelled preview grid) or export it as PNG files.

``kerazoo data preview NAME --out grid.png`` draws samples in a grid, each tile titled with
its label; ``kerazoo data export NAME DIR --n N`` writes PNG files (one folder per class for
classification, readable again by the ``folder`` dataset) and ``labels.csv``. The work is
done by :mod:`kerazoo.data._preview` and :mod:`kerazoo.data._export`; this module parses and
prints.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from kerazoo import _registry as registry
from kerazoo._cli import parse_pairs
from kerazoo.data._dataset import Dataset, Samples
from kerazoo.data._export import export_samples
from kerazoo.data._preview import TILE_BYTES, preview_grid

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add ``kerazoo data preview`` and ``kerazoo data export`` to the command line."""
    p = sub.add_parser(
        "data",
        help="preview or export a dataset",
        description="Look at a dataset as a labelled grid of samples, or export it as PNG "
        "files with a labels.csv. Dataset options are given as --data KEY=VALUE "
        "(see 'kerazoo list datasets --verbose').",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION")

    pv = actions.add_parser(
        "preview",
        help="write a labelled grid of samples to a picture file",
        description="Write a grid of samples, each titled with its class name or value.",
    )
    _common(pv)
    pv.add_argument("--n", type=int, default=16, help="number of samples (default 16)")
    pv.add_argument(
        "--out",
        required=True,
        help="picture to write, in the format its suffix names (.png, .jpg, .svg, .pdf...), "
        "e.g. grid.png",
    )
    pv.add_argument("--cols", type=int, default=None, help="tiles per row (default: square)")
    pv.add_argument("--masks", action="store_true", help="outline the object masks (in cyan)")
    pv.set_defaults(func=_preview)

    ex = actions.add_parser(
        "export",
        help="write samples as PNG files plus labels.csv",
        description="Write samples as PNG files under DIR: one sub-folder per class for "
        "classification (the layout the 'folder' dataset reads), flat files otherwise, "
        "and DIR/labels.csv with columns file,label. DIR must be new or empty.",
    )
    _common(ex)
    ex.add_argument("dir", metavar="DIR", help="folder to write into (new or empty)")
    ex.add_argument("--n", type=int, required=True, help="number of samples")
    ex.set_defaults(func=_export)

    p.set_defaults(func=lambda args: _help(p))


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", metavar="NAME", help="dataset name, e.g. shapes")
    p.add_argument(
        "--data",
        action="append",
        metavar="KEY=VALUE",
        help="a dataset option, repeatable, e.g. --data size=32",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")


def _help(p: argparse.ArgumentParser) -> int:
    p.print_help()
    return 0


def _samples(args: argparse.Namespace, work: int = 0) -> tuple[Dataset, Samples]:
    """The samples asked for; ``work``: more bytes each will take (a preview's tile)."""
    options = parse_pairs(args.data, "--data")
    ds = registry.get_dataset(args.name, **options)
    ds.check_size(args.n, "n", work=work)
    return ds, ds.generate(args.n, seed=args.seed)


def _preview(args: argparse.Namespace) -> int:
    ds, data = _samples(args, work=TILE_BYTES)
    out = preview_grid(data, ds.task, args.out, cols=args.cols, show_masks=args.masks)
    print(f"Wrote a preview of {len(data)} '{args.name}' samples to {out}")
    return 0


def _export(args: argparse.Namespace) -> int:
    ds, data = _samples(args)
    csv_path = export_samples(data, ds.task, args.dir, progress=sys.stderr)
    folders = (
        f" in {len(set(data.labels.tolist()))} class folders"
        if ds.task.kind == "classification" and data.labels is not None
        else ""
    )
    print(
        f"Wrote {len(data)} '{args.name}' images{folders} and {csv_path.name} to {csv_path.parent}"
    )
    return 0
