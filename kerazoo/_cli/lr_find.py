"""``kerazoo lr-find``: ramp the learning rate over a few batches and suggest one."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from typing import Any

from kerazoo._cli import parse_pairs


def register(sub: Any) -> None:
    p = sub.add_parser(
        "lr-find",
        help="find a learning rate: ramp it over a few batches, suggest one",
        description="Build ARCH for DATASET as 'kerazoo train' would, train it for at most "
        "--steps batches while the learning rate grows exponentially from --start to "
        "--end, stop when the loss runs away, and suggest a rate (valley, steepest, "
        "minimum/10). Writes the curve to lr_find.png. The model is thrown away. "
        "Example: kerazoo lr-find shapes lenet",
    )
    p.add_argument("dataset", help="dataset name (see 'kerazoo list datasets')")
    p.add_argument("arch", help="architecture name (see 'kerazoo list architectures')")
    p.add_argument("--data", action="append", metavar="KEY=VALUE", help="dataset option")
    p.add_argument("--hp", action="append", metavar="KEY=VALUE", help="hyperparameter")
    p.add_argument("--optimizer", help="optimizer, as for 'kerazoo train' (default adam)")
    p.add_argument("--batch-size", type=int, help="images per batch; use the run's (default 64)")
    p.add_argument("--encoding", help="label encoding (default: the task's own)")
    p.add_argument("--train-size", type=int, help="training images (default: as a run)")
    p.add_argument("--seed", type=int, help="seed for data, weights and order (default 0)")
    p.add_argument("--steps", type=int, default=100, help="most batches in the ramp (100)")
    p.add_argument("--start", type=float, default=1e-7, help="first rate (1e-7)")
    p.add_argument("--end", type=float, default=10.0, help="last rate (10)")
    p.add_argument(
        "--suggest",
        dest="method",
        default="valley",
        choices=("valley", "steepest", "minimum"),
        help="which suggestion to use (default valley)",
    )
    p.add_argument("--out", default="lr_find.png", help="the picture (default lr_find.png)")
    p.add_argument("--json", action="store_true", help="print the finding as JSON only")
    p.set_defaults(func=_run)


#: Options passed on to the model, as (flag, attribute) in the order the command shows them.
_PASSED = (("--optimizer", "optimizer"), ("--batch-size", "batch_size"), ("--encoding", "encoding"))


def _run(args: argparse.Namespace) -> int:
    from kerazoo.training._lr_find_run import lr_find

    settings = {
        name: getattr(args, name)
        for name in ("optimizer", "batch_size", "encoding", "train_size", "seed")
        if getattr(args, name) is not None
    }
    finding = lr_find(
        args.dataset,
        args.arch,
        data=parse_pairs(args.data, "--data"),
        hp=parse_pairs(args.hp, "--hp"),
        out=args.out,
        start=args.start,
        end=args.end,
        steps=args.steps,
        method=args.method,
        verbose=0 if args.json else 1,
        **settings,
    )
    if args.json:
        print(json.dumps(finding.to_dict(), indent=1))
        return 0
    print(finding.summary())
    print(f"Train with it: {train_command(args, finding.suggestion)}")
    sys.stdout.flush()
    return 0


def train_command(args: argparse.Namespace, lr: float) -> str:
    """The ``kerazoo train`` command that uses ``lr`` with the options given here."""
    words = ["kerazoo", "train", args.dataset, args.arch]
    for flag, pairs in (("--data", args.data), ("--hp", args.hp)):
        for pair in pairs or ():
            words += [flag, pair]
    for flag, name in _PASSED:
        if getattr(args, name) is not None:
            words += [flag, str(getattr(args, name))]
    words += ["--lr", f"{lr:.2g}"]
    return shlex.join(words)
