"""Names registered by more than one package: find them all, and say how to choose.

A name taken twice is not an error while listing (both are shown, marked); it becomes one
when the name is used without saying which package wins. The message then names every
package that registers it (kerazoo's own built-ins included), both ways to choose
(``source=`` in Python, ``KERAZOO_PREFER=name=package`` in the environment), and every other
contested name, so one setting settles them all.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from typing import Protocol

from kerazoo._naming import natural_key

__all__ = [
    "BUILTIN_DIST",
    "conflict_message",
    "find_conflicts",
    "label",
    "norm",
    "preferences",
    "summary",
    "unsettled_only",
]

BUILTIN_DIST = "kerazoo"  # the distribution that ships the built-in plugins


class _Entry(Protocol):
    kind: str
    name: str
    value: str
    dist: str

    @property
    def source(self) -> str: ...


def preferences() -> tuple[dict[str, str], list[str]]:
    """Parse ``KERAZOO_PREFER="name=dist,dist2"`` into per-name and global preferences.

    Example:
        >>> os.environ["KERAZOO_PREFER"] = "shapes=kz-shadow,kz-stripes"
        >>> preferences()
        ({'shapes': 'kz-shadow'}, ['kz-stripes'])
        >>> del os.environ["KERAZOO_PREFER"]
    """
    per_name: dict[str, str] = {}
    overall: list[str] = []
    for item in os.environ.get("KERAZOO_PREFER", "").split(","):
        item = item.strip()
        if "=" in item:
            k, v = item.split("=", 1)
            per_name[k.strip()] = v.strip()
        elif item:
            overall.append(item)
    return per_name, overall


def norm(dist: str) -> str:
    """A distribution name as packaging compares it: ``"KZ_Shadow"`` -> ``"kz-shadow"``."""
    return re.sub(r"[-_.]+", "-", dist).lower()


def label(entry: _Entry) -> str:
    """``"kz-shadow 0.1"``, or ``"built-in kerazoo 0.1.0"`` for kerazoo's own plugins."""
    return ("built-in " if entry.dist == BUILTIN_DIST else "") + entry.source


def _order(entries: Iterable[_Entry]) -> list[_Entry]:
    return sorted(entries, key=lambda e: (e.dist != BUILTIN_DIST, natural_key(e.dist)))


def find_conflicts(
    entries: Iterable[_Entry], unsettled: bool = False
) -> dict[tuple[str, str], list[_Entry]]:
    """Every ``(kind, name)`` registered by more than one entry, built-ins listed first.

    Args:
        entries: entry points of any kinds.
        unsettled: leave out the names that ``KERAZOO_PREFER`` settles.

    Example:
        >>> find_conflicts([])
        {}
    """
    by_name: dict[tuple[str, str], list[_Entry]] = {}
    for e in entries:
        by_name.setdefault((e.kind, e.name), []).append(e)
    kinds = list(dict.fromkeys(kind for kind, _ in by_name))  # in the order first seen
    found = {key: _order(group) for key, group in by_name.items() if len(group) > 1}
    order = sorted(found, key=lambda key: (kinds.index(key[0]), natural_key(key[1])))
    found = {key: found[key] for key in order}
    return unsettled_only(found) if unsettled else found


def unsettled_only(
    conflicts: dict[tuple[str, str], list[_Entry]],
) -> dict[tuple[str, str], list[_Entry]]:
    """The conflicts that ``KERAZOO_PREFER`` does not settle (the others pick one package)."""
    per_name, overall = preferences()

    def settled(name: str, group: list[_Entry]) -> bool:
        wanted = [per_name[name]] if name in per_name else overall
        return any(norm(e.dist) == norm(w) for w in wanted for e in group)

    return {key: group for key, group in conflicts.items() if not settled(key[1], group)}


def _one_setting(conflicts: dict[tuple[str, str], list[_Entry]]) -> str:
    """``KERAZOO_PREFER=shapes=kerazoo,lenet=kerazoo``: the first package for each name."""
    chosen = {name: group[0].dist for (_, name), group in conflicts.items()}
    return "KERAZOO_PREFER=" + ",".join(f"{n}={d}" for n, d in chosen.items())


def summary(conflicts: dict[tuple[str, str], list[_Entry]]) -> str:
    """One sentence naming every contested name and its packages, with the setting to choose.

    Example:
        >>> summary({})
        ''
    """
    if not conflicts:
        return ""
    names = "; ".join(
        f"{kind} {name!r} ({', '.join(label(e) for e in group)})"
        for (kind, name), group in conflicts.items()
    )
    count = len(conflicts)
    return (
        f"{count} name{'s are' if count > 1 else ' is'} registered by more than one package: "
        f"{names}. Using such a name is an error until you choose, e.g. "
        f"{_one_setting(conflicts)} (or uninstall one of the packages)."
    )


def conflict_message(
    kind: str, name: str, matches: Sequence[_Entry], conflicts: dict[tuple[str, str], list[_Entry]]
) -> str:
    """The error for using ``name`` while ``matches`` (two or more entries) register it.

    Args:
        kind: ``"dataset"`` or ``"architecture"``.
        name: the contested name.
        matches: every entry registering it.
        conflicts: every contested name (from :func:`find_conflicts`), to report together.

    Returns:
        The message: every package, both ways to choose, the other contested names.
    """
    matches = _order(matches)
    packages = ", ".join(f"{label(e)} ({e.value})" for e in matches[:-1])
    packages += f" and {label(matches[-1])} ({matches[-1].value})"
    sources = " or ".join(f"source='{e.dist}'" for e in matches)
    prefer = " or ".join(f"KERAZOO_PREFER={name}={e.dist}" for e in matches)
    message = (
        f"The {kind} name {name!r} is registered by {packages}. Say which one to use: pass "
        f"{sources} in Python, or set {prefer} (or uninstall one of them)."
    )
    others = {k: g for k, g in conflicts.items() if k[1] != name}
    if others:
        also = "; ".join(
            f"{k} {n!r} ({', '.join(label(e) for e in g)})" for (k, n), g in others.items()
        )
        every = {(kind, name): list(matches), **others}
        message += f" Also registered twice: {also}. To choose all at once: {_one_setting(every)}."
    return message
