"""``kerazoo data``: look at a dataset (a labelled preview grid) or export it as PNG files.

``kerazoo data preview NAME --out grid.png`` draws samples in a grid, each tile titled with
its label; ``kerazoo data export NAME DIR --n N`` writes PNG files (one folder per class for
classification, readable again by the ``folder`` dataset) and ``labels.csv``.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from kerazoo import registry
from kerazoo.cli import parse_pairs
from kerazoo.data.dataset import Dataset, Samples
from kerazoo.errors import DataError, InvalidOptionError
from kerazoo.task import Task

__all__ = ["export_samples", "label_text", "preview_grid", "register"]

#: Largest tile side in inches, and the resolution of the preview.
TILE_INCHES, DPI = 1.4, 100
#: Exports at least this long report progress on stderr, about every 10%.
PROGRESS_FROM = 500


def register(sub: Any) -> None:
    """Add ``kerazoo data preview`` and ``kerazoo data export`` to the command line."""
    p = sub.add_parser(
        "data",
        help="preview or export a dataset",
        description="Look at a dataset as a labelled grid of samples, or export it as PNG "
        "files with a labels.csv. Dataset options are given as --data KEY=VALUE "
        "(see 'kerazoo list datasets --verbose').",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION")

    pv = actions.add_parser(
        "preview",
        help="write a labelled grid of samples to a PNG file",
        description="Write a grid of samples, each titled with its class name or value.",
    )
    _common(pv)
    pv.add_argument("--n", type=int, default=16, help="number of samples (default 16)")
    pv.add_argument("--out", required=True, help="PNG file to write, e.g. grid.png")
    pv.add_argument("--cols", type=int, default=None, help="tiles per row (default: square)")
    pv.add_argument("--masks", action="store_true", help="tint the object masks in red")
    pv.set_defaults(func=_preview)

    ex = actions.add_parser(
        "export",
        help="write samples as PNG files plus labels.csv",
        description="Write samples as PNG files under DIR: one sub-folder per class for "
        "classification (the layout the 'folder' dataset reads), flat files otherwise, "
        "and DIR/labels.csv with columns file,label. DIR must be new or empty.",
    )
    _common(ex)
    ex.add_argument("dir", metavar="DIR", help="folder to write into (new or empty)")
    ex.add_argument("--n", type=int, required=True, help="number of samples")
    ex.set_defaults(func=_export)

    p.set_defaults(func=lambda args: _help(p))


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", metavar="NAME", help="dataset name, e.g. shapes")
    p.add_argument(
        "--data",
        action="append",
        metavar="KEY=VALUE",
        help="a dataset option, repeatable, e.g. --data size=32",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")


def _help(p: argparse.ArgumentParser) -> int:
    p.print_help()
    return 0


def _samples(args: argparse.Namespace) -> tuple[Dataset, Samples]:
    options = parse_pairs(args.data, "--data")
    if args.n < 0:
        raise InvalidOptionError(f"--n must be >= 0, got {args.n}.")
    ds = registry.get_dataset(args.name, **options)
    return ds, ds.generate(args.n, seed=args.seed)


def _preview(args: argparse.Namespace) -> int:
    ds, data = _samples(args)
    out = preview_grid(data, ds.task, args.out, cols=args.cols, show_masks=args.masks)
    print(f"Wrote a preview of {len(data)} '{args.name}' samples to {out}")
    return 0


def _export(args: argparse.Namespace) -> int:
    ds, data = _samples(args)
    csv_path = export_samples(data, ds.task, args.dir, progress=sys.stderr)
    folders = (
        f" in {len(set(data.labels.tolist()))} class folders"
        if ds.task.kind == "classification" and data.labels is not None
        else ""
    )
    print(
        f"Wrote {len(data)} '{args.name}' images{folders} and {csv_path.name} to {csv_path.parent}"
    )
    return 0


def label_text(task: Task, label: Any) -> str:
    """How a label reads: the class name, the value (an integer for counts), or ``""``.

    Example:
        >>> label_text(Task.classification(["cat", "dog"]), 1)
        'dog'
        >>> label_text(Task.regression(1, 5, integer=True), np.float32(3.0))
        '3'
    """
    if task.kind == "classification":
        return task.class_names[int(label)]
    if task.kind == "regression":
        value = float(label)
        return str(int(round(value))) if task.integer else f"{value:.4g}"
    return ""


def preview_grid(
    samples: Samples,
    task: Task,
    path: str | Path,
    cols: int | None = None,
    show_masks: bool = False,
) -> Path:
    """Draw samples in a grid, each tile titled with its label, and save it as a PNG.

    Args:
        samples: what ``dataset.generate`` returned.
        task: the dataset's task (for the titles; reconstruction tiles have none).
        path: the PNG file to write (parent folders are created).
        cols: tiles per row; default about the square root of the count.
        show_masks: tint the object masks in red, when the samples have masks.

    Returns:
        The path written.

    Example:
        >>> ds = kerazoo.get_dataset("shapes", size=32)                  # doctest: +SKIP
        >>> preview_grid(ds.generate(9), ds.task, "grid.png")            # doctest: +SKIP
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    k = len(samples)
    if k == 0:
        raise DataError("There are no samples to preview: ask for --n 1 or more.")
    if cols is not None and cols < 1:
        raise InvalidOptionError(f"--cols must be >= 1, got {cols}.")
    cols = min(k, cols or math.ceil(math.sqrt(k)))
    rows = math.ceil(k / cols)
    h, w, c = samples.images.shape[1:]
    scale = TILE_INCHES / max(h, w)
    title = 0.0 if task.kind == "reconstruction" else 0.25
    fig = Figure(figsize=(cols * (w * scale + 0.1), rows * (h * scale + 0.1 + title)), dpi=DPI)
    FigureCanvasAgg(fig)
    for i in range(k):
        ax = fig.add_subplot(rows, cols, i + 1)
        img = samples.images[i]
        if c == 1:
            ax.imshow(img[..., 0], cmap="gray", vmin=0, vmax=255, interpolation="nearest")
        else:
            ax.imshow(img[..., :3], interpolation="nearest")
        if show_masks and samples.masks is not None:
            tint = np.zeros((h, w, 4), dtype=np.float32)
            tint[samples.masks[i]] = (1.0, 0.0, 0.0, 0.4)
            ax.imshow(tint, interpolation="nearest")
        if samples.labels is not None:
            ax.set_title(label_text(task, samples.labels[i]), fontsize=8)
        ax.set_axis_off()
    fig.tight_layout(pad=0.3)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format="png")
    return out


