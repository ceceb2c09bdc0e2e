"""``kerazoo look``: looking inside a trained network, one sub-command per view.

The views are the installed :class:`kerazoo.View` plugins (entry-point group
``kerazoo.views``): kerazoo's own (``maps``, ``maximize``, ``saliency``, ``stats`` look at a
model, ``mean`` at a dataset; one module each here) and any package's, registered the same
way. The positional a view takes is its ``subject`` (:func:`kerazoo._views.add_subject`);
the shared flags (which images) are defined once below; reading the images is the library's
(:func:`kerazoo.interpret._look_images.look_images`).
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = [
    "add_image_args",
    "load_model",
    "register",
    "view_parser",
]


def register(sub: Any) -> None:
    from kerazoo._registry import current, natural_key

    p = sub.add_parser(
        "look",
        help="look inside a trained model (feature maps, maximisation, saliency, "
        "statistics) or at a dataset (its mean image)",
        description="Pictures of what a trained network computes, or of the data it learns "
        "from. MODEL is a .keras file or a run folder; DATASET a dataset name (for 'mean'). "
        "Views come from installed packages too. "
        "Example: kerazoo look maps runs/shapes-lenet; kerazoo look mean shapes",
        epilog="The options of a view: kerazoo look VIEW --help.",
    )
    views = p.add_subparsers(dest="view", metavar="VIEW", required=True)
    # Discovered, not imported: a view's package loads only when that view runs, so other
    # commands never import (or health-check) a view plugin.
    entries = current().entries("view")
    for name in sorted({e.name for e in entries}, key=natural_key):
        sources = ", ".join(e.source for e in entries if e.name == name)
        q = views.add_parser(
            name,
            help=f"from {sources} (kerazoo look {name} --help)",
            add_help=False,
            prefix_chars="\0",  # every word after NAME is the view's own: parsed in _run
        )
        q.add_argument("words", nargs="*", metavar="MODEL|DATASET [OPTIONS]")
        q.set_defaults(func=lambda args, name=name: _run(name, args.words))


def view_parser(view: Any) -> argparse.ArgumentParser:
    """The parser of ``kerazoo look NAME``: its subject (MODEL, or DATASET with ``--data``),
    then the view's own options."""
    from kerazoo._views import add_subject

    p = argparse.ArgumentParser(
        prog=f"kerazoo look {view.name}", description=view.description or view.help
    )
    add_subject(p, view)
    view.add_arguments(p)
    return p


def _run(name: str, words: list[str]) -> int:
    from kerazoo._cli import _unrecognized, command_flags
    from kerazoo._errors import option_flags
    from kerazoo._extensions import get_view

    view = get_view(name)
    parser = view_parser(view)
    args, extra = parser.parse_known_args(words)
    if extra:
        _unrecognized(parser, args, extra)  # usage, and the closest flag
    with option_flags(command_flags(parser, args)):
        view.run(getattr(args, view.subject), args)
    return 0


def load_model(args: argparse.Namespace) -> tuple[Any, Any]:
    """``(model, ModelInfo)`` for MODEL: a file, or a run folder (an unfinished run's
    ``best.keras`` or ``checkpoint.keras``, with a note), as for ``kerazoo predict``."""
    from kerazoo._cli import model_path
    from kerazoo.interpret._probe import load

    return load(model_path(args.model))


def add_image_args(p: argparse.ArgumentParser, count: int = 1) -> None:
    """Which images to look at: files, or fresh samples of the model's own dataset."""
    p.add_argument(
        "--image",
        action="append",
        dest="images",
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
