"""The zoo's cards, read: :class:`ZooCard`, :func:`list_zoo`, :func:`get_zoo`.

A card (``card.json`` in an entry's folder) says how the shipped model was made and how
well it does: the recipe, the file's hash, the parameter count, the test metric over five
seeds, the training time and CPU, the versions, the known limits and reference outputs.
Reading cards needs neither keras nor the plugin registry.

Example:
    >>> import kerazoo
    >>> card = kerazoo.get_zoo("lenet-shapes")
    >>> card.dataset, card.architecture
    ('shapes', 'lenet')
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

from kerazoo._errors import ModelFileError
from kerazoo._naming import printable
from kerazoo.saving._zoo import ZooEntry, zoo_entry, zoo_names

__all__ = ["CARD_FIELDS", "ZooCard", "get_zoo", "list_zoo"]

#: The fields every card has.
CARD_FIELDS = (
    "format",
    "name",
    "summary",
    "dataset",
    "architecture",
    "recipe",
    "sha256",
    "size_bytes",
    "parameters",
    "metric",
    "training",
    "versions",
    "limits",
    "reference",
)


@dataclass(frozen=True)
class ZooCard(ZooEntry):
    """One zoo entry's card.

    Attributes:
        name: the entry's name (``zoo:NAME`` loads its model).
        folder: the installed folder holding ``model.keras``, ``run.json``, ``card.json``.
        card: the card as read from ``card.json``.
        dist: the package that ships it, with its version.
    """

    @property
    def dataset(self) -> str:
        """The dataset it was trained on."""
        return str(self.card.get("dataset", "?"))

    @property
    def architecture(self) -> str:
        """The architecture it is."""
        return str(self.card.get("architecture", "?"))

    @property
    def recipe(self) -> str:
        """The exact ``kerazoo train`` command that made the shipped model (seed 0)."""
        return str(self.card.get("recipe", ""))

    @property
    def metric(self) -> dict[str, Any]:
        """``name``, ``shipped``, ``mean``, ``sd``, ``seeds``, ``values``, ``lower_is_better``."""
        return dict(self.card.get("metric") or {})

    def missing(self) -> list[str]:
        """The fields of :data:`CARD_FIELDS` this card lacks (empty for a complete card)."""
        return [f for f in CARD_FIELDS if f not in self.card]

    def row(self) -> dict[str, str]:
        """This card as one row of ``kerazoo zoo list``."""
        m = self.metric
        score = f"{_short(m.get('name'))} {_num(m.get('mean'))} +- {_num(m.get('sd'))}"
        return {
            "name": self.name,
            "dataset": self.dataset,
            "architecture": self.architecture,
            f"test metric ({len(m.get('values', []))} seeds)": score,
            "params": f"{self.card.get('parameters', '?'):,}"
            if isinstance(self.card.get("parameters"), int)
            else "?",
            "size": f"{self.card.get('size_bytes', 0) / 1024:.0f} KB",
        }

    def lines(self) -> list[str]:
        """The card, readable (``kerazoo zoo show``)."""
        c, m = self.card, self.metric
        t, v = c.get("training") or {}, c.get("versions") or {}
        out = [
            f"zoo:{self.name}  ({self.dist})",
            f"  {c.get('summary', '')}",
            f"  recipe      {self.recipe}",
            f"  model       {self.folder / 'model.keras'}",
            f"  sha256      {c.get('sha256')}",
            f"  parameters  {c.get('parameters')}  ({c.get('size_bytes')} bytes)",
            f"  {m.get('name')}: shipped (seed 0) {_num(m.get('shipped'))}; "
            f"mean {_num(m.get('mean'))} +- {_num(m.get('sd'))} over seeds {m.get('seeds')}",
            f"    values    {', '.join(_num(x) for x in m.get('values', []))}",
            f"  training    {_num(t.get('seconds_shipped'), 1)} s "
            f"(mean {_num(t.get('seconds_mean'), 1)} s) on {t.get('cpu')}, "
            f"{t.get('cores')} cores",
            f"  versions    kerazoo {v.get('kerazoo')}, keras {v.get('keras')}, "
            f"{v.get('backend')} {v.get('backend_version')}, python {v.get('python')}",
            "  known limits (kerazoo evaluate, 300 fresh images):",
        ]
        for lim in c.get("limits", []):
            shift = ", ".join(f"{k}={val}" for k, val in lim.get("shift", {}).items())
            if "metric" not in lim:
                out.append(f"    {lim.get('verdict', '?'):<7} {shift}: {lim.get('error', '')}")
                continue
            out.append(
                f"    {lim.get('verdict', '?'):<7} {shift}: {lim.get('metric')} "
                f"{_num(lim.get('shifted'))} (own data {_num(lim.get('in_distribution'))})"
            )
        ref = c.get("reference") or {}
        out.append(f"  reference outputs on {ref.get('input')} (within {ref.get('tolerance')})")
        return [printable(line) for line in out]


def _short(metric: Any) -> str:
    return str(metric).rsplit(".", 1)[-1]


def _num(x: Any, digits: int = 4) -> str:
    return f"{x:.{digits}f}" if isinstance(x, int | float) else "?"


def _card(entry: ZooEntry) -> ZooCard:
    return ZooCard(name=entry.name, folder=entry.folder, card=entry.card, dist=entry.dist)


def get_zoo(name: str) -> ZooCard:
    """The card of zoo entry ``name`` (with or without ``zoo:``).

    Raises:
        UnknownNameError: no installed package registers ``name``; the message lists them.

    Example:
        >>> kerazoo.get_zoo("zoo:lenet-shapes").metric["name"]         # doctest: +SKIP
        'test.accuracy'
    """
    return _card(zoo_entry(name.removeprefix("zoo:")))


def list_zoo(pattern: str = "*") -> list[ZooCard]:
    """The cards of every installed zoo entry whose name matches ``pattern`` (wildcards).

    An entry whose card cannot be read is left out of the list (``get_zoo`` names the
    problem).

    Example:
        >>> [c.name for c in kerazoo.list_zoo("lenet-*")]              # doctest: +SKIP
        ['lenet-shapes', 'lenet-traffic-lights']
    """
    cards = []
    for name in zoo_names():
        if fnmatch.fnmatchcase(name, pattern):
            try:
                cards.append(_card(zoo_entry(name)))
            except ModelFileError:
                continue
    return cards
