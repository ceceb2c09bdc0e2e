"""``kerazoo compare``: variants of one experiment side by side over seeds."""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import Any

from kerazoo._cli import parse_pairs

# The setting flags and SIGTERM handling are train's own, shared so both commands agree.
from kerazoo._cli.options import add_setting_flags, add_track_flag, sigterm_interrupts
from kerazoo.interpret._maximize_pictures import STEPS as _CLASS_STEPS

_EXAMPLE = (
    'kerazoo compare shapes chopped_vgg --variant "half: width=0.5" '
    '--variant "no-dense: dense_layers=0" --seeds 3 --epochs 3'
)


def register(sub: Any) -> None:
    p = sub.add_parser(
        "compare",
        help="train variants side by side over seeds and judge each against the baseline",
        description="Train each variant (a name plus KEY=VALUE changes: hyperparameters, "
        "dataset options or training settings) and a baseline over the same seeds, then "
        "print a table (parameters, test metric mean and spread, train time, inference "
        "ms/image, a verdict on whether each difference exceeds the seed noise) and write "
        "comparison.csv, comparison.json, curves.png, inside.png and (classification) "
        "classes.png into --out. Every run "
        "is an ordinary run folder OUT/VARIANT/seed-N: running the same command again "
        f"reuses finished runs and resumes the others. Example: {_EXAMPLE}",
    )
    p.add_argument("dataset", help="dataset name (see 'kerazoo list datasets')")
    p.add_argument("arch", help="architecture name (see 'kerazoo list architectures')")
    p.add_argument(
        "--variant",
        dest="variants",
        action="append",
        metavar='"NAME: KEY=VALUE ..."',
        help="a variant; a key in two tables needs a prefix hp., data. or train.",
    )
    p.add_argument(
        "--file",
        metavar="VARIANTS.toml",
        help="variants from a TOML file: [variants] name = { key = value }, optional seeds "
        "and [shared]",
    )
    p.add_argument(
        "--seeds",
        metavar="N|S,S,...",
        help="a count (3: seeds 0, 1, 2) or the seeds (0,1,2) (default 3, or the file's)",
    )
    p.add_argument("--no-baseline", action="store_true", help="leave out the baseline run")
    p.add_argument("--data", action="append", metavar="KEY=VALUE", help="dataset option, all")
    p.add_argument("--hp", action="append", metavar="KEY=VALUE", help="hyperparameter, all")
    add_setting_flags(p)
    for action in p._actions:  # argparse lists its options only here
        if action.dest == "seed":
            action.help = argparse.SUPPRESS  # compare takes --seeds
    p.add_argument("--out", help="comparison folder (default runs/compare-DATASET-ARCH-TIME)")
    add_track_flag(p)
    p.add_argument(
        "--inside-steps",
        type=int,
        default=64,
        metavar="N",
        help="gradient-ascent steps of inside.png's images (0: no inside.png; default 64)",
    )
    p.add_argument(
        "--classes-steps",
        type=int,
        default=_CLASS_STEPS,
        metavar="N",
        help="classification: gradient-ascent steps of classes.png's images, each class's "
        "logit maximised as 'kerazoo look maximize --classes' does (0: no classes.png; "
        f"default {_CLASS_STEPS}, that command's)",
    )
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from kerazoo.experiments._compare import compare, default_dir
    from kerazoo.experiments._variants_file import variants_request
    from kerazoo.training._settings import SETTINGS

    settings = {k: getattr(args, k) for k in SETTINGS if getattr(args, k) is not None}
    request = variants_request(list(args.variants or ()), args.file)
    seeds = args.seeds or request["seeds"] or 3
    out = args.out or str(default_dir(args.dataset, args.arch))
    try:
        with sigterm_interrupts():
            compare(
                args.dataset,
                args.arch,
                request["variants"],
                seeds=seeds,
                data=parse_pairs(args.data, "--data"),
                hp=parse_pairs(args.hp, "--hp"),
                shared=request["shared"],
                out=out,
                baseline=not args.no_baseline,
                inside_steps=args.inside_steps,
                classes_steps=args.classes_steps,
                track=args.track,
                **settings,
            )
    except KeyboardInterrupt:
        again = sys.argv[1:] + ([] if args.out else ["--out", out])
        print(
            f"\nkerazoo compare: interrupted. The runs so far are kept in {out}; the same "
            f"command continues where it stopped: {shlex.join(['kerazoo', *again])}",
            file=sys.stderr,
        )
        return 130
    return 0
