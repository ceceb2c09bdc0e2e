"""The one image decoder: a file or PIL image -> ``uint8 [H, W, C]``, the same everywhere.

Training (the ``folder`` dataset) and inference (the Predictor) read images through this
module only, so a model sees the same pixels from the same file whichever way it arrives.
The rules:

- **Files**: a name ending in one of :data:`IMAGE_SUFFIXES` (case does not matter), and a
  regular file: a FIFO, device or socket is refused without waiting for it.
- **Pixel limit**: Pillow's ``PIL.Image.MAX_IMAGE_PIXELS``, for every image. An image with
  more pixels is refused before it is decoded (Pillow's ``DecompressionBombWarning`` is
  turned into an error) with an :class:`ImageFileError` naming the file.
- **Orientation**: the EXIF orientation tag is applied. **Animations**: the first frame.
- **Deep greys**: 16-bit and 32-bit integer greys (modes ``"I;16*"``, ``"I"``) are clipped
  to 0..65535 and scaled to the full 8-bit range: ``round(v / 257)``.
- **Transparency** (RGBA, LA, PA, a palette or colour key with transparency): composited
  onto black, then the alpha channel is dropped.
- **Other modes** (CMYK, YCbCr, ``"1"``, palettes, ...): converted to RGB or grey (L) by
  Pillow; 32-bit float greys (``"F"``) are clipped to 0..255 by Pillow.
- The result is ``uint8 [H, W, C]`` with C = 1 for grey sources and 3 for colour sources,
  plus notes of what changed pixels (``"16-bit -> 8-bit"``, ``"alpha composited onto
  black"``, ``"CMYK -> RGB"``, ``"first frame of 12"``, ``"EXIF orientation applied"``).

Then one channel conversion (:func:`convert_channels`: grey is repeated to RGB, RGB becomes
grey by the ITU-R 601-2 luma, as Pillow's ``"L"``) and one resize (:func:`resize`: Pillow
bilinear, per image) bring it to a model's size; :func:`conform` does both, in that order.
"""

from __future__ import annotations

import os
import stat
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from kerazoo._errors import DataError
from kerazoo._files import file_kind

__all__ = [
    "IMAGE_SUFFIXES",
    "ImageFileError",
    "conform",
    "convert_channels",
    "decode_image",
    "read_image",
    "resize",
]

#: File name endings read as images (compared in lower case).
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm")
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R 601-2, as PIL's "L"
_NAMES = {1: "grayscale", 2: "2-channel", 3: "RGB", 4: "RGBA"}
_DEEP = {"I;16": "16-bit", "I;16L": "16-bit", "I;16B": "16-bit", "I;16N": "16-bit", "I": "32-bit"}
_GREY = ("1", "L", "LA", "La", "F") + tuple(_DEEP)
_LIMIT_HINT = "Shrink the image, or raise PIL.Image.MAX_IMAGE_PIXELS if you trust the file."


class ImageFileError(DataError):
    """An image that cannot be used: unreadable, or above the pixel limit.

    Attributes:
        source: the file (or how the image is named).
        reason: why, without the file name.
        too_large: True when the image is above ``PIL.Image.MAX_IMAGE_PIXELS``.
    """

    def __init__(self, source: str, reason: str, too_large: bool = False) -> None:
        if too_large:
            msg = f"Image '{source}' is refused unread: {reason} {_LIMIT_HINT}"
        else:
            msg = f"Cannot read image '{source}': {reason}"
        super().__init__(msg)
        self.source, self.reason, self.too_large = source, reason, too_large


def read_image(path: str | Path) -> tuple[np.ndarray, list[str]]:
    """Decode one image file by the module's rules.

    Args:
        path: the file; any format Pillow reads (the name is not checked here).

    Returns:
        ``(pixels, notes)``: ``uint8 [H, W, C]`` with C = 1 or 3, and what changed pixels.

    Raises:
        ImageFileError: (a DataError) naming the file: not a regular file, not an image
            Pillow can decode, or above ``PIL.Image.MAX_IMAGE_PIXELS`` (then it is not
            decoded at all).

    Example:
        >>> pixels, notes = read_image("scan.png")                     # doctest: +SKIP
        >>> pixels.dtype, pixels.shape, notes                          # doctest: +SKIP
        (dtype('uint8'), (480, 640, 1), ['16-bit -> 8-bit'])
    """
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with _open_regular(path) as fh, Image.open(fh) as img:
                return decode_image(img, str(path))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageFileError(str(path), f"{exc}", too_large=True) from None
    except ImageFileError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageFileError(str(path), f"{type(exc).__name__}: {exc}") from None