def _safe_folder_name(name: str) -> str:
    bad = (
        not name
        or name in (".", "..")
        or name.startswith(".")
        or any(ch in name for ch in '/\\:*?"<>|\0')
    )
    if bad:
        raise DataError(
            f"The class name {name!r} cannot be a folder name; export needs class names "
            "without path separators or a leading dot."
        )
    return name


def export_samples(
    samples: Samples, task: Task, directory: str | Path, progress: Any = None
) -> Path:
    """Write samples as PNG files and ``labels.csv`` (columns ``file,label``) under a folder.

    Classification samples go to one sub-folder per class (``DIR/<class>/00000.png``, the
    layout the ``folder`` dataset reads back); regression and reconstruction samples go
    straight into ``DIR``. Files are numbered in sample order; ``file`` in the CSV is
    relative to ``DIR``; ``label`` is the class name, the value, or empty.

    Args:
        samples: what ``dataset.generate`` returned.
        task: the dataset's task.
        directory: a folder that does not exist yet or is empty.
        progress: a text stream for a progress line every ~10% (long exports only).

    Returns:
        The path of ``labels.csv``.

    Raises:
        DataError: the folder is not empty, or a class name cannot be a folder name.

    Example:
        >>> ds = kerazoo.get_dataset("shapes", size=32)                       # doctest: +SKIP
        >>> export_samples(ds.generate(100), ds.task, "shapes_png")           # doctest: +SKIP
        PosixPath('shapes_png/labels.csv')
    """
    from PIL import Image

    root = Path(directory)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise DataError(
            f"{str(root)!r} exists and is not an empty folder. Export into a new or empty "
            "folder, so old files do not mix with the new ones."
        )
    k = len(samples)
    width = max(5, len(str(max(k - 1, 0))))
    classes = task.kind == "classification" and samples.labels is not None
    if classes:
        for name in task.class_names:
            _safe_folder_name(name)
    root.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[str, str]] = []
    step = max(1, k // 10)
    for i in range(k):
        img = samples.images[i]
        label = "" if samples.labels is None else label_text(task, samples.labels[i])
        rel = f"{label}/{i:0{width}d}.png" if classes else f"{i:0{width}d}.png"
        target = root / rel
        target.parent.mkdir(exist_ok=True)
        Image.fromarray(img[..., 0] if img.shape[2] == 1 else img).save(target)
        rows.append((rel, label))
        if progress is not None and k >= PROGRESS_FROM and ((i + 1) % step == 0 or i + 1 == k):
            print(f"  exported {i + 1}/{k} images", file=progress, flush=True)
    csv_path = root / "labels.csv"
    with open(csv_path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(("file", "label"))
        writer.writerows(rows)
    return csv_path
