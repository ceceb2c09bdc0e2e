"""Frames to files for snapshots over training: tiles of every frame in one numpy reshape,
a strip of text above each frame, frames enlarged to be seen, and the GIF and PNG written.

Whatever a snapshot records (a layer's maps, its kernel, a reconstruction), it ends here as
``uint8`` frames ``[F, H, W]`` (grey) or ``[F, H, W, 3]`` (colour). Frames are tiled in
numpy and labelled with Pillow: a matplotlib figure per frame would cost more than the
training steps between frames.

Example:
    >>> tiles = np.zeros((2, 6, 3, 3), np.uint8)  # 2 frames of 6 tiles of 3x3
    >>> tile_frames(tiles).shape
    (2, 7, 11)
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kerazoo._files import atomic_file

__all__ = ["STRIP", "labelled", "tile_frames", "write_gif_and_png"]

#: Height in pixels of the strip of text above every frame (three lines).
STRIP = 46
#: Frames narrower than this are enlarged (whole pixels), to be seen without zooming.
_MIN_WIDTH = 160
_FRAME_MS, _LAST_MS = 120, 1500


def tile_frames(tiles: np.ndarray, pad: int = 1, fill: int = 255) -> np.ndarray:
    """Frames of tiles ``uint8 [F, k, h, w]`` (or ``[F, k, h, w, 3]``) as grids ``[F, H, W]``
    (or ``[F, H, W, 3]``): about square, ``pad`` pixels of ``fill`` between the tiles and in
    the empty places of the last row.

    One reshape for all frames, where ``pictures.tile`` loops over images: this runs at
    every epoch end over every frame so far.

    Example:
        >>> tile_frames(np.zeros((1, 3, 2, 2), np.uint8), fill=9)[0]
        array([[0, 0, 9, 0, 0],
               [0, 0, 9, 0, 0],
               [9, 9, 9, 9, 9],
               [0, 0, 9, 9, 9],
               [0, 0, 9, 9, 9]], dtype=uint8)
    """
    f, k, h, w = tiles.shape[:4]
    rest = tiles.shape[4:]
    cols = math.ceil(math.sqrt(k))
    rows = math.ceil(k / cols)
    grid = np.full((f, rows * cols, h + pad, w + pad, *rest), fill, np.uint8)
    grid[:, :k, :h, :w] = tiles
    grid = grid.reshape(f, rows, cols, h + pad, w + pad, *rest).swapaxes(2, 3)
    grid = grid.reshape(f, rows * (h + pad), cols * (w + pad), *rest)
    return grid[:, : grid.shape[1] - pad, : grid.shape[2] - pad]


@functools.cache
def _font() -> Any:
    from PIL import ImageFont

    return ImageFont.load_default(size=11)


def _image(array: np.ndarray) -> Any:
    from PIL import Image

    return Image.fromarray(array)


def _save_gif(path: Path, frames: np.ndarray) -> None:
    """An endless GIF, the last frame held longer. Pillow directly: imageio's GIF writer
    wraps the same encoder and took about 40% longer here."""
    images = [_image(f) for f in frames]
    if frames.ndim == 4:  # colour: one palette for every frame, not one per frame
        images = _one_palette(frames, images)
    durations = [_FRAME_MS] * (len(images) - 1) + [_LAST_MS]
    # optimize=False: Pillow's palette optimisation doubled the time for 10% smaller files
    images[0].save(
        path,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=durations,
        loop=0,
        optimize=False,
    )


def _one_palette(frames: np.ndarray, images: list[Any]) -> list[Any]:
    """Colour frames on one 256-colour palette, taken from 8 frames spread over the GIF
    (the first and the last among them), each pixel its nearest colour (no dithering). A
    colour then stays the same in every frame, as the one scale of a GIF promises, and
    writing takes a third of the time of Pillow's own palette per frame (0.10 s against
    0.33-0.44 s for 41 frames of LeNet's kernels; colours off by 1.2 of 255 on average)."""
    from PIL import Image

    sample = np.concatenate(
        frames[np.linspace(0, len(frames) - 1, min(len(frames), 8)).astype(int)]
    )
    palette = _image(sample).quantize(256, method=Image.Quantize.MEDIANCUT)
    return [im.quantize(palette=palette, dither=Image.Dither.NONE) for im in images]


def write_gif_and_png(folder: Path, stem: str, frames: np.ndarray) -> list[Path]:
    """``STEM.gif`` (every frame) and ``STEM.png`` (the last one) in ``folder``, each written
    atomically, so that a run killed while writing keeps the previous files.

    Returns:
        The two files.
    """
    gif, png = folder / f"{stem}.gif", folder / f"{stem}.png"
    atomic_file(gif, lambda tmp: _save_gif(tmp, frames))
    atomic_file(png, lambda tmp: _image(frames[-1]).save(tmp, format="PNG"))
    return [gif, png]


def labelled(
    images: np.ndarray, head: tuple[str, str], labels: Sequence[str], strips: dict
) -> np.ndarray:
    """Frames enlarged (whole pixels) to at least ``_MIN_WIDTH``, each under a white strip
    with the two ``head`` lines and its own label; strips are drawn once (``strips``).

    Example:
        >>> labelled(np.zeros((1, 8, 8), np.uint8), ("a", "b"), ["epoch 1"], {}).shape
        (1, 206, 160)
    """
    from PIL import Image, ImageDraw

    font = _font()
    text_w = math.ceil(max(font.getlength(t) for t in (*head, *labels))) + 8
    n, h, w = images.shape[:3]
    scale = max(1, math.ceil(_MIN_WIDTH / w))
    big = images.repeat(scale, axis=1).repeat(scale, axis=2)
    width, mode = max(big.shape[2], text_w), "RGB" if images.ndim == 4 else "L"
    out = np.full((n, STRIP + big.shape[1], width, *images.shape[3:]), 255, np.uint8)
    out[:, STRIP:, : big.shape[2]] = big
    for i, label in enumerate(labels):
        key = (head, label, width, mode)
        if key not in strips:
            strip = Image.new(mode, (width, STRIP), "white")
            draw = ImageDraw.Draw(strip)
            for line, text in enumerate((*head, label)):
                draw.text((4, 2 + 14 * line), text, fill="black", font=font)
            strips[key] = np.asarray(strip)
        out[i, :STRIP] = strips[key]
    return out
