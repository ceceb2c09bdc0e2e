"""``kerazoo look maximize``: the images that excite a layer's filters (and the classes) most,
found by gradient ascent; or, with ``--top K``, the dataset images that excite each filter
most.

Pictures go beside the model (in its run folder) unless ``--out`` says where.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from kerazoo.cli.look import load_model, out_path
from kerazoo.errors import IncompatibleError, InvalidOptionError
from kerazoo.views import View

__all__ = ["Maximize"]

_STEPS = 200


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
    from kerazoo.interpret import maximize_draw, probe

    model, info = load_model(args)
    filters = _ints(args.filters, "--filters") if args.filters else None
    if args.k is not None:
        return _top(args, model, info, filters)
    seed, reg = (0 if args.seed is None else args.seed), _regularizers(args)
    ascent = {"steps": args.steps, "seed": seed, "regularizers": reg}
    written = []
    if args.classes is None:
        layer = args.layer or probe.last_conv_layer(model, info)
        path = out_path(args, f"maximize-{layer}.png")
        written.append(maximize_draw.draw_filters(model, path, layer, filters, **ascent))
    classify = info.task.kind == "classification"
    if args.classes is not None or (not args.layer and classify):
        if filters is not None and args.classes is not None:
            raise IncompatibleError(
                "--filters picks a layer's filters; with --classes name the classes instead: "
                "--classes circle,square (names or indices)."
            )
        classes = [c.strip() for c in args.classes.split(",")] if args.classes else None
        path = out_path(args, "maximize-classes.png")
        if written:
            path = path.with_name(f"{path.stem}-classes{path.suffix}") if args.out else path
        written.append(maximize_draw.draw_classes(model, path, classes, **ascent))
    for path in written:
        print(f"wrote {path}")
    print(f"{args.steps} steps from seed {seed}; regularisers: {', '.join(reg.active()) or 'none'}")
    if not classify and args.classes is None and not args.layer:
        print(f"note: a {info.task.kind} model has no classes to maximise")
    return written


def _top(args: argparse.Namespace, model: Any, info: Any, filters: list[int] | None) -> list[Path]:
    from kerazoo.interpret import maximize_draw, probe

    if args.classes is not None:
        raise IncompatibleError(
            "--top shows the dataset images that excite a layer's filters; it does not take "
            "--classes. Leave out --classes (and name the layer with --layer)."
        )
    if args.count < 1:
        raise InvalidOptionError(f"--count must be at least 1, got {args.count}.")
    layer = args.layer or probe.last_conv_layer(model, info)
    seed = 1 if args.seed is None else args.seed
    images = probe.model_samples(info, args.count, seed=seed).images
    path = out_path(args, f"top-{layer}.png")
    written = maximize_draw.draw_top_images(model, path, layer, images, args.k, filters)
    print(f"wrote {written}")
    return [written]


def _regularizers(args: argparse.Namespace) -> Any:
    from dataclasses import replace

    from kerazoo.interpret.maximize import Regularizers

    off = {"jitter": 0, "l2": 0.0, "tv": 0.0, "blur_every": None}
    return replace(Regularizers(), **{k: v for k, v in off.items() if getattr(args, f"no_{k}")})


def _ints(text: str, flag: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise InvalidOptionError(
            f"{flag} takes indices separated by commas, like {flag} 0,1,2; got {text!r}."
        ) from None
