"""Variants of one experiment: a name plus ``KEY=VALUE`` changes, each key looked up in the
architecture's hyperparameters, the dataset's options and the training settings.

``"half: width=0.5"`` is the variant ``half`` with the hyperparameter ``width`` at 0.5. A key
found in more than one of the three tables needs a prefix (``hp.``, ``data.``, ``train.``);
``seed`` is not a key: a comparison runs every variant over the same seeds. Values stay as
given (strings from the command line, typed values from TOML or Python): the tables parse
them when the variant is checked (:func:`check_variant`).

Example:
    >>> parse_variant("half: width=0.5 dense_units=512")
    ('half', {'width': '0.5', 'dense_units': '512'})
    >>> parse_seeds("3"), parse_seeds("0,4")
    ([0, 1, 2], [0, 4])
"""

from __future__ import annotations

import contextlib
import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kerazoo._errors import (
    InvalidOptionError,
    KerazooError,
    UnknownNameError,
    option_flags,
    suggest,
)
from kerazoo._params import SEED_MAX, check_seed
from kerazoo.data._memory import check_fits
from kerazoo.experiments._variants_file import read_variants_file

__all__ = [
    "BASELINE",
    "TABLES",
    "Variant",
    "check_variant",
    "folder_name",
    "key_tables",
    "locate",
    "make_variants",
    "parse_seeds",
    "parse_variant",
    "read_variants_file",
]

#: The variant with no changes that every other one is judged against.
BASELINE = "baseline"
#: Key prefix -> what the table holds, as messages name it.
TABLES = {"hp": "hyperparameter", "data": "dataset option", "train": "training setting"}
#: Settings a variant may not change: the comparison sets them for every run.
_RESERVED = {"seed": "a comparison runs every variant over the same seeds: give --seeds"}
_EXAMPLE = '--variant "half: width=0.5"'


@dataclass(frozen=True)
class Variant:
    """One variant: its name, its changes as given, and the same sorted by table.

    Attributes:
        name: as the user wrote it (``"4 classes"``).
        changes: key -> value as given (``{"width": "0.5"}``), prefixes kept.
        hp, data, settings: the changes by table, keys without prefix.
    """

    name: str
    changes: dict[str, Any] = field(default_factory=dict)
    hp: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def folder(self) -> str:
        """The run folder's name: the name with anything but ``A-Za-z0-9._+-`` as ``-``."""
        return folder_name(self.name)

    def describe(self) -> str:
        """The changes as ``key=value`` words (``"-"`` for none)."""
        return " ".join(f"{k}={_show(v)}" for k, v in self.changes.items()) or "-"


def folder_name(name: str) -> str:
    """``"4 classes"`` -> ``"4-classes"``: a name safe as a folder on every system."""
    return re.sub(r"[^A-Za-z0-9._+-]+", "-", name.strip()).strip("-.")


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def parse_variant(text: str) -> tuple[str, dict[str, str]]:
    """Split ``"NAME: KEY=VALUE KEY=VALUE"`` into the name and its changes.

    Pairs are separated by spaces (or ``;``); quote a value holding spaces.

    Raises:
        InvalidOptionError: no ``NAME:``, a word without ``=``, or a key given twice.
    """
    name, sep, rest = text.partition(":")
    if not sep or not folder_name(name):
        raise InvalidOptionError(
            f"A variant is 'NAME: KEY=VALUE ...', got {text!r}. Example: {_EXAMPLE} "
            '(or "baseline2:" for no changes).'
        )
    try:
        words = shlex.split(rest.replace(";", " "))
    except ValueError as exc:
        raise InvalidOptionError(f"Variant {name.strip()!r}: {exc} in {rest!r}.") from None
    pairs: dict[str, str] = {}
    for word in words:
        key, eq, value = word.partition("=")
        if not eq or not key.strip():
            raise InvalidOptionError(
                f"Variant {name.strip()!r}: {word!r} is not KEY=VALUE. Example: {_EXAMPLE}."
            )
        if key.strip() in pairs:
            raise InvalidOptionError(f"Variant {name.strip()!r} gives {key.strip()!r} twice.")
        pairs[key.strip()] = value.strip()
    return name.strip(), pairs


