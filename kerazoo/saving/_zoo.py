"""``zoo:NAME``: a trained model shipped inside an installed package, found and checked.

A package registers a zoo entry in the entry-point group ``kerazoo.zoo``; the value is an
import package (a folder) that holds a run folder's files: ``model.keras``, ``run.json``,
``history.csv`` and ``card.json``. The card's ``sha256`` is checked against ``model.keras``
at every load, so a file changed after the card was written is refused, naming both hashes.

Plain Python (``importlib.metadata``, ``importlib.resources``, ``hashlib``): resolving a
zoo name needs neither keras nor the plugin registry, as a saved model predicts without
them.

Example:
    >>> zoo_name("zoo:lenet-shapes")
    'lenet-shapes'
    >>> zoo_name("runs/a/model.keras") is None
    True
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from kerazoo._errors import ModelFileError, UnknownNameError, unknown_choice
from kerazoo._naming import natural_key, printable

__all__ = [
    "CARD_NAME",
    "GROUP",
    "PREFIX",
    "ZooEntry",
    "file_sha256",
    "local_folder",
    "zoo_entry",
    "zoo_model",
    "zoo_name",
    "zoo_names",
]

#: The entry-point group a package registers its zoo entries in.
GROUP = "kerazoo.zoo"
#: How a MODEL argument names a zoo entry: ``zoo:lenet-shapes``.
PREFIX = "zoo:"
#: The card's file name in an entry's folder.
CARD_NAME = "card.json"
#: The model's file name in an entry's folder.
MODEL_NAME = "model.keras"


@dataclass(frozen=True)
class ZooEntry:
    """One installed zoo entry: its name, the folder holding its files, and its card."""

    name: str
    folder: Path
    card: dict[str, Any]
    dist: str

    @property
    def model(self) -> Path:
        """The entry's ``model.keras`` (not yet checked; :func:`zoo_model` checks it)."""
        return self.folder / MODEL_NAME


def zoo_name(path: Any) -> str | None:
    """The entry name in ``"zoo:NAME"``, or ``None`` for anything else (a path, a model).

    Example:
        >>> zoo_name("zoo:autoencoder-polkadots")
        'autoencoder-polkadots'
    """
    text = os.fspath(path) if isinstance(path, str | os.PathLike) else None
    if isinstance(text, str) and text.startswith(PREFIX):
        return text[len(PREFIX) :]
    return None


def _entry_points() -> dict[str, metadata.EntryPoint]:
    """Name -> entry point of the group; the first distribution wins a name taken twice."""
    found: dict[str, metadata.EntryPoint] = {}
    for ep in metadata.entry_points(group=GROUP):
        found.setdefault(ep.name, ep)
    return found


def zoo_names() -> list[str]:
    """The names of the installed zoo entries, naturally sorted.

    Example:
        >>> "lenet-shapes" in zoo_names()
        True
    """
    return sorted(_entry_points(), key=natural_key)


def zoo_entry(name: str) -> ZooEntry:
    """The installed entry called ``name`` (without ``zoo:``), with its card read.

    Raises:
        UnknownNameError: no installed package registers ``name`` (with the choices).
        ModelFileError: the entry's folder or card cannot be read.

    Example:
        >>> zoo_entry("lenet-shapes").card["dataset"]
        'shapes'
    """
    eps = _entry_points()
    if name not in eps:
        raise unknown_choice(
            "zoo",
            name,
            sorted(eps, key=natural_key),
            what="zoo entry",
            listed="Available",
            extra=" (see 'kerazoo zoo list')",
            error=UnknownNameError,
        )
    ep = eps[name]
    try:
        folder = Path(str(resources.files(ep.value)))
    except (ImportError, TypeError, ValueError) as exc:
        raise ModelFileError(
            f"The zoo entry {name!r} points at {ep.value!r} ({_dist(ep)}), which cannot be "
            f"imported: {exc}. Reinstall that package."
        ) from exc
    card_path = folder / CARD_NAME
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelFileError(
            f"The zoo entry {name!r} has no readable card at '{card_path}': {exc}. "
            f"Reinstall {_dist(ep)}."
        ) from exc
    if not isinstance(card, dict):
        raise ModelFileError(f"The card of zoo entry {name!r} ('{card_path}') is not an object.")
    return ZooEntry(name=name, folder=folder, card=card, dist=_dist(ep))


def _dist(ep: metadata.EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return f"{dist.name} {dist.version}" if dist is not None else "an unknown package"


def file_sha256(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of a file, as 64 hex digits."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def zoo_model(name: str) -> Path:
    """The checked ``model.keras`` of zoo entry ``name``: its SHA-256 equals the card's.

    Raises:
        UnknownNameError: no such entry.
        ModelFileError: the file is missing, or its hash differs from the card's (both
            hashes are named).

    Example:
        >>> zoo_model("lenet-shapes").name
        'model.keras'
    """
    entry = zoo_entry(name)
    expected = entry.card.get("sha256")
    try:
        actual = file_sha256(entry.model)
    except OSError as exc:
        raise ModelFileError(
            f"The zoo entry {name!r} has no readable model file '{entry.model}': "
            f"{exc.strerror or exc}. Reinstall {entry.dist}."
        ) from exc
    if actual != expected:
        raise ModelFileError(
            f"Refusing zoo:{name}: '{entry.model}' has sha256 {actual}, but its card says "
            f"{printable(str(expected))}. The file was changed after the card was written; "
            f"reinstall {entry.dist} (pip install --force-reinstall)."
        )
    return entry.model


def local_folder(path: Any) -> Path | None:
    """Where a command writes for a zoo model instead of into the installed (read-only)
    entry: ``zoo-NAME`` in the current folder; ``None`` when ``path`` is no zoo model.

    ``path`` may be ``"zoo:NAME"`` or a path inside an installed entry's folder (what
    ``zoo:NAME`` resolved to).

    Example:
        >>> local_folder("zoo:lenet-shapes") == Path.cwd() / "zoo-lenet-shapes"
        True
        >>> local_folder("runs/a") is None
        True
    """
    name = zoo_name(path)
    if name is None and isinstance(path, str | os.PathLike) and _may_be_inside(path):
        name = _entry_holding(Path(path))
    return None if name is None else Path.cwd() / f"zoo-{name}"


def _may_be_inside(path: str | os.PathLike[str]) -> bool:
    """Cheap first test: only a path next to a card can be inside an entry."""
    p = Path(path)
    folder = p if p.is_dir() else p.parent
    return (folder / CARD_NAME).is_file()


def _entry_holding(path: Path) -> str | None:
    """The name of the installed entry whose folder holds ``path``, if any."""
    target = path.resolve()
    for name, ep in _entry_points().items():
        try:
            folder = Path(str(resources.files(ep.value))).resolve()
        except (ImportError, TypeError, ValueError):
            continue
        if target == folder or folder in target.parents:
            return name
    return None
