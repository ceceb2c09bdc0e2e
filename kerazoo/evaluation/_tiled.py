"""A grid of captioned images as ONE tiled picture: the images are scaled by a whole factor
(pixels stay sharp), framed, captioned and pasted into one canvas with Pillow, and saved
once. Drawing 16 images costs a few milliseconds, where 16 matplotlib axes cost half a
second: the end of every training run draws two such grids.

Text is drawn with the DejaVu Sans font matplotlib ships (so it looks like the other
pictures and covers the same characters), found without importing matplotlib; Pillow's own
font is the fallback. A format Pillow cannot write (``.svg``) goes through matplotlib.

Example:
    >>> draw_grid("grid.png", images, ["cat", "dog"], "two images")   # doctest: +SKIP
"""

from __future__ import annotations

import functools
import importlib.util
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kerazoo._files import atomic_file
from kerazoo.data._figure_text import figure_text

__all__ = ["draw_grid"]

TILE = 144  # the longest side of each image, in pixels
CAPTION, HEADING = 11, 15  # font sizes, in pixels
GAP, MARGIN, FRAME = 10, 10, 2
WIDEST = 2.2  # a caption may make its cell this many tiles wide; longer lines end in "..."
GREY, BLACK, WHITE = "#999999", "#000000", "#ffffff"


@functools.cache
def _font(size: int) -> Any:
    from PIL import ImageFont

    spec = importlib.util.find_spec("matplotlib")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        ttf = Path(folder) / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"
        if ttf.is_file():
            return ImageFont.truetype(str(ttf), size)
    return ImageFont.load_default(size)


def _plain(text: str) -> str:
    """``text`` as written, control characters shown as escapes (as in matplotlib figures:
    :func:`figure_text`, whose ``\\$`` is matplotlib's and is undone here)."""
    return figure_text(text).replace("\\$", "$")


def _fit(line: str, font: Any, width: float) -> str:
    """``line``, cut to ``width`` pixels with ``...`` when longer."""
    if font.getlength(line) <= width:
        return line
    while line and font.getlength(line + "...") > width:
        line = line[:-1]
    return line + "..."


def _wrap(text: str, font: Any, width: float) -> list[str]:
    """``text`` broken at spaces into lines at most ``width`` pixels wide."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            wider = f"{line} {word}" if line else word
            if line and font.getlength(wider) > width:
                lines.append(line)
                line = word
            else:
                line = wider
        lines.append(_fit(line, font, width))
    return lines


def _tile(image: np.ndarray) -> Any:
    """One image as an RGB Pillow image, its longest side about :data:`TILE` pixels."""
    from PIL import Image

    if image.ndim == 3 and image.shape[-1] == 3:
        tile = Image.fromarray(np.ascontiguousarray(image, np.uint8), "RGB")
    else:
        plane = image[..., 0] if image.ndim == 3 else image
        tile = Image.fromarray(np.ascontiguousarray(plane, np.uint8), "L").convert("RGB")
    h, w = image.shape[:2]
    if max(h, w) <= TILE:  # a whole factor: every pixel the same square
        k = max(1, TILE // max(h, w))
        return tile.resize((w * k, h * k), Image.Resampling.NEAREST)
    k = TILE / max(h, w)
    return tile.resize((max(1, round(w * k)), max(1, round(h * k))), Image.Resampling.BOX)


def draw_grid(
    path: str | Path,
    images: np.ndarray,
    titles: Sequence[str],
    title: str,
    *,
    colors: Sequence[str] | None = None,
    cols: int = 8,
) -> Path:
    """A grid of images, each with a short caption above it (caption and frame coloured when
    ``colors`` is given), under a heading; one tiled picture.

    Args:
        path: the picture to write (``.png`` usually; written atomically).
        images: ``uint8 [N, H, W, C]``.
        titles: one caption per image; ``"\\n"`` breaks lines.
        title: the heading (wrapped to the picture's width).
        colors: one colour per image (e.g. green when right, red when wrong).
        cols: images per row (fewer when there are fewer images).

    Returns:
        ``path``.
    """
    from PIL import Image, ImageDraw

    n = len(images)
    cols = max(1, min(cols, n))
    rows = max(1, math.ceil(n / cols))
    tiles = [_tile(np.asarray(image)) for image in images]
    small, big = _font(CAPTION), _font(HEADING)
    tw = max((t.width for t in tiles), default=TILE) + 2 * FRAME
    th = max((t.height for t in tiles), default=TILE) + 2 * FRAME
    captions = [[_plain(line) for line in str(t).split("\n")] for t in titles]
    widest = max((small.getlength(line) for c in captions for line in c), default=0)
    cell = int(min(max(tw, widest + 4), WIDEST * tw))
    captions = [[_fit(line, small, cell) for line in c] for c in captions]
    line_h = CAPTION + 3
    above = line_h * max((len(c) for c in captions), default=1) + 2
    width = max(2 * MARGIN + cols * cell + (cols - 1) * GAP, 400)
    heading = _wrap(_plain(title), big, width - 2 * MARGIN)
    top = MARGIN + len(heading) * (HEADING + 5) + 6
    height = top + rows * (above + th) + (rows - 1) * GAP + MARGIN
    canvas = Image.new("RGB", (width, height), WHITE)
    pen = ImageDraw.Draw(canvas)
    for k, line in enumerate(heading):
        pen.text((width / 2, MARGIN + k * (HEADING + 5)), line, fill=BLACK, font=big, anchor="mt")
    x0 = (width - (cols * cell + (cols - 1) * GAP)) // 2
    for i, tile in enumerate(tiles):
        x = x0 + (i % cols) * (cell + GAP)
        y = top + (i // cols) * (above + th + GAP)
        colour = colors[i] if colors else BLACK
        for k, line in enumerate(captions[i]):
            pen.text((x + cell / 2, y + k * line_h), line, fill=colour, font=small, anchor="mt")
        left = x + (cell - tile.width - 2 * FRAME) // 2
        box = (left, y + above, left + tile.width + 2 * FRAME - 1, y + above + th - 1)
        pen.rectangle(box, outline=colour if colors else GREY, width=FRAME)
        canvas.paste(tile, (left + FRAME, y + above + FRAME))
    return _save(canvas, path)


def _save(canvas: Any, path: str | Path) -> Path:
    """Write ``canvas`` in the format the suffix names: by Pillow when it writes it (PNG,
    JPEG...), else by matplotlib (SVG, PDF), whose refusal names the valid suffixes."""
    from PIL import Image

    fmt = Image.registered_extensions().get(Path(path).suffix.lower())
    if fmt in Image.SAVE:
        return atomic_file(path, lambda tmp: canvas.save(tmp, format=fmt))
    from matplotlib.figure import Figure

    from kerazoo.data._preview import DPI, save_figure

    fig = Figure(figsize=(canvas.width / DPI, canvas.height / DPI))
    fig.figimage(np.asarray(canvas), resize=False)
    return save_figure(fig, path, dpi=DPI)
