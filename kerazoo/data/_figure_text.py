"""Text in a figure is shown as it is written: never as mathtext, never as terminal control.

Class names, file names, layer names and option values come from datasets, folders and
model files. Given to matplotlib as they are, ``$x^2$`` is drawn as a formula, ``$x^$``
stops the drawing with a mathtext parse error, and a control character (``\\x07``) ends up
raw on the terminal in matplotlib's "Glyph missing from font" warning. Every place that puts
such text into a figure (titles, tick labels, captions, legends) passes it through
:func:`figure_text` first.

Plain Python.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["figure_text"]

# C0 controls but the newline (titles wrap with it), DEL, C1 controls, and the characters
# that reorder or break lines (line/paragraph separators, bidirectional controls).
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def figure_text(text: Any) -> str:
    """``text`` as matplotlib must be given it to draw it literally.

    Every ``$`` is escaped as ``\\$`` (matplotlib then draws a dollar sign, never starts a
    formula; a backslash stays a backslash), and every control character but the newline is
    written as its escape (``\\x07``), so none reaches the terminal through a font warning.

    Args:
        text: any text meant for a figure (a class name, a title, a caption); not a string
            is converted with ``str``.

    Returns:
        The text to give matplotlib.

    Example:
        >>> figure_text("$x^2$ costs $5")
        '\\\\$x^2\\\\$ costs \\\\$5'
        >>> figure_text("bell\\x07\\nnext")
        'bell\\\\x07\\nnext'
    """
    escaped = _CONTROL.sub(lambda m: repr(m.group())[1:-1], str(text))
    return escaped.replace("$", r"\$")
