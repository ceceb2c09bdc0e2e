"""The confusion matrix as one Pillow picture: cells on matplotlib's "Blues" scale (its own
ColorBrewer colours, interpolated the same way, without importing matplotlib), the count in
each cell, class names along both sides, a colour bar in images. A few milliseconds, where a
matplotlib figure costs a tenth of a second or more at the end of every run.

Example:
    >>> draw_confusion("confusion.png", counts, ("circle", "square"), "confusion")  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kerazoo.evaluation._tiled import (
    BLACK,
    HEADING,
    MARGIN,
    WHITE,
    _fit,
    _font,
    _plain,
    _save,
    _wrap,
)

__all__ = ["blues", "draw_confusion"]

#: matplotlib's "Blues": ColorBrewer's nine blues, evenly spaced from 0 to 1.
BLUES = ("f7fbff", "deebf7", "c6dbef", "9ecae1", "6baed6", "4292c6", "2171b5", "08519c", "08306b")
LARGEST, NAME_WIDTH, BAR = 1200, 150, 16  # matrix side, longest name, colour bar (pixels)


def blues(values: np.ndarray) -> np.ndarray:
    """``uint8 [..., 3]`` colours of ``values`` in ``[0, 1]`` on the "Blues" scale.

    Example:
        >>> blues(np.array([0.0, 1.0])).tolist()
        [[247, 251, 255], [8, 48, 107]]
    """
    stops = np.array([[int(c[i : i + 2], 16) for i in (0, 2, 4)] for c in BLUES], np.float64)
    at = np.linspace(0.0, 1.0, len(stops))
    v = np.clip(np.asarray(values, np.float64), 0.0, 1.0)
    rgb = [np.interp(v, at, stops[:, ch]) for ch in range(3)]
    return np.rint(np.stack(rgb, axis=-1)).astype(np.uint8)


def _cell(k: int) -> int:
    """Pixels a side of one cell: large for a few classes, the matrix at most LARGEST."""
    return max(1, min(96, max(14, 420 // k), LARGEST // k))


def _upright(text: str, font: Any, colour: str = BLACK) -> Any:
    """``text`` written bottom to top (turned 90 degrees), on a transparent image."""
    from PIL import Image, ImageDraw

    left, top, right, bottom = font.getbbox(text)
    im = Image.new("RGBA", (max(1, right - left + 2), max(1, bottom - top + 2)), (0, 0, 0, 0))
    ImageDraw.Draw(im).text((1 - left, 1 - top), text, fill=colour, font=font)
    return im.rotate(90, expand=True)


def draw_confusion(
    path: str | Path, counts: np.ndarray, class_names: Sequence[str], title: str
) -> Path:
    """The confusion matrix: rows are the true class, columns the predicted one, the count
    in each cell (up to 20 classes; zeros left blank beyond 10) and a colour scale.

    Args:
        path: the picture to write (``.png`` usually; written atomically).
        counts: ``[K, K]`` counts, ``[true, predicted]``.
        class_names: the ``K`` names.
        title: the heading.

    Returns:
        ``path``.
    """
    from PIL import Image, ImageDraw

    counts = np.asarray(counts)
    k, cell = len(class_names), _cell(len(class_names))
    side, top_count = k * cell, int(counts.max()) if counts.size else 0
    label_font = _font(max(7, min(12, cell - 3)))
    every = max(1, math.ceil(10 / cell))  # names of every class while they fit
    names = [_fit(_plain(n), label_font, NAME_WIDTH) for n in class_names]
    upright = max(len(n) for n in class_names) > 6 or k > 6
    name_w = int(max(label_font.getlength(n) for n in names)) + 6
    below = name_w if upright else label_font.size + 8
    x0 = MARGIN + 22 + name_w
    width = max(x0 + side + 14 + BAR + 60, 400)
    heading = _wrap(_plain(title), _font(HEADING), width - 2 * MARGIN)
    y0 = MARGIN + len(heading) * (HEADING + 5) + 8
    height = max(y0 + side + below + 24 + MARGIN, 250)
    canvas = Image.new("RGB", (width, height), WHITE)
    pen = ImageDraw.Draw(canvas)
    for i, line in enumerate(heading):
        pen.text(
            (width / 2, MARGIN + i * (HEADING + 5)),
            line,
            fill=BLACK,
            font=_font(HEADING),
            anchor="mt",
        )
    shade = blues(counts / max(top_count, 1))
    matrix = Image.fromarray(shade, "RGB").resize((side, side), Image.Resampling.NEAREST)
    canvas.paste(matrix, (x0, y0))
    pen.rectangle((x0 - 1, y0 - 1, x0 + side, y0 + side), outline=BLACK)
    _counts(pen, counts, (x0, y0, cell), top_count)
    for i, name in enumerate(names):
        if i % every:
            continue
        centre = i * cell + cell // 2
        pen.text((x0 - 5, y0 + centre), name, fill=BLACK, font=label_font, anchor="rm")
        if upright:
            turned = _upright(name, label_font)
            canvas.paste(turned, (x0 + centre - turned.width // 2, y0 + side + 5), turned)
        else:
            pen.text((x0 + centre, y0 + side + 5), name, fill=BLACK, font=label_font, anchor="mt")
    axis = _font(12)
    pen.text(
        (x0 + side / 2, y0 + side + below + 6), "predicted", fill=BLACK, font=axis, anchor="mt"
    )
    turned = _upright("true", axis)
    canvas.paste(turned, (MARGIN, y0 + (side - turned.height) // 2), turned)
    _colour_bar(canvas, pen, (x0 + side + 14, y0, side), top_count)
    return _save(canvas, path)


def _counts(pen: Any, counts: np.ndarray, where: tuple[int, int, int], top: int) -> None:
    """The count in each cell (up to 20 classes; zeros blank beyond 10), white on dark."""
    k = len(counts)
    x0, y0, cell = where
    if k > 20:
        return
    font = _font(max(7, min(14 if k <= 10 else 10, cell // 2)))
    for (i, j), c in np.ndenumerate(counts):
        if c == 0 and k > 10:
            continue  # many classes: blank zeros, so the counts that matter stand out
        colour = WHITE if c > 0.6 * (top or 1) else BLACK
        xy = (x0 + j * cell + cell / 2, y0 + i * cell + cell / 2)
        pen.text(xy, str(int(c)), fill=colour, font=font, anchor="mm")


def _nice_step(raw: float) -> int:
    """The whole-number tick step of 1, 2 or 5 times a power of ten just above ``raw``."""
    if raw <= 1:
        return 1
    power = 10 ** math.floor(math.log10(raw))
    return int(next(m * power for m in (1, 2, 5, 10) if m * power >= raw))


def _colour_bar(canvas: Any, pen: Any, where: tuple[int, int, int], top: int) -> None:
    """A vertical scale from 0 (bottom) to ``top`` images, whole-number ticks, "images"."""
    from PIL import Image

    x, y, h = where
    ramp = blues(np.linspace(1.0, 0.0, h))[:, None, :].repeat(BAR, axis=1)
    canvas.paste(Image.fromarray(np.ascontiguousarray(ramp), "RGB"), (x, y))
    pen.rectangle((x - 1, y - 1, x + BAR, y + h), outline=BLACK)
    step = _nice_step(top / 5)
    font = _font(10)
    for value in range(0, max(top, 1) + 1, step):
        ty = y + h - 1 - round(value / max(top, 1) * (h - 1))
        pen.line((x + BAR, ty, x + BAR + 3, ty), fill=BLACK)
        pen.text((x + BAR + 6, ty), str(value), fill=BLACK, font=font, anchor="lm")
    digits = int(max(font.getlength(str(max(top, 1))), 6))
    turned = _upright("images", _font(12))
    canvas.paste(turned, (x + BAR + 10 + digits, y + (h - turned.height) // 2), turned)
