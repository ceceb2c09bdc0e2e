"""``kerazoo tune``: a keras-tuner search over an architecture's ranges and the settings."""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import Any

from kerazoo._cli import parse_pairs
from kerazoo._errors import InvalidOptionError


def register(sub: Any) -> None:
    from kerazoo._cli.options import add_setting_flags, add_track_flag

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
    p.add_argument("dataset", nargs="?", help="dataset name (see 'kerazoo list datasets')")
    p.add_argument("arch", nargs="?", help="architecture name (see 'kerazoo list architectures')")
    p.add_argument(
        "--tuner",
        default="random",
        choices=("random", "bayesian", "hyperband"),
        help="search strategy (default random; bayesian needs scikit-learn; "
        "hyperband: --epochs is the most epochs a trial reaches)",
    )
    p.add_argument("--trials", type=int, default=10, help="trials in the search (default 10)")
    p.add_argument(
        "--objective",
        help="metric to optimise (default val_accuracy, or val_mae "
        "for regression; also val_loss, loss)",
    )
    p.add_argument("--data", action="append", metavar="KEY=VALUE", help="dataset option")
    p.add_argument(
        "--hp",
        action="append",
        metavar="KEY=VALUE",
        help="hyperparameter fixed in every trial (not searched)",
    )
    p.add_argument(
        "--space",
        action="append",
        metavar="KEY=LOW:HIGH|A,B,C",
        help="narrow one searched entry: a range or a list of values, e.g. "
        "--space learning_rate=1e-4:1e-1 --space optimizer=adam,sgd",
    )
    add_setting_flags(p)  # a setting given here is fixed, not searched
    p.add_argument(
        "--out",
        help="output folder (default runs/tune-DATASET-ARCH-TIME); "
        "an existing search there is continued",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="remove the previous search in --out and start over",
    )
    add_track_flag(p)
    _add_process_flags(p)
    _add_output_flags(p)
    p.set_defaults(func=_run)


def _add_output_flags(p: argparse.ArgumentParser) -> None:
    """What the search prints: the table's length, a line per trial, or one JSON object."""
    p.add_argument("--top", type=int, default=10, help="rows of the table shown (default 10)")
    p.add_argument("--quiet", "-q", action="store_true", help="no line per trial")
    p.add_argument(
        "--json",
        action="store_true",
        help="print only one JSON object: the best trial, model and test metrics, "
        "and every trial's values and objective",
    )


def _add_process_flags(p: argparse.ArgumentParser) -> None:
    """Flags for a search spread over processes: local workers, or a chief and its workers."""
    g = p.add_argument_group("several processes (keras-tuner's chief and workers)")
    g.add_argument(
        "--workers",
        type=int,
        default=0,
        metavar="K",
        help="run trials in K worker processes on this machine, this one being "
        "the chief (loopback only)",
    )
    g.add_argument(
        "--allow-oversubscribe",
        action="store_true",
        help="with --workers: start K workers even beyond this machine's CPU "
        "cores (by default at most one per core, and one per trial)",
    )
    g.add_argument(
        "--chief",
        metavar="HOST:PORT",
        help="be the chief of a cluster: serve the search on HOST:PORT (e.g. "
        "0.0.0.0:8000) and wait for workers started on other machines",
    )
    g.add_argument(
        "--worker",
        type=int,
        metavar="I",
        help="be worker I (1, 2, ...) of the chief at --oracle: DATASET, ARCH and "
        "every option come from the chief's --out/tune.json",
    )
    g.add_argument("--oracle", metavar="HOST:PORT", help="with --worker: the chief's address")
    g.add_argument(
        "--wait",
        type=float,
        default=600.0,
        metavar="S",
        help="with --worker: seconds to wait for the chief's tune.json (default 600)",
    )


def _run(args: argparse.Namespace) -> int:
    from kerazoo._cli.options import sigterm_interrupts
    from kerazoo.experiments._tune import tune
    from kerazoo.experiments._tune_results import check_top
    from kerazoo.training._settings import SETTINGS

    check_top(args.top)  # before the search: the table is shown at its end
    settings = {k: getattr(args, k) for k in SETTINGS if getattr(args, k) is not None}
    if args.worker is not None:
        return _run_worker(args, settings)
    try:
        with sigterm_interrupts():
            result = tune(
                args.dataset,
                args.arch,
                data=parse_pairs(args.data, "--data"),
                hp=parse_pairs(args.hp, "--hp"),
                tuner=args.tuner,
                trials=args.trials,
                out=args.out,
                objective=args.objective,
                space=parse_pairs(args.space, "--space"),
                overwrite=args.overwrite,
                verbose=not (args.quiet or args.json),
                workers=args.workers,
                chief=args.chief,
                allow_oversubscribe=args.allow_oversubscribe,
                track=args.track,
                **settings,
            )
    except KeyboardInterrupt:
        again = " ".join(shlex.quote(a) for a in sys.argv[1:]) if args.out else ""
        hint = f" Run the same command to continue: kerazoo {again}" if again else ""
        print(f"\nkerazoo tune: interrupted; the finished trials are kept.{hint}", file=sys.stderr)
        return 130
    if args.json:
        _print_json(result)
        return 0
    from kerazoo.experiments._tune_results import format_table

    print()
    print(format_table(result.trials, result.objective, result.searched, top=args.top))
    print(f"\nAll trials: {result.dir / 'trials.csv'} (histories: histories.csv)")
    if result.tensorboard is not None:
        print(f"TensorBoard (HParams tab: every trial): tensorboard --logdir {result.dir}")
    if result.model_path is None:
        print("No trial finished: no best model. See the status and message columns.")
        return 1
    print(f"Best model: {result.model_path}")
    return 0


def _run_worker(args: argparse.Namespace, settings: dict[str, Any]) -> int:
    """``--worker I --oracle HOST:PORT --out OUT``: everything else is the chief's."""
    from kerazoo._cli.options import sigterm_interrupts
    from kerazoo.experiments._tune_worker import tune_worker

    extra = [
        flag
        for flag, given in (
            ("DATASET", args.dataset),
            ("ARCH", args.arch),
            ("--data", args.data),
            ("--hp", args.hp),
            ("--space", args.space),
            ("--chief", args.chief),
            ("--workers", args.workers),
            ("--allow-oversubscribe", args.allow_oversubscribe),
            ("training settings", settings),
        )
        if given
    ]
    if extra or not args.oracle or not args.out:
        raise InvalidOptionError(
            "A worker takes --worker I --oracle HOST:PORT --out FOLDER and nothing else"
            + (f" (got {', '.join(extra)})" if extra else "")
            + ": the search comes from the chief's FOLDER/tune.json, e.g. kerazoo tune "
            "--worker 1 --oracle 10.0.0.5:8000 --out /shared/tune-lenet"
        )
    try:
        with sigterm_interrupts():
            ran = tune_worker(
                args.out, args.worker, args.oracle, wait=args.wait, verbose=not args.quiet
            )
    except KeyboardInterrupt:
        print(
            f"\nkerazoo tune: worker {args.worker} interrupted; start it again with the "
            "same --worker number to rerun its trial.",
            file=sys.stderr,
        )
        return 130
    if not args.quiet:
        print(f"worker {args.worker}: the search is over; this worker ran {ran} trials.")
    return 0


def _print_json(result: Any) -> None:
    import json

    print(json.dumps(result.summary(), indent=2, default=str))
