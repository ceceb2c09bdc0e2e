"""``kerazoo look maps`` as one call: the feature maps of each image, or the kernels, with
the files named when there are several (:mod:`kerazoo.interpret._maps` draws).

Example:
    >>> look_maps("runs/shapes-lenet/model.keras", "runs/shapes-lenet/maps")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["look_maps", "numbered"]


def look_maps(
    model: Any,
    out: str | Path,
    *,
    layers: Sequence[str] | None = None,
    kernels: bool = False,
    images: Sequence[str | Path] | None = None,
    count: int = 1,
    seed: int = 1,
) -> tuple[list[Path], list[str]]:
    """Draw the feature maps of image files or fresh samples, or a model's kernels.

    Args:
        model: a ``keras.Model`` or a saved model's path.
        out: a folder (files ``maps-LAYER.png``, ``kernels-LAYER.png``) or a picture name
            (several files: ``NAME-imageN``, ``NAME-LAYER`` beside it).
        layers: layers with maps (default: every convolution and pooling layer); with
            ``kernels``, convolutions (default: the first).
        kernels: draw the convolution kernels instead of the maps of images.
        images, count, seed: image files, or ``count`` fresh samples of the model's dataset.

    Returns:
        ``(files written, notes on how image files were brought to the model's input)``.
    """
    from kerazoo.interpret import _maps as maps, _probe as probe
    from kerazoo.interpret._look_images import look_images

    model, info = probe.load(model)
    out = Path(out)
    if kernels:
        names: list[str | None] = list(layers or [None])
        return [
            maps.draw_kernels(model, numbered(out, name, len(names)), name) for name in names
        ], []
    pixels, _, notes = look_images(info, images, count, seed)
    written: list[Path] = []
    for i, image in enumerate(pixels):
        if images:
            subject = f"{str(images[i])!r}"
        else:
            subject = f"fresh {info.dataset.name} sample #{i} (seed {seed})"
        path = numbered(out, f"image{i + 1}", len(pixels))
        written += maps.draw_feature_maps(model, path, image, layers, subject=subject)
    return written, notes


def numbered(out: Path, name: str | None, count: int) -> Path:
    """``out`` itself for one file; for several, ``STEM-NAME.SUFFIX`` beside a picture name
    (``.png``, ``.jpg``...) or the sub-folder ``NAME`` of a folder.

    Example:
        >>> numbered(Path("x.png"), "conv1", 2)
        PosixPath('x-conv1.png')
    """
    from kerazoo.data._preview import is_picture_name

    if count == 1 or name is None:
        return out
    if is_picture_name(out):
        return out.with_name(f"{out.stem}-{name}{out.suffix}")
    return out / name
