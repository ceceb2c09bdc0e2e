"""``kerazoo compare``: variants of one experiment side by side over seeds."""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import Any

from kerazoo.cli import parse_pairs

# The setting flags and SIGTERM handling are train's own, shared so both commands agree.
from kerazoo.cli.options import add_setting_flags, sigterm_interrupts
from kerazoo.errors import InvalidOptionError

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
        "comparison.csv, comparison.json, curves.png and inside.png into --out. Every run "
        "is an ordinary run folder OUT/VARIANT/seed-N: running the same command again "
        f"reuses finished runs and resumes the others. Example: {_EXAMPLE}",
    )
    p.add_argument("dataset", help="dataset name (see 'kerazoo list datasets')")
    p.add_argument("arch", help="architecture name (see 'kerazoo list architectures')")
    p.add_argument(
        "--variant",
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
    p.add_argument(
        "--inside-steps",
        type=int,
        default=64,
        metavar="N",
        help="gradient-ascent steps of inside.png's images (0: no inside.png; default 64)",
    )
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from kerazoo.experiments.compare import compare, default_dir
    from kerazoo.experiments.variants import read_variants_file
    from kerazoo.training.settings import SETTINGS

    if args.seed is not None:
        raise InvalidOptionError(
            f"kerazoo compare runs every variant over --seeds; got --seed {args.seed}. "
            f"Give --seeds 3 (seeds 0, 1, 2) or --seeds {args.seed}."
        )
    settings = {
        k: getattr(args, k) for k in SETTINGS if k != "seed" and getattr(args, k) is not None
    }
    from_file = read_variants_file(args.file) if args.file else {}
    variants: dict[str, Any] | list[str] = list(args.variant or ())
    if from_file:
        if variants:
            raise InvalidOptionError("Give variants with --variant or --file, not both.")
        variants = from_file["variants"]
    if not variants and args.no_baseline:
        raise InvalidOptionError(
            f"Nothing to compare: give --variant or --file. Example: {_EXAMPLE}"
        )
    seeds = args.seeds or from_file.get("seeds") or 3
    out = args.out or str(default_dir(args.dataset, args.arch))
    try:
        with sigterm_interrupts():
            compare(
                args.dataset,
                args.arch,
                variants,
                seeds=seeds,
                data=parse_pairs(args.data, "--data"),
                hp=parse_pairs(args.hp, "--hp"),
                shared=from_file.get("shared"),
                out=out,
                baseline=not args.no_baseline,
                inside_steps=args.inside_steps,
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
