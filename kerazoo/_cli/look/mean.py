"""``kerazoo look mean``: the mean image of a dataset, overall and per class, as a picture.

A view of data rather than of a model (its ``subject`` is ``"dataset"``): ``kerazoo look
mean shapes --data size=32``. The work is :func:`kerazoo.dataset_mean`; this module parses
and prints.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kerazoo._views import View

__all__ = ["Mean"]


class Mean(View):
    """``kerazoo look mean``: registered in the entry-point group ``kerazoo.views``."""

    subject = "dataset"
    help = "the mean image of a dataset, overall and per class (a DATASET, not a model)"
    description = (
        "The mean of --n samples of DATASET (and each pixel's standard deviation), then the "
        "mean of each class, or of each band of values for regression: the classic first "
        "look at the data, and what per-pixel normalisation subtracts. Prints the mean pixel "
        "value per channel. Example: kerazoo look mean shapes --n 2000 --out mean.png"
    )
    report_groups = {
        "mean": ("Mean images of the data", "The mean sample, its spread, and each class's.")
    }

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("--n", type=int, default=1000, help="samples to average (default 1000)")
        p.add_argument("--seed", type=int, default=0, help="seed of the samples (default 0)")
        p.add_argument(
            "--bands",
            type=int,
            default=4,
            help="regression: bands of values, each with its own mean (default 4)",
        )
        p.add_argument(
            "--out",
            metavar="PICTURE",
            help="the picture to write, e.g. mean.png (default: mean-DATASET.png here)",
        )

    def run(self, dataset: str, args: argparse.Namespace) -> list[Path]:
        """Average the samples of ``dataset`` (a name), draw them, print where the picture
        went and the numbers."""
        from kerazoo._errors import option
        from kerazoo._registry import get_dataset
        from kerazoo.data._mean import dataset_mean
        from kerazoo.data._preview import picture_format

        ds = get_dataset(dataset, **self.dataset_options(args))
        out = args.out or f"mean-{ds.name or dataset}.png"
        picture_format(out)  # a name it cannot write is refused before the work
        result = dataset_mean(ds, n=args.n, seed=args.seed, bands=args.bands)
        path = result.save_picture(out)
        if result.count < args.n:
            print(
                f"note: {ds.display_name} holds {result.count} samples, fewer than "
                f"{option('n', args.n)}: the mean is of all of them.",
                file=sys.stderr,
            )
        kind = {"classification": "classes", "regression": "bands of values"}
        groups = (
            f" ({len(result.group_names)} {kind[result.task.kind]})" if result.group_names else ""
        )
        print(f"Wrote the mean of {result.count} '{result.dataset}' images{groups} to {path}")
        print(result.summary())
        return [path]
