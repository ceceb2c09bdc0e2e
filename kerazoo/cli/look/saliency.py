"""``kerazoo look saliency``: where a model's class score comes from, and how well it points
at the object (``--score``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from kerazoo.cli.look import add_image_args, load_model, out_path, read_images
from kerazoo.errors import IncompatibleError, InvalidOptionError, unknown_choice
from kerazoo.interpret.methods import SALIENCY_METHODS
from kerazoo.views import View

#: Images in the picture, and fresh samples scored with --score, when --count is not given.
PICTURE_COUNT, SCORE_COUNT = 4, 100


class Saliency(View):
    """``kerazoo look saliency``: registered in the entry-point group ``kerazoo.views``."""

    help = "saliency maps (gradients, SmoothGrad, Grad-CAM, occlusion) and their score"
    description = (
        "Draw saliency maps of the predicted class over images, one column per "
        "method; with --score, also score each method against the objects' masks on fresh "
        "samples of the model's dataset (pointing game and share of attribution inside the "
        "mask, beside a flat map's scores). Example: kerazoo look saliency runs/shapes-lenet "
        "--method gradcam --score"
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
            help=f"print each method's score on --count fresh samples with masks (default "
            f"{SCORE_COUNT}); the picture shows the first {PICTURE_COUNT} of them",
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
    from kerazoo.interpret.probe import model_samples
    from kerazoo.interpret.saliency_picture import draw_saliency
    from kerazoo.interpret.score import saliency_score, score_table

    methods = args.method or list(SALIENCY_METHODS)
    for method in methods:
        if method not in SALIENCY_METHODS:
            raise unknown_choice("method", method, SALIENCY_METHODS)
    if args.score and args.image:
        raise InvalidOptionError(
            "--score needs the objects' masks, which fresh samples of the model's dataset "
            f"have and image files do not; got --image {args.image[0]}. Drop --image (use "
            "--count and --seed to choose the samples)."
        )
    model, info = load_model(args)
    masks = None
    if args.score:
        args.count = SCORE_COUNT if args.count is None else args.count
        if args.count < 1:
            raise InvalidOptionError(f"--count must be at least 1, got {args.count}.")
        samples = model_samples(info, args.count, seed=args.seed)
        if samples.masks is None:
            raise IncompatibleError(
                f"--score needs the objects' masks, and the model's dataset "
                f"{info.dataset.name!r} draws none. Score a model trained on a synthetic "
                "dataset (they all draw masks), or leave --score out."
            )
        scores = [
            saliency_score(model, samples, m, tolerance=args.tolerance, layer=args.layer)
            for m in methods
        ]
        explained = "each one's true class" if info.task.kind == "classification" else "the value"
        print(
            f"saliency score on {len(samples)} fresh samples of {info.dataset.name!r} (seed "
            f"{args.seed}), explaining {explained}; pointing game within "
            f"{args.tolerance:g} px of the mask; (uniform): the score of a flat map"
        )
        print(score_table(scores))
        images = samples.images[:PICTURE_COUNT]
        masks = samples.masks[:PICTURE_COUNT]
    else:
        args.count = PICTURE_COUNT if args.count is None else args.count
        images, masks = read_images(args, info)
    path = draw_saliency(
        model, images, out_path(args, "saliency.png"), methods, masks=masks, layer=args.layer
    )
    print(f"wrote {path}")
    return [path]
