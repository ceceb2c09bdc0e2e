"""How names are ordered for people: natural sort, the same on every machine.

Plain Python: used by the registry (plugin names), the folder dataset (class folders) and the
predictor (files in a folder).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["natural_key"]


def natural_key(text: str) -> list[tuple[int, Any]]:
    """Sort key that puts ``"net2"`` before ``"net10"``, ignoring case.

    Example:
        >>> sorted(["net10", "Net2"], key=natural_key)
        ['Net2', 'net10']
    """
    return [(0, int(t)) if t.isdigit() else (1, t.lower()) for t in re.split(r"(\d+)", text) if t]
