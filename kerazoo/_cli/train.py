"""``kerazoo train``: train an architecture on a dataset and save a run directory."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from kerazoo._cli import parse_pairs
from kerazoo._cli.options import add_setting_flags, add_track_flag, sigterm_interrupts


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
    add_setting_flags(p)
    p.add_argument("--out", help="run directory (default runs/DATASET-ARCH-TIME)")
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in --out from its last completed epoch",
    )
    add_track_flag(p)
    p.add_argument("--quiet", "-q", action="store_true", help="print only the summary line")
    p.add_argument(
        "--json",
        action="store_true",
        help="print only one JSON object: status, run folder, metrics and test metrics",
    )
    _add_looking_flags(p)
    p.set_defaults(func=_run)


def _add_looking_flags(p: argparse.ArgumentParser) -> None:
    """Views recorded while training (kerazoo.interpret callbacks), written to the run."""
    g = p.add_argument_group("looking inside while training")
    g.add_argument(
        "--snapshot",
        metavar="LAYER[,LAYER...]",
        help="record these layers' feature maps ('output': a reconstruction) on a fixed "
        "validation image while training; writes snapshots/LAYER.gif and LAYER.png. "
        "'weights:LAYER' records the layer's kernel instead, one tile per filter: "
        "snapshots/weights-LAYER.gif and .png",
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
    g.add_argument(
        "--callback",
        action="append",
        metavar="NAME",
        help="add an installed training callback (repeatable; 'kerazoo plugins' lists them)",
    )


def _looking_callbacks(args: argparse.Namespace) -> list[Any]:
    callbacks: list[Any] = []
    if args.snapshot:
        from kerazoo.interpret._snapshots import Snapshots

        layers = [name.strip() for name in args.snapshot.split(",") if name.strip()]
        callbacks.append(Snapshots(layers, every=args.snapshot_every))
    if args.stats:
        from kerazoo.interpret._stats import ActivationStats

        callbacks.append(ActivationStats(every=args.stats_every))
    return [*callbacks, *(args.callback or [])]  # names: train() makes the installed ones


def _run(args: argparse.Namespace) -> int:
    from kerazoo.training._run import train
    from kerazoo.training._settings import SETTINGS

    settings = {k: getattr(args, k) for k in SETTINGS if getattr(args, k) is not None}
    data, hp = parse_pairs(args.data, "--data"), parse_pairs(args.hp, "--hp")
    if args.resume and args.out:  # every flag here was given: a value equal to its default too
        from kerazoo.training._resume import read_resume
        from kerazoo.training._settings import check_settings

        given = {k: v for k, v in check_settings(settings).items() if k in settings}
        read_resume(Path(args.out), given, (args.dataset, args.arch), (data, hp), explicit=True)
    try:
        with sigterm_interrupts():
            run = train(
                args.dataset,
                args.arch,
                data=data,
                hp=hp,
                out=args.out,
                resume=args.resume,
                verbose=0 if args.quiet or args.json else "auto",
                callbacks=_looking_callbacks(args),
                track=args.track,
                **settings,
            )
    except KeyboardInterrupt as exc:
        kept = getattr(exc, "run_dir", None)
        resume = f" Continue it with: kerazoo train --resume --out {shlex.quote(str(kept))}"
        where = f" The run so far is kept in {kept}.{resume}" if kept else ""
        print(f"\nkerazoo train: interrupted.{where}", file=sys.stderr)
        if args.json:
            _print_json({"status": "interrupted", "dir": str(kept) if kept else None})
        return 130
    if args.json:
        _print_json(run.summary())
    elif args.quiet:
        print(run.summary_line())
    return 0


def _print_json(doc: dict[str, Any]) -> None:
    import json

    print(json.dumps(doc, indent=2, default=float))
