"""The search space of ``kerazoo tune``, read from the tables: nothing listed by hand.

Two tables declare what can be searched:

* the architecture's :attr:`~kerazoo.Architecture.hyperparameters` (declared on keras-tuner
  by :meth:`~kerazoo.Architecture.search_space`);
* the training settings of :data:`kerazoo.training._settings.SETTINGS` with ``tune=True``
  (optimizer, learning rate, batch size, ...).

A value the user gives (``--hp filters=8``, ``--lr 0.01``) is fixed, not searched; a range or
a list the user gives (``--space learning_rate=1e-4:1e-1``, ``--space optimizer=adam,sgd``)
narrows one entry's search. A setting or hyperparameter added to a table joins the search
with no change here.

This module imports no keras: the search is checked before TensorFlow starts.

Example:
    >>> space = parse_space_text({"optimizer": "adam,sgd", "learning_rate": "1e-4:1e-1"})
    >>> space["learning_rate"]
    ('1e-4', '1e-1')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kerazoo._errors import InvalidOptionError, UnknownNameError, option, unknown_choice
from kerazoo._params import Param

__all__ = ["Plan", "parse_space_text", "searched_settings"]


def searched_settings() -> dict[str, Param]:
    """The training settings in the tuner's space: those of ``SETTINGS`` with ``tune=True``.

    Example:
        >>> "learning_rate" in searched_settings()
        True
    """
    from kerazoo.training._settings import SETTINGS

    return {name: p for name, p in SETTINGS.items() if p.tune}


def parse_space_text(pairs: Mapping[str, str]) -> dict[str, Any]:
    """``--space`` values as given on the command line: ``LOW:HIGH`` or ``A,B,C``.

    Returns:
        name -> ``(low, high)`` (a tuple: a range) or ``[a, b, c]`` (a list: the choices),
        still strings; :class:`Plan` parses them with each entry's table.
    """
    out: dict[str, Any] = {}
    for name, text in pairs.items():
        if ":" in text:
            low, _, high = text.partition(":")
            out[name] = (low.strip(), high.strip())
        else:
            out[name] = [v.strip() for v in text.split(",") if v.strip()]
    return out


def trial_callbacks(callbacks: Any, here: bool) -> list[Any]:
    """Keras callbacks, or names of installed ones, for every trial's ``fit``; only where
    the trials run ``here``, in this process."""
    from kerazoo._extensions import make_callbacks

    callbacks = list(callbacks or ())
    if callbacks and not here:
        raise InvalidOptionError(
            "callbacks run in this process, but with workers or a chief the trials run "
            "in others. Leave callbacks out, or run the trials here (workers=0, no chief)."
        )
    return make_callbacks(callbacks)


@dataclass(frozen=True)
class Plan:
    """What every trial shares: the tables, what the user fixed, and the narrowed entries.

    Args:
        arch_cls: the Architecture class searched.
        fixed_hp: hyperparameters the user gave (parsed), fixed in every trial.
        settings: every training setting (parsed, defaults filled); those of
            :func:`searched_settings` not in ``fixed_settings`` are searched.
        fixed_settings: the names of the settings the user gave.
        space: name -> ``(low, high)`` tuple or list of choices, narrowing an entry.
        arch: the Architecture looked up (``None``: one of ``arch_cls`` with its defaults);
            every trial's architecture keeps its registered name and package.
    """

    arch_cls: type
    fixed_hp: dict[str, Any]
    settings: dict[str, Any]
    fixed_settings: set[str] = field(default_factory=set)
    space: dict[str, Any] = field(default_factory=dict)
    arch: Any = None
    #: Keras callbacks added to every trial's ``fit``.
    callbacks: list[Any] = field(default_factory=list)

    def request(self, ds: Any, tuner: str, metric: tuple[str, str]) -> dict[str, Any]:
        """What makes a search the same search (``tune.json``; ``trials`` may change)."""
        from kerazoo.training._settings import SETTINGS

        table = self.arch_cls.hyperparameters
        return {
            "dataset": {"name": ds.name, "options": ds.options_json()},
            "architecture": {
                "name": self.arch.name,
                "fixed": {k: table[k].dump(v) for k, v in self.fixed_hp.items()},
            },
            "settings": {k: SETTINGS[k].dump(v) for k, v in self.settings.items()},
            "fixed_settings": sorted(self.fixed_settings),
            "space": {k: [kind, list(v)] for k, (kind, v) in self.space.items()},
            "tuner": tuner,
            "objective": list(metric),
        }

    def architecture(self, values: dict[str, Any]) -> Any:
        """The architecture of one trial's ``values``, named as the one looked up."""
        from kerazoo._registry import remake

        return remake(self.arch if self.arch is not None else self.arch_cls(), **values)

    def __post_init__(self) -> None:
        space = {
            _setting_name(name): self._check_entry(_setting_name(name), spec)
            for name, spec in self.space.items()
        }
        object.__setattr__(self, "space", space)  # the checked entries, once

    # -- the tables --------------------------------------------------------------------
    def table(self, name: str) -> Param:
        """The Param of ``name``: a hyperparameter of the architecture, or a setting."""
        from kerazoo.training._settings import SETTINGS

        return self.arch_cls.hyperparameters.get(name) or SETTINGS[name]

    def searchable(self) -> list[str]:
        """Every name ``space`` may narrow: the architecture's hyperparameters and the
        tuned settings, except what is fixed."""
        names = [*self.arch_cls.hyperparameters, *searched_settings()]
        fixed = set(self.fixed_hp) | self.fixed_settings
        return [n for n in names if n not in fixed]

    def searched(self) -> list[str]:
        """The names that vary between trials, in table order."""
        arch = [
            n
            for n, p in self.arch_cls.hyperparameters.items()
            if n not in self.fixed_hp and (p.tune or n in self.space)
        ]
        settings = [n for n in searched_settings() if n not in self.fixed_settings]
        return arch + settings

    def _check_entry(self, name: str, spec: Any) -> tuple[str, Any]:
        """``("range", (low, high))`` or ``("choice", [values])``, each checked by its table."""
        if name not in self.searchable():
            fixed = name in self.fixed_hp or name in self.fixed_settings
            if fixed:
                raise InvalidOptionError(
                    f"{name} is both fixed and searched: --space {name}=... narrows a search, "
                    f"a fixed value ({option(name)} or --hp {name}=VALUE) leaves none. Keep one."
                )
            raise unknown_choice(
                "--space",
                name,
                self.searchable(),
                what="searchable name",
                listed="Searchable",
                error=UnknownNameError,
            )
        param = self.table(name)
        values = [spec] if isinstance(spec, str) else list(spec)
        try:
            parsed = [param.parse(v) for v in values]
        except (TypeError, ValueError) as exc:
            raise InvalidOptionError(
                f"Invalid --space {name}={_shown(spec)}: {exc}. Give LOW:HIGH or A,B,C "
                f"within {param.describe()}."
            ) from None
        if isinstance(spec, tuple):
            if len(parsed) != 2 or not all(isinstance(v, (int, float)) for v in parsed):
                raise InvalidOptionError(
                    f"--space {name}={_shown(spec)}: a range is LOW:HIGH, two numbers "
                    f"({param.describe()}); for a list of values write A,B,C."
                )
            low, high = parsed
            if low > high:
                raise InvalidOptionError(
                    f"--space {name}={_shown(spec)}: a range is LOW:HIGH with LOW first, got "
                    f"{low} above {high}. Write --space {name}={spec[1]}:{spec[0]}."
                )
            return ("range", (low, high))
        if not parsed:
            raise InvalidOptionError(f"--space {name}= names no value. Give LOW:HIGH or A,B,C.")
        return ("choice", list(dict.fromkeys(parsed)))

    # -- one trial's values --------------------------------------------------------------
    def initial(self, hp: Any) -> Any:
        """Put the fixed and narrowed entries on a ``keras_tuner.HyperParameters``, so that
        the architecture's own ``search_space`` finds them declared and keeps them."""
        for name, value in self.fixed_hp.items():
            hp.Fixed(name, self.table(name).dump(value))
        for name, (kind, spec) in self.space.items():
            param = self.table(name)
            if kind == "choice":
                hp.Choice(name, spec, default=_default(param, spec))
            else:
                param.declare(hp, name, spec)
        return hp

    def draw(self, hp: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """``(hyperparameters, settings)`` of one trial, drawn from ``hp``."""
        values = self.arch_cls.search_space(hp)
        for name in self.arch_cls.hyperparameters:
            if name in self.space:
                values[name] = hp.get(name)
        values.update(self.fixed_hp)
        settings = dict(self.settings)
        for name, param in searched_settings().items():
            if name in self.fixed_settings:
                continue
            if name in self.space:
                settings[name] = hp.get(name)
            else:
                settings[name] = param.declare(hp, name)
        return values, settings


def _setting_name(name: str) -> str:
    """A setting named as its flag (``lr``, ``batch-size``) -> its name (``learning_rate``)."""
    from kerazoo.training._settings import FLAGS

    spelled = {flag.lstrip("-"): setting for setting, flag in FLAGS.items()}
    return spelled.get(name, name)


def _default(param: Param, values: Any) -> Any:
    return param.default if param.default in tuple(values) else None


def _shown(spec: Any) -> str:
    if isinstance(spec, tuple):
        return ":".join(str(v) for v in spec)
    if isinstance(spec, list):
        return ",".join(str(v) for v in spec)
    return str(spec)
