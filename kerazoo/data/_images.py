"""Input images in any common form -> the model's input contract.

:func:`image_batch` turns a file, PIL image or array (HxW, HWC or CHW; uint8 or float in
``[0, 1]``; gray, RGB or RGBA) into ``uint8 [N, H, W, C]`` of the model's size and channel
count, and reports every conversion that changed pixels (the Predictor's ``notes``). Files
and PIL images are decoded by :mod:`kerazoo.data.decode`, exactly as the ``folder`` dataset
decodes them; then all inputs share its channel conversion and resize.
:func:`image_files` lists the images in a folder tree, in natural order.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from kerazoo._errors import DataError
from kerazoo._naming import natural_key
from kerazoo._task import InputSpec
from kerazoo.data.decode import IMAGE_SUFFIXES, conform, decode_image, read_image

__all__ = ["IMAGE_SUFFIXES", "image_batch", "image_files"]


def image_batch(label: str, item: Any, spec: InputSpec) -> tuple[np.ndarray, bool, list[str]]:
    """Turn one input into ``uint8 [N, H, W, C]`` of ``spec``'s size and channel count.

    Args:
        label: how messages name the input (its path, or ``#i``).
        item: a ``Path``, a PIL image or an array (one image or a batch, HWC or CHW,
            uint8 or float in ``[0, 1]``).
        spec: the model's input contract.

    Returns:
        ``(batch, single, notes)``: the channels_last batch, whether the input was one
        image, and the conversions that changed pixels (decoding, channels, resizing).

    Raises:
        DataError: an unreadable file or PIL image, one above ``PIL.Image.MAX_IMAGE_PIXELS``
            (refused unread), a wrong rank, float pixels outside ``[0, 1]``, a
            channel count with no standard conversion.

    Example:
        >>> batch, single, notes = image_batch("#0", np.zeros((32, 32, 3)), spec)  # doctest: +SKIP
        >>> notes                                                      # doctest: +SKIP
        ['RGB -> grayscale', 'resized 32x32 -> 64x64']
    """
    notes: list[str] = []
    if isinstance(item, Path) or _is_pil(item):
        pixels, notes = read_image(item) if isinstance(item, Path) else decode_image(item, label)
        batch, single = pixels[None], True
    else:
        batch, single = _as_nhwc(item, label, spec)
        batch = _to_uint8(batch, label)
    return conform(batch, spec.height, spec.width, spec.channels, notes), single, notes


def image_files(folder: Path, skipped: list[Path] | None = None) -> list[Path]:
    """The image files in ``folder`` and all its sub-folders, in natural order.

    Paths are sorted part by part in natural order (``2.png`` before ``10.png``, folder
    ``circle/`` before ``square/``), so the order is the same on every machine. Files and
    folders whose names start with ``"."`` are skipped; linked folders are not followed.
    Only regular files (or links to them) are listed: a FIFO, device or socket with an
    image name is left out (reading it could wait forever), and added to ``skipped``.

    Args:
        folder: the folder to search, e.g. one written by ``kerazoo data export``
            (``DIR/<class>/00001.png``).
        skipped: a list to which the image names that are not regular files are added.

    Returns:
        The paths of the files whose names end in one of :data:`IMAGE_SUFFIXES`.

    Raises:
        DataError: the folder tree holds no image file.

    Example:
        >>> image_files(Path("shapes_png"))[:2]                        # doctest: +SKIP
        [PosixPath('shapes_png/circle/00000.png'), PosixPath('shapes_png/circle/00003.png')]
    """
    found: list[Path] = []
    others: list[Path] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for f in files:
            if not f.startswith(".") and os.path.splitext(f)[1].lower() in IMAGE_SUFFIXES:
                (found if Path(root, f).is_file() else others).append(Path(root, f))
    if skipped is not None:
        skipped += others
    if not found:
        raise DataError(
            f"Folder '{folder}' has no image files, in it or in its sub-folders (looked for "
            f"regular files named {', '.join(IMAGE_SUFFIXES)})."
        )
    return sorted(found, key=lambda f: ([natural_key(p) for p in f.relative_to(folder).parts], f))


def _is_pil(item: Any) -> bool:
    return type(item).__module__.startswith("PIL.")


def _as_nhwc(a: Any, label: str, spec: InputSpec) -> tuple[np.ndarray, bool]:
    """A batch ``[N, H, W, C]`` (any dtype), and whether the input was one image."""
    a = np.asarray(a)
    single = a.ndim in (2, 3)
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim == 3:
        a = a[None]
    if a.ndim != 4:
        raise DataError(
            f"Input {label} has {a.ndim} dimensions (shape {a.shape}); expected one image "
            "(H, W), (H, W, C) or (C, H, W), or a batch (N, H, W, C) or (N, C, H, W)."
        )
    if 0 in a.shape:
        raise DataError(f"Input {label} is empty (shape {a.shape}).")
    chans = {1, 3, 4, spec.channels}
    first, last = a.shape[1] in chans, a.shape[3] in chans
    if last and not (first and spec.data_format == "channels_first"):
        return a, single
    if first:
        return a.transpose(0, 2, 3, 1), single
    raise DataError(
        f"Cannot tell the channel axis of input {label} with shape {a.shape[int(single) :]}: "
        "expected (H, W), (H, W, C) or (C, H, W) with C in 1, 3, 4. For a batch of "
        "grayscale images add a channel axis: (N, H, W, 1)."
    )


def _to_uint8(a: np.ndarray, label: str) -> np.ndarray:
    if a.dtype == np.uint8:
        return a
    if a.dtype == np.bool_:
        return a.astype(np.uint8) * 255
    if np.issubdtype(a.dtype, np.integer):
        lo, hi = int(a.min()), int(a.max())
        if lo < 0 or hi > 255:
            raise DataError(
                f"Input {label} has integer pixels in [{lo}, {hi}]; integers must be in "
                "0..255 (or pass floats in [0, 1])."
            )
        return a.astype(np.uint8)
    if np.issubdtype(a.dtype, np.floating):
        if not np.isfinite(a).all():
            raise DataError(f"Input {label} contains NaN or infinite pixel values.")
        lo, hi = float(a.min()), float(a.max())
        if lo < 0.0 or hi > 1.0:
            raise DataError(
                f"Input {label} has float pixels in [{lo:g}, {hi:g}]; float images must be "
                "in [0, 1]. For 0..255 values pass a uint8 array: x.astype('uint8')."
            )
        return np.round(a * 255.0).astype(np.uint8)
    raise DataError(f"Input {label} has dtype {a.dtype}; expected uint8 or float pixels.")
