"""``kerazoo train``: train an architecture on a dataset and save a run directory."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
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
    p.add_argument("--data", action="append", metavar="KEY=VALUE", help="dataset option")
    p.add_argument("--hp", action="append", metavar="KEY=VALUE", help="hyperparameter")
    _add_setting_flags(p)
    p.add_argument("--out", help="run directory (default runs/DATASET-ARCH-TIME)")
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in --out from its last completed epoch",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="print only the summary line")
    _add_looking_flags(p)
    p.set_defaults(func=_run)


def _add_looking_flags(p: argparse.ArgumentParser) -> None:
    """Views recorded while training (kerazoo.interpret callbacks), written to the run."""
    g = p.add_argument_group("looking inside while training")
    g.add_argument(
        "--snapshot",
        metavar="LAYER[,LAYER...]",
        help="record these layers' feature maps ('output': a reconstruction) on a fixed "
        "validation image while training; writes snapshots/LAYER.gif and LAYER.png",
    )
    g.add_argument(
        "--snapshot-every",
        type=int,
        metavar="N",
        help="batches between snapshots (default: about 40 frames over the run)",
    )
    g.add_argument(
        "--stats",
        action="store_true",
        help="record activation statistics of every layer with weights or an activation; "
        "writes activation_stats.png and warns when a layer's activations die or explode",
    )
    g.add_argument(
        "--stats-every",
        type=int,
        metavar="N",
        help="batches between statistics (default: about 40 points over the run)",
    )


def _looking_callbacks(args: argparse.Namespace) -> list[Any]:
    callbacks: list[Any] = []
    if args.snapshot:
        from kerazoo.interpret.snapshots import Snapshots

        layers = [name.strip() for name in args.snapshot.split(",") if name.strip()]
        callbacks.append(Snapshots(layers, every=args.snapshot_every))
    if args.stats:
        from kerazoo.interpret.stats import ActivationStats

        callbacks.append(ActivationStats(every=args.stats_every))
    return callbacks


def _add_setting_flags(p: argparse.ArgumentParser) -> None:
    """One flag per training setting, with its help, default and choices from the table."""
    from kerazoo.training.settings import FLAGS, SETTINGS

    for name, param in SETTINGS.items():
        flag = FLAGS.get(name, "--" + name.replace("_", "-"))
        if param.kind is bool:
            p.add_argument(flag, dest=name, action="store_true", default=None, help=param.help)
            continue
        allowed = f"{param.describe()}; " if param.choices or param.low is not None else ""
        shown = param.default
        if shown is None:  # no value: the choice "none" where there is one, else automatic
            shown = "none" if "none" in (param.choices or ()) else "auto"
        kind = param.kind if param.kind in (int, float) else str
        switch = {} if kind is not str or param.kind is str else {"nargs": "?", "const": "true"}
        p.add_argument(
            flag, dest=name, type=kind, metavar=name.upper(), **switch,
            help=f"{param.help} ({allowed}default {shown})",
        )  # fmt: skip


def _run(args: argparse.Namespace) -> int:
    from kerazoo.training.run import train

    if args.resume and not args.out:
        raise InvalidOptionError("--resume needs --out RUNDIR: the run to continue.")
    if not args.resume and not (args.dataset and args.arch):
        raise InvalidOptionError(
            "kerazoo train needs DATASET and ARCH, e.g. 'kerazoo train shapes lenet' "
            "(see 'kerazoo list')."
        )
    from kerazoo.training.settings import SETTINGS, check_settings

    settings = {k: getattr(args, k) for k in SETTINGS if getattr(args, k) is not None}
    if args.resume:  # every flag here was given: a value equal to its default counts too
        from kerazoo.training.rundir import read_run_json

        given = {k: v for k, v in check_settings(settings).items() if k in settings}
        read_run_json(Path(args.out), given, explicit=True)
    try:
        run = train(
            args.dataset,
            args.arch,
            data=parse_pairs(args.data, "--data"),
            hp=parse_pairs(args.hp, "--hp"),
            out=args.out,
            resume=args.resume,
            verbose=0 if args.quiet else "auto",
            callbacks=_looking_callbacks(args),
            **settings,
        )
    except KeyboardInterrupt as exc:
        kept = getattr(exc, "run_dir", None)
        resume = f" Continue it with: kerazoo train --resume --out {shlex.quote(str(kept))}"
        where = f" The run so far is kept in {kept}.{resume}" if kept else ""
        print(f"\nkerazoo train: interrupted.{where}", file=sys.stderr)
        return 130
    if args.quiet:
        shown = ", ".join(f"{k} {v:.4g}" for k, v in run.metrics.items())
        print(f"{shown}. Model saved to {run.model_path}")
    return 0