def parse_seeds(value: int | str | Iterable[int]) -> list[int]:
    """``3`` or ``"3"`` -> ``[0, 1, 2]``; ``"0,1,5"`` or ``[0, 1, 5]`` -> those seeds.

    Raises:
        InvalidOptionError: not a count >= 1 or a list of distinct seeds, each an integer
            in [0, 2**32 - 1] (:func:`kerazoo._params.check_seed`).
    """
    text = value if isinstance(value, str) else None
    shown = text if text is not None else repr(value)
    count = value if isinstance(value, int) and not isinstance(value, bool) else None
    if isinstance(value, str) and "," not in value and value.strip().lstrip("-").isdigit():
        count = int(value)
    if count is not None and 1 <= count <= SEED_MAX + 1:  # else refused below
        check_fits(count, _SEED_BYTES, what=f"--seeds {count}", fix="Ask for fewer")
    try:
        if count is not None:
            if count >= 1:  # the last seed of the count must be a seed
                check_seed(count - 1, "seeds")
            seeds = list(range(count))
        else:
            items = value.split(",") if isinstance(value, str) else list(value)
            seeds = [
                check_seed(s.strip() if isinstance(s, str) else s, "seeds")
                for s in items
                if str(s).strip()
            ]
    except (TypeError, ValueError):
        seeds = []
    if not seeds or len(set(seeds)) != len(seeds):
        raise InvalidOptionError(
            f"--seeds takes a count (3: seeds 0, 1, 2) or distinct seeds (0,1,2), each an "
            f"integer in [0, {SEED_MAX}] (2**32 - 1, the most NumPy's generator takes); got "
            f"{shown}."
        )
    return seeds


#: Bytes one seed of a count takes in the list (a Python int and its slot).
_SEED_BYTES = 64


def key_tables(dataset: str, architecture: str) -> dict[str, dict[str, Any]]:
    """The three tables a variant's keys are looked up in, by prefix (see :data:`TABLES`).

    Example:
        >>> sorted(key_tables("shapes", "lenet"))                       # doctest: +SKIP
        ['data', 'hp', 'train']
    """
    from kerazoo._registry import architecture_class, dataset_class
    from kerazoo.training._settings import SETTINGS

    return {
        "hp": dict(architecture_class(architecture).hyperparameters),
        "data": dict(dataset_class(dataset).options),
        "train": {k: v for k, v in SETTINGS.items() if k not in _RESERVED},
    }


def locate(key: str, tables: Mapping[str, Mapping[str, Any]], variant: str) -> tuple[str, str]:
    """``(prefix, name)`` of ``key`` in ``tables``.

    Raises:
        UnknownNameError: a key in no table (with suggestions), or a wrong prefix.
        InvalidOptionError: a key in more than one table without a prefix, or ``seed``.
    """
    prefix, dot, name = key.partition(".")
    if dot and prefix in TABLES:
        if name not in tables[prefix]:
            raise _unknown(name, {prefix: tables[prefix]}, variant, key)
        return prefix, name
    given, key = key, key.replace("-", "_")  # batch-size as the flag spells it
    key = _aliases().get(key, key)
    if key in _RESERVED:
        raise InvalidOptionError(f"Variant {variant!r} sets {key!r}: {_RESERVED[key]}.")
    hits = [p for p in TABLES if key in tables[p]]
    if len(hits) == 1:
        return hits[0], key
    if hits:
        which = " and ".join(f"a {TABLES[p]}" for p in hits)
        fixes = " or ".join(f"{p}.{key}=..." for p in hits)
        error = InvalidOptionError(
            f"Variant {variant!r}: the key {key!r} is ambiguous: it is {which}. Say which "
            f"with a prefix: {fixes}."
        )
        error.name, error.value, error.choices = "key", key, tuple(f"{p}.{key}" for p in hits)
        raise error
    raise _unknown(key, tables, variant, given)


def _aliases() -> dict[str, str]:
    """Settings whose ``kerazoo train`` flag is another word: ``{"lr": "learning_rate"}``."""
    from kerazoo.training._settings import FLAGS

    return {flag.lstrip("-").replace("-", "_"): name for name, flag in FLAGS.items()}


