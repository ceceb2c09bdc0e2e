"""Sizes that cannot fit in memory, refused from an estimate before any memory is spent.

Every place that allocates by a count the user gives (images to make, tiles to draw, steps
to record, a side to pad to) estimates the bytes first and asks :func:`check_fits`, which
compares them with a share of the memory available now (``MemAvailable`` of
``/proc/meminfo``, else ``os.sysconf``, lowered to a cgroup's limit where one is set).

Example:
    >>> check_fits(10, 1000, what="10 tiny things", fix="Ask for fewer")
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from kerazoo._errors import InvalidOptionError

__all__ = ["SHARE", "available_memory", "check_fits", "format_bytes"]

#: The share of the available memory one allocation may plan to take: the rest is for the
#: framework, the copies it makes and everything else running.
SHARE = 0.5


def available_memory() -> int | None:
    """Bytes of memory available now, or ``None`` where the system does not say.

    Example:
        >>> available_memory() is None or available_memory() > 0
        True
    """
    found = _meminfo_available()
    if found is None:
        try:
            found = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, OSError, ValueError):
            found = None
    room = _cgroup_room()
    if room is not None:
        found = room if found is None else min(found, room)
    return found


def _meminfo_available() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cgroup_room() -> int | None:
    """What a cgroup v2 memory limit leaves (limit minus current use), if one is set."""
    group = Path("/sys/fs/cgroup")
    try:
        limit = (group / "memory.max").read_text().strip()
        if limit == "max":
            return None
        return max(int(limit) - int((group / "memory.current").read_text()), 0)
    except (OSError, ValueError):
        return None


def format_bytes(n: float) -> str:
    """``1536`` -> ``"1.5 KB"``; powers of 1024.

    Example:
        >>> format_bytes(3 * 2**30)
        '3.0 GB'
    """
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if n < 1024 or unit == "PB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PB"  # pragma: no cover


def check_fits(
    count: int, per_item: float, *, what: str, fix: str, fixed: float = 0, limit: int | None = None
) -> None:
    """Refuse ``count`` items of ``per_item`` bytes (plus ``fixed``) when they cannot fit.

    Args:
        count: how many items the user asked for.
        per_item: the estimated bytes of one item (an image, a tile, a step).
        what: what is being asked for, for the message (e.g. ``"--n 1000000 samples of
            dataset 'shapes' (64x64x1)"``).
        fix: the first words of the advice; the message adds how many fit
            (e.g. ``"Ask for fewer with --n"``).
        fixed: bytes needed whatever the count.
        limit: the bytes allowed (default: :data:`SHARE` of :func:`available_memory`).

    Raises:
        InvalidOptionError: the estimate is over the limit; it states the estimate, the
            limit and how many items would fit.
    """
    need = fixed + count * per_item
    available = None
    if limit is None:
        available = available_memory()
        if available is None:
            return  # nothing to compare with
        limit = int(available * SHARE)
    if need <= limit:
        return
    fits = max(int((limit - fixed) // per_item), 0) if per_item > 0 else 0
    share = (
        f"{SHARE:.0%} of the {format_bytes(available)} of memory available now"
        if available is not None
        else "the limit"
    )
    error = InvalidOptionError(
        f"{what} would need about {format_bytes(need)} of memory ({count} x "
        f"{format_bytes(per_item)}{' + ' + format_bytes(fixed) if fixed else ''}), more than "
        f"{format_bytes(limit)} ({share}). {fix}: "
        + (f"about {_round_down(fits)} fit." if fits else "not even one fits.")
    )
    error.value = count
    raise error


def _round_down(n: int) -> int:
    """``n`` with two significant digits, rounded down: 2_694_871 -> 2_600_000."""
    if n < 100:
        return n
    step = 10 ** (int(math.log10(n)) - 1)
    return n // step * step
