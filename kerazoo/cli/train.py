"""``kerazoo train``: train an architecture on a dataset and save a run directory."""

from __future__ import annotations

import argparse
from typing import Any

from kerazoo.cli import parse_pairs
from kerazoo.errors import InvalidOptionError


def register(sub: Any) -> None:
    p = sub.add_parser(
        "train",
        help="train an architecture on a dataset",
        description="Train ARCH on DATASET and write a run directory: model.keras, "
        "best.keras, checkpoint.keras, history.csv, curves.png and run.json. "
        "Example: kerazoo train shapes lenet --epochs 5",
    )
    p.add_argument("dataset", nargs="?", help="dataset name (see 'kerazoo list datasets')")
    p.add_argument("arch", nargs="?", help="architecture name (see 'kerazoo list architectures')")
    p.add_argument("--epochs", type=int, help="epochs to train (default 5)")
    p.add_argument("--batch-size", type=int, help="batch size (default 64)")
    p.add_argument("--optimizer", help="sgd, momentum, nesterov, adam, ... (default adam)")
    p.add_argument("--lr", type=float, dest="learning_rate", help="learning rate")
    p.add_argument("--schedule", help="learning-rate schedule: exponential, cosine, onecycle")
    p.add_argument("--encoding", help="label encoding: sparse, onehot, binary, regression")
    p.add_argument("--data-format", help="auto, channels_last or channels_first (default auto)")
    p.add_argument("--data", action="append", metavar="KEY=VALUE", help="dataset option")
    p.add_argument("--hp", action="append", metavar="KEY=VALUE", help="hyperparameter")
    p.add_argument("--train-size", type=int, help="training images (default 4000)")
    p.add_argument("--val-size", type=int, help="validation images (default 1000)")
    p.add_argument("--seed", type=int, help="seed for data, weights and shuffling (default 0)")
    p.add_argument(
        "--augment",
        action="store_true",
        default=None,
        help="apply the dataset's label-preserving augmentations",
    )
    p.add_argument(
        "--deterministic",
        action="store_true",
        default=None,
        help="bit-identical weights for the same seed on the same machine",
    )
    p.add_argument(
        "--lr-backoff",
        action="store_true",
        default=None,
        help="on a NaN loss, retry from the last good checkpoint at half the rate",
    )
    p.add_argument("--precision", help="mixed_float16 or mixed_bfloat16 (GPU)")
    p.add_argument("--jit-compile", action="store_true", default=None, help="XLA (GPU)")
    p.add_argument("--out", help="run directory (default runs/DATASET-ARCH-TIME)")
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in --out from its last completed epoch",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="print only the summary line")
    p.set_defaults(func=_run)


SETTINGS = (
    "epochs",
    "batch_size",
    "optimizer",
    "learning_rate",
    "schedule",
    "encoding",
    "data_format",
    "train_size",
    "val_size",
    "seed",
    "augment",
    "deterministic",
    "lr_backoff",
    "precision",
    "jit_compile",
)


def _run(args: argparse.Namespace) -> int:
    from kerazoo.training.run import train

    if args.resume and not args.out:
        raise InvalidOptionError("--resume needs --out RUNDIR: the run to continue.")
    if not args.resume and not (args.dataset and args.arch):
        raise InvalidOptionError(
            "kerazoo train needs DATASET and ARCH, e.g. 'kerazoo train shapes lenet' "
            "(see 'kerazoo list')."
        )
    settings = {k: getattr(args, k) for k in SETTINGS if getattr(args, k) is not None}
    run = train(
        args.dataset,
        args.arch,
        data=parse_pairs(args.data, "--data"),
        hp=parse_pairs(args.hp, "--hp"),
        out=args.out,
        resume=args.resume,
        verbose=0 if args.quiet else "auto",
        **settings,
    )
    if args.quiet:
        shown = ", ".join(f"{k} {v:.4g}" for k, v in run.metrics.items())
        print(f"{shown}. Model saved to {run.model_path}")
    return 0