def _unknown(
    name: str, tables: Mapping[str, Mapping[str, Any]], variant: str, given: str
) -> KerazooError:
    everything = [k for table in tables.values() for k in table]
    hint = suggest("key", name, everything, flags=False)
    lists = "; ".join(f"{TABLES[p]}s: {', '.join(t)}" for p, t in tables.items())
    error = UnknownNameError(
        f"Unknown key {given!r} in variant {variant!r}.{hint} A key is one of these "
        f"({lists}); prefix it with hp., data. or train. where two tables share it."
    )
    error.name, error.value, error.choices = "key", given, tuple(everything)
    return error


def make_variants(
    specs: Mapping[str, Mapping[str, Any]] | Iterable[str],
    tables: Mapping[str, Mapping[str, Any]],
    baseline: bool = True,
) -> list[Variant]:
    """The variants of a comparison, ``baseline`` (no changes) first unless left out.

    Args:
        specs: ``{"half": {"width": 0.5}}`` or ``["half: width=0.5"]``.
        tables: from :func:`key_tables`.
        baseline: put the variant ``baseline`` with no changes first.

    Raises:
        InvalidOptionError: no variant at all, two variants with one folder name, or
            ``baseline`` given with changes.
    """
    if not isinstance(specs, Mapping):
        parsed = [parse_variant(s) for s in specs]
        names = [n for n, _ in parsed]
        if len(set(names)) != len(names):
            twice = sorted({n for n in names if names.count(n) > 1})
            raise InvalidOptionError(f"Two variants are named {twice[0]!r}: name each once.")
        specs = dict(parsed)
    out = [Variant(BASELINE)] if baseline else []
    for name, changes in specs.items():
        if name == BASELINE and baseline:
            if changes:
                raise InvalidOptionError(
                    f"'{BASELINE}' is the variant with no changes that the others are "
                    "judged against; name yours otherwise, or pass --no-baseline."
                )
            continue
        sorted_ = {p: {} for p in TABLES}
        for key, value in changes.items():
            prefix, key_name = locate(key, tables, name)
            sorted_[prefix][key_name] = value
        out.append(Variant(name, dict(changes), sorted_["hp"], sorted_["data"], sorted_["train"]))
    folders = [v.folder for v in out]
    for v in out:
        if folders.count(v.folder) > 1:
            raise InvalidOptionError(
                f"Variants {' and '.join(repr(w.name) for w in out if w.folder == v.folder)} "
                f"would share the run folder {v.folder!r}: rename one."
            )
    if not out:
        raise InvalidOptionError(f"Nothing to compare: give a variant ({_EXAMPLE}).")
    return out


def check_variant(
    variant: Variant,
    dataset: str,
    architecture: str,
    shared: Mapping[str, Mapping[str, Any]],
) -> tuple[Any, Any, dict[str, Any]]:
    """Check a variant's values on top of the ``shared`` ones, before anything trains.

    Args:
        variant: the variant.
        dataset, architecture: the names.
        shared: ``{"hp": {...}, "data": {...}, "train": {...}}`` for every variant.

    Returns:
        ``(dataset, architecture, settings)``: the configured plugins and every setting.

    Raises:
        KerazooError: the error the tables raise (a bad value, a dataset that cannot be
            made, an architecture that does not fit), its message led by the variant's name.
    """
    from kerazoo._registry import get_architecture, get_dataset
    from kerazoo.models._build import check_compatible
    from kerazoo.training._settings import check_settings

    # a variant's keys are KEY=VALUE words, never flags (shared ones may be flags)
    words = option_flags({}) if variant.changes else contextlib.nullcontext()
    try:
        with words:
            data = get_dataset(dataset, **{**shared["data"], **variant.data})
            arch = get_architecture(architecture, **{**shared["hp"], **variant.hp})
            settings = check_settings({**shared["train"], **variant.settings})
            check_compatible(arch, data, settings["encoding"])
    except KerazooError as exc:
        if not variant.changes:
            raise
        error = type(exc)(f"Variant {variant.name!r} ({variant.describe()}): {exc}")
        error.name, error.value, error.choices = exc.name, exc.value, exc.choices
        raise error from None
    return data, arch, settings
