"""``kerazoo look maximize``: the images that excite a layer's filters (and the classes) most,
found by gradient ascent; or, with ``--top K``, the dataset images that excite each filter
most.

Pictures go beside the model (in its run folder) unless ``--out`` says where.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from kerazoo._cli.look import load_model
from kerazoo._errors import InvalidOptionError
from kerazoo._views import View
from kerazoo.interpret._maximize_pictures import STEPS as _STEPS

__all__ = ["Maximize"]


class Maximize(View):
    """``kerazoo look maximize``: registered in the entry-point group ``kerazoo.views``."""

    help = "images that excite each filter or class most (activation maximisation)"
    description = (
        "Gradient ascent on the input image, from seeded noise around grey, for "
        "--steps steps: an image that excites a filter (or a class's logit) strongly; all "
        "filters of a layer in one batch. Default: the last convolution's filters, and the "
        "classes. With --top K: the K images of fresh samples of the model's dataset that "
        "excite each filter most. Example: kerazoo look maximize runs/shapes-lenet --layer conv1"
    )
    report_groups = {
        "maximize": ("Activation maximisation", "The input each filter or class likes most."),
        "top": ("Top images", "The images that excite each filter most."),
    }

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        which = p.add_mutually_exclusive_group()
        which.add_argument("--layer", help="maximise this layer's filters (a Dense layer: units)")
        which.add_argument(
            "--classes",
            nargs="?",
            const="",
            metavar="C,C",
            help="maximise the class logits only: all classes, or these names or indices",
        )
        p.add_argument("--filters", metavar="I,I", help="filter indices, e.g. 0,1,2 (default: all)")
        p.add_argument("--steps", type=int, default=_STEPS, help=f"ascent steps (default {_STEPS})")
        p.add_argument(
            "--seed",
            type=int,
            help="seed of the starting noise and the jitter (default 0); with --top, of the "
            "fresh samples (default 1: not the training images)",
        )
        for name, what in (
            ("jitter", "random shifts"),
            ("l2", "decay towards grey"),
            ("tv", "total variation"),
            ("blur_every", "periodic blur"),
        ):
            flag = "--no-" + name.split("_")[0]
            p.add_argument(
                flag, dest=f"no_{name}", action="store_true", help=f"switch off the {what}"
            )
        p.add_argument(
            "--top",
            dest="k",
            type=int,
            metavar="K",
            help="instead: the K dataset images that excite each filter most",
        )
        p.add_argument(
            "--count", type=int, default=256, help="fresh samples searched by --top (default 256)"
        )
        p.add_argument(
            "--out",
            help="the picture to write, e.g. x.png or x.jpg (with the classes too: x-classes.png "
            "beside it)",
        )

    def run(self, model: str, args: argparse.Namespace) -> list[Path]:
        """Draw the view, print where it went; the files written."""
        return run_maximize(args)


def run_maximize(args: argparse.Namespace) -> list[Path]:
    """Draw the pictures the flags ask for; print where they went."""
    from kerazoo.interpret._maximize_pictures import maximize_pictures, regularizers_without

    model, _ = load_model(args)
    off = [k for k in ("jitter", "l2", "tv", "blur_every") if getattr(args, f"no_{k}")]
    classes: Any = args.classes
    if classes is not None:
        classes = [c.strip() for c in classes.split(",")] if classes else True
    done = maximize_pictures(
        model,
        View.out_path(args.model, args, "maximize.png").parent,  # beside the model, unless --out
        out=args.out,
        layer=args.layer,
        classes=classes,
        filters=_ints(args.filters, "--filters") if args.filters else None,
        steps=args.steps,
        seed=args.seed,
        regularizers=regularizers_without(*off),
        k=args.k,
        count=args.count,
    )
    for line in done.lines():
        print(line)
    return list(done.written)


def _ints(text: str, flag: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise InvalidOptionError(
            f"{flag} takes indices separated by commas, like {flag} 0,1,2; got {text!r}."
        ) from None
