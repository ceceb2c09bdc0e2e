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

_PARAMS = ("fft", "maco", "pixel")  # kerazoo.interpret._param.PARAMETRISATIONS (keras-free here)
_DEFAULT_PARAM = "fft"  # kerazoo.interpret._maximize.DEFAULT_PARAM

__all__ = ["Maximize"]


class Maximize(View):
    """``kerazoo look maximize``: registered in the entry-point group ``kerazoo.views``."""

    help = "images that excite each filter or class most (activation maximisation)"
    description = (
        "Gradient ascent on the input image for --steps steps: an image that excites a "
        "filter (or a class against the others) strongly; all filters of a layer in one "
        "batch. --param fft (default) optimises a 1/frequency-scaled spectrum, with random "
        "shifts, zooms and rotations every step; --param maco only the spectrum's phase, "
        "its magnitude fixed to the training images'; --param pixel the pixels, with "
        "regularisers. Default: the last convolution's filters, and the classes. Printed: "
        "how many filters beat the best of --samples dataset images, and how many class "
        "images their model (and a --transfer model) classifies as their class. With --top "
        "K: the K images of fresh samples of the model's dataset that excite each filter "
        "most. Example: kerazoo look maximize runs/shapes-lenet --layer conv1"
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
        _add_fft_arguments(p)
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
            p.add_argument(flag, dest=f"no_{name}", action="store_true", help=f"pixel: no {what}")
        p.add_argument(
            "--top",
            dest="k",
            type=int,
            metavar="K",
            help="instead: the K dataset images that excite each filter most",
        )
        p.add_argument(
            "--samples",
            type=int,
            default=256,
            metavar="N",
            help="fresh dataset samples searched by --top, and that the filters' images are "
            "measured against (default 256)",
        )
        p.add_argument(
            "--out",
            help="the picture to write, e.g. x.png or x.jpg (with the classes too: x-classes.png "
            "beside it)",
        )

    def run(self, model: str, args: argparse.Namespace) -> list[Path]:
        """Draw the view, print where it went; the files written."""
        return run_maximize(args)


def _add_fft_arguments(p: argparse.ArgumentParser) -> None:
    """The parametrisation, several images per unit, the saved images, the transfer judge."""
    p.add_argument(
        "--param",
        choices=_PARAMS,
        default=None,
        help="what the ascent optimises: fft (a 1/f-scaled spectrum, decorrelated colour, "
        "random transformations), maco (the phase of a spectrum whose magnitude is the "
        "training images'; needs the model's dataset) or pixel (the pixels). Default: "
        f"{_DEFAULT_PARAM} for filters; maco for classes (fft for a model whose dataset is "
        "not recorded)",
    )
    p.add_argument(
        "--count",
        type=int,
        default=1,
        metavar="K",
        help="images per filter or class (default 1); with fft or maco, pushed apart by "
        "--diversity",
    )
    p.add_argument(
        "--diversity",
        type=float,
        metavar="W",
        help="fft or maco with --count above 1: the weight of the diversity term (0: off)",
    )
    p.add_argument(
        "--no-transforms",
        action="store_true",
        help="fft or maco: no random shifts, zooms and rotations",
    )
    p.add_argument(
        "--save-images",
        metavar="DIR",
        help="also write each image as a lossless PNG at the input size: DIR/<class>/<k>.png "
        "or DIR/<layer>/<filter>/<k>.png",
    )
    p.add_argument(
        "--transfer",
        metavar="MODEL",
        help="another model of the same classes: print how many class images it "
        "classifies as their class",
    )


def run_maximize(args: argparse.Namespace) -> list[Path]:
    """Draw the pictures the flags ask for; print where they went."""
    from kerazoo._cli import model_path
    from kerazoo.interpret._maximize_pictures import maximize_pictures, regularizers_without

    model, _ = load_model(args)
    off = [k for k in ("jitter", "l2", "tv", "blur_every") if getattr(args, f"no_{k}")]
    transforms = None
    if args.no_transforms:
        from kerazoo.interpret._param import Transforms

        transforms = Transforms(jitter=0, scale=0, rotate=0)
    _check_param_flags(args, off)
    if args.k is not None and args.count != 1:
        raise InvalidOptionError(
            f"--count {args.count} is the number of images per filter of the ascent; --top "
            f"searches --samples N dataset images. Use --samples {args.count} with --top."
        )
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
        samples=args.samples,
        param=args.param,
        count=args.count,
        diversity=args.diversity,
        transforms=transforms,
        save_images=args.save_images,
        transfer=model_path(args.transfer) if args.transfer else None,
    )
    for line in done.lines():
        print(line)
    return list(done.written)


def _check_param_flags(args: argparse.Namespace, off: list[str]) -> None:
    """Refuse, in flags, an option of the parametrisation the ascent does not use."""
    param = args.param or _DEFAULT_PARAM
    if param != "pixel":
        given = ["--no-" + k.split("_")[0] for k in off]
    else:
        given = ["--no-transforms"] * bool(args.no_transforms)
        given += ["--diversity"] * (args.diversity is not None)
    if given:
        other = "pixel" if param != "pixel" else "fft"
        used = f"--param {param}" if args.param else "--param fft or maco (the defaults)"
        raise InvalidOptionError(
            f"{given[0]} applies to --param {other} only; this ascent uses {used}. Leave it "
            f"out, or add --param {other}."
        )


def _ints(text: str, flag: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise InvalidOptionError(
            f"{flag} takes indices separated by commas, like {flag} 0,1,2; got {text!r}."
        ) from None
