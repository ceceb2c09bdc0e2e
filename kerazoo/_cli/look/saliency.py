"""``kerazoo look saliency``: where a model's class score comes from, and how well it points
at the object (``--score``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from kerazoo._cli.look import add_image_args
from kerazoo._views import View
from kerazoo.interpret._methods import SALIENCY_METHODS
from kerazoo.interpret._saliency_look import PICTURE_COUNT, SCORE_COUNT


class Saliency(View):
    """``kerazoo look saliency``: registered in the entry-point group ``kerazoo.views``."""

    help = "saliency maps (gradients, SmoothGrad, Grad-CAM, occlusion) and their score"
    description = (
        "Draw saliency maps of the predicted class over images, one column per "
        "method; with --score, also score and check each method on fresh samples of the "
        "model's dataset: pointing game and share of attribution inside the objects' masks "
        "(beside a flat map's and a centre point's scores), deletion and insertion areas "
        "(beside a random pixel order's), and the rank correlation of its maps once the "
        "weights are randomised from the logits down; the table says which methods pass, "
        "the picture marks those that fail, and Grad-CAM is scored on every convolution. "
        "Example: kerazoo look saliency runs/shapes-lenet --score"
    )
    report_groups = {"saliency": ("Saliency", "Where the network looks.")}

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--method",
            action="append",
            metavar="M",
            help=f"a saliency method (repeatable): {', '.join(SALIENCY_METHODS)}; default: all",
        )
        p.add_argument(
            "--layer",
            metavar="NAME",
            help="Grad-CAM's layer, any layer with a 4-D output (default: the last convolution)",
        )
        add_image_args(p, count=PICTURE_COUNT)
        p.set_defaults(count=None)  # the default depends on --score: see run()
        p.add_argument(
            "--score",
            action="store_true",
            help=f"print each method's scores and checks on --count fresh samples with masks "
            f"(default {SCORE_COUNT}); the picture shows the first {PICTURE_COUNT} of them",
        )
        p.add_argument(
            "--tolerance",
            type=float,
            default=1.0,
            metavar="PX",
            help="with --score: a pointing-game hit may lie this many pixels outside the mask "
            "(default 1)",
        )
        p.add_argument("--out", metavar="PATH", help="the PNG (default: saliency.png by the model)")

    def run(self, model: str, args: argparse.Namespace) -> list[Path]:
        """Draw the view, print where it went; the files written."""
        return run_saliency(args)


def run_saliency(args: argparse.Namespace) -> list[Path]:
    """Draw the picture; with ``--score``, print the score table first."""
    from kerazoo._cli import model_path
    from kerazoo.interpret._saliency_look import saliency_pictures

    done = saliency_pictures(
        model_path(args.model),  # loaded once the flags are checked
        View.out_path(args.model, args, "saliency.png").parent,
        methods=args.method,
        layer=args.layer,
        score=args.score,
        images=args.images,
        count=args.count,
        seed=args.seed,
        tolerance=args.tolerance,
        out=args.out,
    )
    for line in done.lines():
        print(line)
    return [done.path]
