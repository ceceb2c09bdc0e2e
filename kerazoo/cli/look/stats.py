"""``kerazoo look stats``: activation statistics of a saved model, and the recorded picture.

Prints, per layer, the mean, standard deviation and shares of zero activations and of
units that never fire, on fresh samples of the model's dataset (or ``--image`` files), and
warns when a layer's activations are dead or exploding. When MODEL is a run folder trained
with ``kerazoo train --stats``, its ``activation_stats.png`` is redrawn from the recorded
numbers too.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path
from typing import Any

from kerazoo.cli.look import add_image_args, load_model, out_path, read_images
from kerazoo.views import View

__all__ = ["Stats"]


class Stats(View):
    """``kerazoo look stats``: registered in the entry-point group ``kerazoo.views``."""

    help = "activation statistics per layer; redraws a run's activation_stats.png"
    description = (
        "Mean, std and share of zero activations of each layer on fresh samples "
        "(or --image files), with a warning for dead or exploding layers. For a run folder "
        "trained with --stats, also redraws its activation_stats.png. Example: kerazoo look "
        "stats runs/shapes-lenet --count 64"
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
            "activation_stats.png), or else these statistics as histograms (default: none)",
        )

    def run(self, model: str, args: argparse.Namespace) -> list[Path]:
        """Draw the view, print where it went; the files written."""
        return _run(args)


def _layers(values: list[str] | None) -> list[str] | None:
    names = [n.strip() for v in values or () for n in v.split(",") if n.strip()]
    return names or None


def _table(stats: dict[str, Any]) -> None:
    print(
        f"{'layer':<16} {'values/image':>12} {'mean':>10} {'std':>10} {'gain':>8} "
        f"{'zero':>6} {'dead':>6} {'units':>6}"
    )
    for i, name in enumerate(stats["layers"]):
        given = stats["input_std"][0, i]
        gain = f"{stats['std'][0, i] / given:.3g}x" if given > 0 else "-"
        print(
            f"{str(name):<16} {int(stats['size'][i]):>12} {stats['mean'][0, i]:>10.4g} "
            f"{stats['std'][0, i]:>10.4g} {gain:>8} {stats['near_zero'][0, i]:>6.0%} "
            f"{stats['dead_units'][0, i]:>6.0%} {int(stats['units'][i]):>6}"
        )
    print(
        "gain: std over the std of the layer's input; zero: share of activations with "
        "|a| <= 1e-06; dead: share of units zero on every image"
    )


def _run(args: argparse.Namespace) -> list[Path]:
    from kerazoo.interpret.stats import (
        FILE,
        PICTURE,
        ActivationWarning,
        activation_warning,
        draw_activation_stats,
        layer_stats,
        read_stats,
    )

    model_path = Path(args.model)
    title = f"Activations of {model_path.name if model_path.is_dir() else model_path}"
    recorded = model_path / FILE if model_path.is_dir() else None
    if recorded is not None and not recorded.is_file():
        recorded = None
    message, written = None, []
    if recorded is None or (model_path / "model.keras").is_file():
        model, info = load_model(args)
        images, _ = read_images(args, info)
        stats = layer_stats(model, images, _layers(args.layer))
        _table(stats)
        message = activation_warning(stats)
        if args.out and recorded is None:
            path = draw_activation_stats(stats, args.out, title=title)
            print(f"Wrote {path}")
            written.append(path)
    else:
        print(f"note: {model_path} has no model.keras yet (the run did not finish)")
    if recorded is not None:
        path, history = out_path(args, PICTURE), read_stats(recorded)
        draw_activation_stats(history, path, title=title)
        print(f"Redrew {path} from {recorded} ({len(history['step'])} records)")
        written.append(path)
    if message:
        warnings.warn(message, ActivationWarning, stacklevel=1)
    return written
