"""``kerazoo look maps``: the feature maps of a trained model for an image, or its kernels."""

from __future__ import annotations

import argparse
from pathlib import Path

from kerazoo._cli.look import add_image_args, load_model
from kerazoo._views import View


class Maps(View):
    """``kerazoo look maps``: registered in the entry-point group ``kerazoo.views``."""

    help = "feature maps of the convolution and pooling layers for an image, or kernels"
    description = (
        "Draw every feature map of each convolution and pooling layer (or of "
        "the --layer ones) for an image: one PNG per layer, each map in grey on its own "
        "range. With --kernels, draw a convolution's weights instead. Files go into --out "
        "(default: the folder 'maps' in the run folder). "
        "Example: kerazoo look maps runs/shapes-lenet --layer conv1"
    )
    report_groups = {
        "maps": ("Feature maps", "Every map of a layer on one image."),
        "kernels": ("Kernels", "The first layer's filters."),
    }

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--layer",
            action="append",
            metavar="NAME",
            help="a layer with maps (repeatable; default: every convolution and pooling layer); "
            "with --kernels, a convolution (default: the first)",
        )
        p.add_argument(
            "--kernels",
            action="store_true",
            help="draw the convolution kernels (weights) instead of the maps of an image",
        )
        add_image_args(p)
        p.add_argument(
            "--out",
            metavar="PATH",
            help="a folder (files maps-LAYER.png, kernels-LAYER.png) or a picture name such as "
            "x.png or x.jpg (files x-LAYER.png or x-LAYER.jpg beside it); default: the folder "
            "'maps' in the run folder",
        )

    def run(self, model: str, args: argparse.Namespace) -> list[Path]:
        """Draw the view, print where it went; the files written."""
        return _run(args)


def _run(args: argparse.Namespace) -> list[Path]:
    from kerazoo.interpret._maps_look import look_maps

    model, _ = load_model(args)
    written, notes = look_maps(
        model,
        View.out_path(args.model, args, "maps"),
        layers=args.layer,
        kernels=args.kernels,
        images=args.images,
        count=args.count,
        seed=args.seed,
    )
    for note in notes:
        print(f"note: {note}")
    for path in written:
        print(path)
    return list(written)