def _open_regular(path: str | Path) -> Any:
    """The file opened for reading, if it is a regular file (a FIFO does not block the open)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fh = open(os.open(path, flags), "rb")  # noqa: SIM115 (returned, closed by the caller)
    mode = os.fstat(fh.fileno()).st_mode
    if not stat.S_ISREG(mode):
        fh.close()
        raise ImageFileError(str(path), f"it is {file_kind(mode)}, not a regular file.")
    return fh


def decode_image(img: Any, source: str = "image") -> tuple[np.ndarray, list[str]]:
    """Decode an opened PIL image by the module's rules (the first frame of an animation).

    Args:
        img: a ``PIL.Image.Image`` in any mode, loaded or not.
        source: how errors name it (its file name, or ``#i``).

    Returns:
        ``(pixels, notes)``: ``uint8 [H, W, C]`` with C = 1 or 3, and what changed pixels.

    Raises:
        ImageFileError: the image is above ``PIL.Image.MAX_IMAGE_PIXELS``, or Pillow
            cannot decode or convert it.

    Example:
        >>> from PIL import Image
        >>> pixels, notes = decode_image(Image.new("LA", (4, 2), (200, 0)))
        >>> pixels.shape, int(pixels.max()), notes
        ((2, 4, 1), 0, ['alpha composited onto black'])
    """
    from PIL import Image, ImageOps

    limit = Image.MAX_IMAGE_PIXELS
    w, h = img.size
    if limit is not None and w * h > limit:
        reason = f"{w}x{h} = {w * h} pixels is above the limit of {limit} pixels."
        raise ImageFileError(source, reason, too_large=True)
    notes: list[str] = []
    try:
        frames = getattr(img, "n_frames", 1)
        if frames > 1:
            img.seek(0)
            notes.append(f"first frame of {frames}")
        img.load()
        if img.getexif().get(0x0112, 1) in range(2, 9):  # the Orientation tag: 1 is upright
            notes.append("EXIF orientation applied")
        img = ImageOps.exif_transpose(img)
        return _pixels(img, notes), notes
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageFileError(source, f"{type(exc).__name__}: {exc}") from None


def _pixels(img: Any, notes: list[str]) -> np.ndarray:
    """``uint8 [H, W, 1 or 3]`` from a loaded, upright PIL image."""
    mode = img.mode
    if mode in _DEEP:
        raw = np.asarray(img).astype(np.float64)
        notes.append(f"{_DEEP[mode]} -> 8-bit")
        return np.round(np.clip(raw, 0, 65535) / 257.0).astype(np.uint8)[..., None]
    grey = mode in _GREY or (mode == "P" and img.palette is not None and img.palette.mode == "L")
    if mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in img.info:
        rgba = np.asarray((img.convert("LA") if mode == "La" else img).convert("RGBA"))
        alpha = rgba[..., 3:].astype(np.uint16)
        if (alpha < 255).any():
            notes.append("alpha composited onto black")
        out = ((rgba[..., :3] * alpha + 127) // 255).astype(np.uint8)  # round(c * a / 255)
        return out[..., :1] if grey else out
    if mode in ("L", "RGB"):
        out = np.asarray(img)
    elif grey:
        if mode == "F":
            notes.append("32-bit float -> 8-bit (clipped to 0..255)")
        out = np.asarray(img.convert("L"))
    else:
        if mode not in ("P", "RGBX"):
            notes.append(f"{mode} -> RGB")
        out = np.asarray(img.convert("RGB"))
    return out.reshape(out.shape[0], out.shape[1], -1)


def convert_channels(batch: np.ndarray, want: int, notes: list[str]) -> np.ndarray:
    """Convert ``uint8 [N, H, W, C]`` to ``want`` channels, noting the change.

    Grey is repeated to RGB; RGB becomes grey by the ITU-R 601-2 luma (as Pillow's ``"L"``);
    a 4th (alpha) channel is dropped; a 4-channel model gets an opaque alpha channel.

    Args:
        batch: ``uint8 [N, H, W, C]``.
        want: the model's channel count.
        notes: where the conversion is noted (``"RGB -> grayscale"``), when it happens.

    Returns:
        ``uint8 [N, H, W, want]`` (the batch itself when it already has ``want``).

    Raises:
        DataError: there is no standard conversion (say 3 channels to 2).

    Example:
        >>> notes = []
        >>> convert_channels(np.zeros((1, 2, 2, 3), np.uint8), 1, notes).shape, notes
        ((1, 2, 2, 1), ['RGB -> grayscale'])
    """
    c = batch.shape[3]
    if c == want:
        return batch
    src, dst = _NAMES.get(c, f"{c}-channel"), _NAMES.get(want, f"{want}-channel")
    note = f"{src} -> {dst}"
    if c == 4 and want in (1, 3):
        batch, c, note = batch[..., :3], 3, note + " (alpha dropped)"
    if c == 3 and want == 1:
        out = np.round(batch.astype(np.float32) @ _LUMA)[..., None].clip(0, 255).astype(np.uint8)
    elif c == 1 and want in (3, 4):
        out = np.repeat(batch, 3, axis=3)
    elif c == 3 and want in (3, 4):
        out = batch
    else:
        raise DataError(
            f"The input has {c} channels ({src}) and the model takes {want} ({dst}); "
            "there is no standard conversion. Pass grayscale, RGB or RGBA images."
        )
    if want == 4:
        out = np.concatenate([out, np.full_like(out[..., :1], 255)], axis=3)
    notes.append(note)
    return out


def resize(img: np.ndarray, width: int, height: int) -> np.ndarray:
    """Resize one ``uint8 [H, W, C]`` image with Pillow's bilinear filter.

    Args:
        img: one image, any channel count (1, 3 and 4 in one go, others plane by plane).
        width: the new width.
        height: the new height.

    Returns:
        ``uint8 [height, width, C]``.

    Example:
        >>> resize(np.zeros((4, 6, 3), np.uint8), width=3, height=2).shape
        (2, 3, 3)
    """
    from PIL import Image

    bilinear = Image.Resampling.BILINEAR
    if img.shape[2] in (1, 3, 4):
        mode = {1: "L", 3: "RGB", 4: "RGBA"}[img.shape[2]]
        src = img[..., 0] if mode == "L" else img
        out = np.asarray(Image.fromarray(src, mode).resize((width, height), bilinear))
        return out.reshape(height, width, img.shape[2])
    planes = [
        Image.fromarray(img[..., k]).resize((width, height), bilinear) for k in range(img.shape[2])
    ]
    return np.stack([np.asarray(p) for p in planes], axis=2)


def conform(
    batch: np.ndarray, height: int, width: int, channels: int, notes: list[str]
) -> np.ndarray:
    """Bring ``uint8 [N, H, W, C]`` to a model's channels, then its size, noting each change.

    Args:
        batch: ``uint8 [N, H, W, C]``.
        height: the model's input height.
        width: the model's input width.
        channels: the model's channel count.
        notes: where changes are noted (``"resized 16x16 -> 8x8"``, HxW as ``size=``).

    Returns:
        ``uint8 [N, height, width, channels]``.

    Raises:
        DataError: a channel count with no standard conversion.

    Example:
        >>> notes = []
        >>> conform(np.zeros((1, 16, 16, 3), np.uint8), 8, 8, 1, notes).shape, notes
        ((1, 8, 8, 1), ['RGB -> grayscale', 'resized 16x16 -> 8x8'])
    """
    batch = convert_channels(batch, channels, notes)
    h, w = batch.shape[1:3]
    if (h, w) != (height, width):
        batch = np.stack([resize(img, width, height) for img in batch])
        note = f"resized {h}x{w} -> {height}x{width}"
        if abs(w / h - width / height) > 0.01:
            note += " (aspect ratio changed)"
        notes.append(note)
    return batch
