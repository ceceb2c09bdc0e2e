"""How names are shown to people: natural sort, text from files made safe to print, and
the rule a plugin's registered name follows.

Plain Python: used by the registry (plugin names), the folder dataset (class folders), the
predictor (files in a folder) and every command that prints names read from a file.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["PLUGIN_NAME_RULE", "natural_key", "plugin_name_problem", "printable"]

#: A dataset or architecture name becomes part of folder names, Keras layer names and
#: command lines: a letter, then letters, digits, ``_``, ``.`` or ``-``, at most 64 in all.
PLUGIN_NAME_RULE = (
    "a letter, then letters, digits, '_', '.' or '-' (at most 64 characters), "
    "e.g. traffic_lights or chopped_vgg"
)
_PLUGIN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")

# C0 controls, DEL, C1 controls, and the characters that reorder or break lines on a
# terminal (line/paragraph separators, bidirectional overrides and isolates).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def natural_key(text: str) -> list[tuple[int, Any]]:
    """Sort key that puts ``"net2"`` before ``"net10"``, ignoring case.

    Example:
        >>> sorted(["net10", "Net2"], key=natural_key)
        ['Net2', 'net10']
    """
    return [(0, int(t)) if t.isdigit() else (1, t.lower()) for t in re.split(r"(\d+)", text) if t]


def printable(text: str) -> str:
    """``text`` with control characters escaped as in ``repr`` (``\\n``, ``\\x1b``).

    Text read from a file (class names, paths, option values) is data: printed raw, an
    ANSI escape or a newline in it would rewrite the terminal. JSON output stays exact;
    this is for lines meant to be read.

    Args:
        text: any string.

    Returns:
        The same string where every C0/C1 control character, DEL, line separator and
        bidirectional override is replaced by its escape; other text is unchanged.

    Example:
        >>> printable("cat\\x1b[2K\\ndog")
        'cat\\\\x1b[2K\\\\ndog'
    """
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def plugin_name_problem(name: object) -> str | None:
    """Why ``name`` cannot be a dataset or architecture name, or ``None`` when it can.

    Args:
        name: a name as a plugin registered it (an entry point's name).

    Returns:
        ``None`` for a good name; otherwise the rule it breaks, with the name echoed
        (control characters escaped).

    Example:
        >>> plugin_name_problem("traffic_lights") is None
        True
        >>> plugin_name_problem("../x")
        "'../x' is not a valid name: a name is a letter, then letters, digits, '_', '.' or '-' (at most 64 characters), e.g. traffic_lights or chopped_vgg"
    """  # noqa: E501
    if isinstance(name, str) and _PLUGIN_NAME.fullmatch(name):
        return None
    shown = f"'{printable(name)}'" if isinstance(name, str) else repr(name)
    return f"{shown} is not a valid name: a name is {PLUGIN_NAME_RULE}"
