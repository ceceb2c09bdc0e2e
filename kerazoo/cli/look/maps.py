"""``kerazoo look maps``: the feature maps of a trained model for an image, or its kernels."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from kerazoo.cli.look import add_image_args, add_model_arg, load_model, out_path, read_images


def register(views: Any) -> None:
    p = views.add_parser(
        "maps",
        help="feature maps of the convolution and pooling layers for an image, or kernels",
        description="Draw every feature map of each convolution and pooling layer (or of "
        "the --layer ones) for an image: one PNG per layer, each map in grey on its own "
        "range. With --kernels, draw a convolution's weights instead. Files go into --out "
        "(default: the folder 'maps' in the run folder). "
        "Example: kerazoo look maps runs/shapes-lenet --layer conv1",
    )
    add_model_arg(p)
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
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from kerazoo.interpret import maps

    model, info = load_model(args)
    out = out_path(args, "maps")
    written = []
    if args.kernels:
        layers = args.layer or [None]
        for name in layers:
            written.append(maps.draw_kernels(model, _numbered(out, name, len(layers)), name))
    else:
        images, _ = read_images(args, info)
        for i, image in enumerate(images):
            if args.images:
                subject = f"{args.images[i]!r}"
            else:
                subject = f"fresh {info.dataset.name} sample #{i} (seed {args.seed})"
            path = _numbered(out, f"image{i + 1}", len(images))
            written += maps.draw_feature_maps(model, path, image, args.layer, subject=subject)
    for path in written:
        print(path)
    return 0


def _numbered(out: Path, name: str | None, count: int) -> Path:
    """``out`` itself for one file; for several, ``STEM-NAME.SUFFIX`` beside a picture name
    (``.png``, ``.jpg``...) or the sub-folder ``NAME`` of a folder."""
    from kerazoo.data.preview import is_picture_name

    if count == 1 or name is None:
        return out
    if is_picture_name(out):
        return out.with_name(f"{out.stem}-{name}{out.suffix}")
    return out / name
