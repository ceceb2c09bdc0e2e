"""``kerazoo look``: looking inside a trained network, one sub-command per view.

Each view lives in its own module here with ``register(subparsers)``; the shared flags (the
model, which images) are defined once below; reading the images is the library's
(:func:`kerazoo.interpret.look_images.look_images`).
"""

from __future__ import annotations

import argparse
from importlib import import_module
from pathlib import Path
from typing import Any

#: The views, in the order ``kerazoo look --help`` lists them.
VIEWS = ("maps", "maximize", "saliency", "stats")


def register(sub: Any) -> None:
    p = sub.add_parser(
        "look",
        help="look inside a trained model: feature maps, maximisation, saliency, statistics",
        description="Pictures of what a trained network computes. MODEL is a .keras file or "
        "a run folder. Example: kerazoo look maps runs/shapes-lenet",
    )
    views = p.add_subparsers(dest="view", metavar="VIEW", required=True)
    for name in VIEWS:
        import_module(f"kerazoo.cli.look.{name}").register(views)


def add_model_arg(p: argparse.ArgumentParser) -> None:
    """The MODEL positional: a saved model or a run folder."""
    p.add_argument("model", help="a .keras file, or a run folder (its model.keras)")


def load_model(args: argparse.Namespace) -> tuple[Any, Any]:
    """``(model, ModelInfo)`` for MODEL: a file, or a run folder (an unfinished run's
    ``best.keras`` or ``checkpoint.keras``, with a note), as for ``kerazoo predict``."""
    from kerazoo.cli import model_path
    from kerazoo.interpret.probe import load

    return load(model_path(args.model))


def add_image_args(p: argparse.ArgumentParser, count: int = 1) -> None:
    """Which images to look at: files, or fresh samples of the model's own dataset."""
    p.add_argument(
        "--image",
        dest="images",
        action="append",
        metavar="FILE",
        help="an image file (repeatable); default: fresh samples of the model's dataset",
    )
    p.add_argument(
        "--count",
        type=int,
        default=count,
        help=f"how many fresh samples of the model's dataset (default {count})",
    )
    p.add_argument("--seed", type=int, default=1, help="seed of the fresh samples (default 1)")


def out_path(args: argparse.Namespace, default: str) -> Path:
    """``--out``, or ``default`` beside the model (in its run folder)."""
    if getattr(args, "out", None):
        return Path(args.out)
    model = Path(args.model)
    return (model if model.is_dir() else model.parent) / default
