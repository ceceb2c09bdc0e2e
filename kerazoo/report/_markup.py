"""The few HTML pieces a report is made of: escaped text, tables, inline pictures.

Every value that comes from a file goes through :func:`text` (``html.escape`` with quotes),
so a class name or an option like ``<script>`` shows as itself and never becomes markup.

Example:
    >>> text("<b>")
    '&lt;b&gt;'
    >>> table([["loss", 0.25]], ["metric", "value"])[:30]
    '<table><thead><tr><th>metric</'
"""

from __future__ import annotations

import base64
import html
import math
import numbers
import shlex
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kerazoo.report._folder import Picture

#: Pictures narrower than this many pixels are shown at twice their size.
SMALL = 300

__all__ = ["figure", "fmt", "gallery", "key_values", "section", "table", "text"]


def text(value: Any) -> str:
    """``value`` as HTML text, escaped (quotes included, so it is safe in attributes too)."""
    return html.escape(str(value), quote=True)


def fmt(value: Any, fixed: bool = False) -> str:
    """A value from a file as readable, escaped text: ``0.1234567 -> 0.1235``, ``None -> -``.

    Example:
        >>> fmt(0.123456), fmt(200), fmt(None), fmt([1, "a"]), fmt(True), fmt(1.0, fixed=True)
        ('0.1235', '200', '-', '1, a', 'true', '1.0000')
    """
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return text(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        if not math.isfinite(value):
            return text(value)
        return text(f"{value:.4f}" if fixed and abs(value) < 1e4 else f"{value:.4g}")
    if isinstance(value, Mapping):
        return ", ".join(f"{text(k)}={fmt(v)}" for k, v in value.items()) or "-"
    if isinstance(value, (list, tuple)):
        return ", ".join(fmt(v) for v in value) or "-"
    return text(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def table(
    rows: Iterable[Sequence[Any]],
    header: Sequence[str] = (),
    caption: str = "",
    cls: str = "",
    right: Sequence[int] = (),
    fixed: bool = False,
) -> str:
    """An HTML table; numbers are formatted by :func:`fmt` and right-aligned (class ``num``).

    Args:
        rows: the cells of each row (values from files: escaped here).
        header: column titles (plain text, escaped here).
        caption: a line above the table.
        cls: a CSS class for the table.
        right: columns to right-align whatever they hold (sizes written as text).
        fixed: fractional numbers with four decimals (their points line up in a column).

    Returns:
        The ``<table>`` markup.

    Example:
        >>> "class=\\"num\\"" in table([["accuracy", 0.9]])
        True
    """
    parts = [f'<table class="{text(cls)}">' if cls else "<table>"]
    if caption:
        parts.append(f"<caption>{text(caption)}</caption>")
    if header:
        cells = "".join(f"<th>{text(h)}</th>" for h in header)
        parts.append(f"<thead><tr>{cells}</tr></thead>")
    parts.append("<tbody>")
    for row in rows:
        cells = "".join(
            f'<td class="num">{fmt(v, fixed and not isinstance(v, numbers.Integral))}</td>'
            if _is_number(v) or i in right
            else f"<td>{fmt(v)}</td>"
            for i, v in enumerate(row)
        )
        parts.append(f"<tr>{cells}</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def key_values(title: str, pairs: Mapping[str, Any]) -> str:
    """A small titled two-column table (setting, value); empty text when nothing to show."""
    if not pairs:
        return ""
    rows = [
        (k, shlex.join(map(str, v)) if k == "command" and isinstance(v, list) else v)
        for k, v in pairs.items()
    ]
    return f'<div class="card"><h3>{text(title)}</h3>{table(rows, cls="kv")}</div>'


def figure(picture: Picture, caption: str | None = None) -> str:
    """A picture inline (a base64 ``data:`` URI), with its size and a caption.

    The width and height attributes let the browser lay out the page before decoding; CSS
    shrinks wide pictures to the column (``max-width: 100%``). GIFs animate as they are.
    """
    data = base64.b64encode(picture.data).decode("ascii")
    label = picture.name if caption is None else caption
    # small pictures (a snapshot of 10x10 maps) are shown twice as large, pixels kept sharp
    zoom = 2 if picture.width < SMALL else 1
    sharp = ' class="pixels"' if zoom > 1 else ""
    return (
        f'<figure><img src="data:{picture.mime};base64,{data}" alt="{text(picture.name)}" '
        f'width="{picture.width * zoom}" height="{picture.height * zoom}"{sharp}>'
        f"<figcaption>{text(label)}</figcaption></figure>"
    )


def gallery(pictures: Iterable[Picture]) -> str:
    """Pictures side by side, wrapping to the next line (for many small ones)."""
    return '<div class="gallery">' + "".join(figure(p) for p in pictures) + "</div>"


def section(anchor: str, title: str, body: str, note: str = "") -> str:
    """A report section with an anchor for the table of contents; empty when no body.

    ``body`` and ``note`` are markup: escape what they hold from files before.
    """
    if not body:
        return ""
    hint = f'<p class="note">{note}</p>' if note else ""
    return f'<section id="{text(anchor)}"><h2>{text(title)}</h2>{hint}{body}</section>'
