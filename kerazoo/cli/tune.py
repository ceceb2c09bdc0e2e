"""``kerazoo tune``: a keras-tuner search over an architecture's ranges and the settings."""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import Any

from kerazoo.cli import parse_pairs


def register(sub: Any) -> None:
    from kerazoo.cli.options import add_setting_flags

    p = sub.add_parser(
        "tune",
        help="search hyperparameters and training settings with keras-tuner",
        description="Search ARCH's hyperparameters (their declared ranges) and the tunable "
        "training settings (optimizer, learning rate, batch size, ...) with keras-tuner, "
        "all trials on the same data. Writes --out: tuner/ (keras-tuner's project), "
        "trials.csv, trials.json and histories.csv (best first) and best/ (the best model, "
        "an ordinary run folder). The same command again continues an interrupted search. "
        "Example: kerazoo tune shapes lenet --trials 20 --epochs 3",
    )
    p.add_argument("dataset", help="dataset name (see 'kerazoo list datasets')")
    p.add_argument("arch", help="architecture name (see 'kerazoo list architectures')")
    p.add_argument("--tuner", default="random", choices=("random", "bayesian", "hyperband"),
                   help="search strategy (default random; bayesian needs scikit-learn; "
                   "hyperband: --epochs is the most epochs a trial reaches)")  # fmt: skip
    p.add_argument("--trials", type=int, default=10, help="trials in the search (default 10)")
    p.add_argument("--objective", help="metric to optimise (default val_accuracy, or val_mae "
                   "for regression; also val_loss, loss)")  # fmt: skip
    p.add_argument("--data", action="append", metavar="KEY=VALUE", help="dataset option")
    p.add_argument("--hp", action="append", metavar="KEY=VALUE",
                   help="hyperparameter fixed in every trial (not searched)")  # fmt: skip
    p.add_argument("--space", action="append", metavar="KEY=LOW:HIGH|A,B,C",
                   help="narrow one searched entry: a range or a list of values, e.g. "
                   "--space learning_rate=1e-4:1e-1 --space optimizer=adam,sgd")  # fmt: skip
    add_setting_flags(p)  # a setting given here is fixed, not searched
    p.add_argument("--out", help="output folder (default runs/tune-DATASET-ARCH-TIME); "
                   "an existing search there is continued")  # fmt: skip
    p.add_argument("--overwrite", action="store_true",
                   help="remove the previous search in --out and start over")  # fmt: skip
    p.add_argument("--top", type=int, default=10, help="rows of the table shown (default 10)")
    p.add_argument("--quiet", "-q", action="store_true", help="no line per trial")
    p.add_argument("--json", action="store_true",
                   help="print only one JSON object: the best trial, model and test metrics, "
                   "and every trial's values and objective")  # fmt: skip
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from kerazoo.cli.options import sigterm_interrupts
    from kerazoo.experiments.tune import tune
    from kerazoo.training.settings import SETTINGS

    settings = {k: getattr(args, k) for k in SETTINGS if getattr(args, k) is not None}
    try:
        with sigterm_interrupts():
            result = tune(
                args.dataset, args.arch,
                data=parse_pairs(args.data, "--data"), hp=parse_pairs(args.hp, "--hp"),
                tuner=args.tuner, trials=args.trials, out=args.out, objective=args.objective,
                space=parse_pairs(args.space, "--space"), overwrite=args.overwrite,
                verbose=not (args.quiet or args.json), **settings,
            )  # fmt: skip
    except KeyboardInterrupt:
        again = " ".join(shlex.quote(a) for a in sys.argv[1:]) if args.out else ""
        hint = f" Run the same command to continue: kerazoo {again}" if again else ""
        print(f"\nkerazoo tune: interrupted; the finished trials are kept.{hint}",
              file=sys.stderr)  # fmt: skip
        return 130
    if args.json:
        _print_json(result)
        return 0
    from kerazoo.experiments.tune_results import format_table

    print()
    print(format_table(result.trials, result.objective, result.searched, top=args.top))
    print(f"\nAll trials: {result.dir / 'trials.csv'} (histories: histories.csv)")
    if result.model_path is None:
        print("No trial finished: no best model. See the status and message columns.")
        return 1
    print(f"Best model: {result.model_path}")
    return 0


def _print_json(result: Any) -> None:
    import json

    best = result.best
    doc = {
        "dir": str(result.dir),
        "objective": result.objective,
        "direction": result.direction,
        "best": None if best is None else {
            "trial": best.trial, "value": best.objective,
            "hyperparameters": best.hyperparameters,
            "model": str(result.model_path), "test": result.test,
        },
        "trials": [
            {"trial": t.trial, "value": t.objective, "status": t.status, "epochs": t.epochs,
             "seconds": t.seconds, "hyperparameters": t.hyperparameters}
            for t in result.trials
        ],
    }  # fmt: skip
    print(json.dumps(doc, indent=2, default=str))
