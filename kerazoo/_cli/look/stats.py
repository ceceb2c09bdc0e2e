"""``kerazoo look stats``: activation statistics of a saved model, and the recorded picture.

Prints, per layer, the mean, standard deviation and shares of zero activations and of
units that never fire, on fresh samples of the model's dataset (or ``--image`` files), and
warns when a layer's activations are dead or exploding. ``--out`` draws each layer's
histogram, and for a layer with an activation function its histogram before the function
beside it. When MODEL is a run folder trained with ``kerazoo train --stats``, its
``activation_stats.png`` is redrawn from the recorded numbers too.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kerazoo._cli.look import add_image_args
from kerazoo._views import View

__all__ = ["Stats"]


class Stats(View):
    """``kerazoo look stats``: registered in the entry-point group ``kerazoo.views``."""

    help = "activation statistics per layer; redraws a run's activation_stats.png"
    description = (
        "Mean, std and share of zero activations of each layer on fresh samples "
        "(or --image files), with a warning for dead or exploding layers. For a run folder "
        "trained with --stats, also redraws its activation_stats.png. The pictures show each "
        "layer's histogram, beside its histogram before its activation function (a ReLU's "
        "spike at 0 hides the shape). Example: kerazoo look stats runs/shapes-lenet --out "
        "stats.png"
    )
    report_groups = {
        "activation_stats": (
            "Activation statistics",
            "Per layer and epoch: dead or exploding units show up here first.",
        )
    }

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--layer",
            action="append",
            metavar="LAYER[,LAYER...]",
            help="layers to look at (repeatable; default: those with weights or an activation)",
        )
        add_image_args(p, count=64)
        p.add_argument(
            "--out",
            metavar="PNG",
            help="the picture: the run's recorded statistics redrawn (default: its "
            "activation_stats.png), or else these statistics as histograms, before and after "
            "each activation function (default: none)",
        )

    def run(self, model: str, args: argparse.Namespace) -> list[Path]:
        """Draw the view, print where it went; the files written."""
        return _run(args)


def _layers(values: list[str] | None) -> list[str] | None:
    names = [n.strip() for v in values or () for n in v.split(",") if n.strip()]
    return names or None


def _run(args: argparse.Namespace) -> list[Path]:
    from kerazoo.interpret._stats_look import look_stats

    done = look_stats(
        args.model,
        layers=_layers(args.layer),
        images=args.images,
        count=args.count,
        seed=args.seed,
        out=args.out,
    )
    if done.note:
        print(f"note: {done.note}", file=sys.stderr)
    for line in done.lines:
        print(line)
    return list(done.written)
