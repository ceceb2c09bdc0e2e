"""``kerazoo train``: train an architecture on a dataset and save a run directory."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from kerazoo.cli import parse_pairs
from kerazoo.cli.options import add_setting_flags, sigterm_interrupts
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
    add_setting_flags(p)
    p.add_argument("--out", help="run directory (default runs/DATASET-ARCH-TIME)")
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in --out from its last completed epoch",
    )
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
    g.add_argument(
        "--callback",
        action="append",
        metavar="NAME",
        help="add an installed training callback (repeatable; 'kerazoo plugins' lists them)",
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
    return [*callbacks, *(args.callback or [])]  # names: train() makes the installed ones


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
    data, hp = parse_pairs(args.data, "--data"), parse_pairs(args.hp, "--hp")
    if args.resume:  # every flag here was given: a value equal to its default counts too
        from kerazoo.training.rundir import read_run_json

        given = {k: v for k, v in check_settings(settings).items() if k in settings}
        saved = read_run_json(Path(args.out), given, explicit=True)
        _check_resume_names(args, saved, data, hp)
        args.dataset = args.arch = None  # the run's own, as checked
        data, hp = {}, {}
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
        _print_json(_run_summary(run))
    elif args.quiet:
        shown = ", ".join(f"{k} {v:.4g}" for k, v in {**run.metrics, **_prefixed(run)}.items())
        print(f"{shown}. Model saved to {run.model_path}")
    return 0


def _prefixed(run: Any) -> dict[str, float]:
    return {f"test_{k}": v for k, v in run.test.items()}


def _run_summary(run: Any) -> dict[str, Any]:
    """What ``--json`` prints for a finished run (``run.json`` holds the same status)."""
    import json

    doc = json.loads((run.dir / "run.json").read_text())
    return {
        "status": doc.get("status"),
        "dir": str(run.dir),
        "model": str(run.model_path),
        "epochs": len(next(iter(run.history.values()), [])),
        "metrics": run.metrics,
        "test": run.test,
        "baseline": run.baseline,
    }


def _print_json(doc: dict[str, Any]) -> None:
    import json

    print(json.dumps(doc, indent=2, default=float))


def _check_resume_names(
    args: argparse.Namespace, saved: dict[str, Any], data: dict[str, str], hp: dict[str, str]
) -> None:
    """A resumed run keeps its dataset and architecture: refuse others, do not ignore them."""
    wrong = []
    for given, kind in ((args.dataset, "dataset"), (args.arch, "architecture")):
        if given is not None and given != saved[kind]["name"]:
            wrong.append(f"{kind} {given!r} (the run trains {saved[kind]['name']!r})")
    for pairs, flag, kind, key in (
        (data, "--data", "dataset", "options"),
        (hp, "--hp", "architecture", "hyperparameters"),
    ):
        own = saved[kind][key]
        wrong += [
            f"{flag} {k}={v} (the run has {k}={own.get(k)!r})"
            for k, v in pairs.items()
            if str(own.get(k)) != v
        ]
    if wrong:
        raise InvalidOptionError(
            f"--resume continues the run in {args.out} with its own dataset, architecture and "
            f"options; these differ: {'; '.join(wrong)}. Leave them out to resume "
            "(kerazoo train --resume --out RUNDIR), or start a new run with another --out."
        )
