"""Option and hyperparameter tables: config as data.

A plugin declares what it accepts as one table of :class:`Param`::

    options = {
        "size": Param(64, "size", help="image size: 64 or HxW"),
        "noise": Param(0.0, float, low=0.0, high=1.0),
        "channels": Param(1, int, choices=(1, 3)),
    }

The same table parses command-line strings (``--data noise=0.1``), validates values given
from Python, fills defaults, writes JSON for the saved model, and (for architectures)
becomes a keras-tuner search space.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kerazoo._errors import InvalidOptionError, UnknownNameError, option, suggest, unknown_choice

__all__ = ["SEED_MAX", "Param", "check_seed", "parse_pairs", "parse_size", "resolve"]

#: The largest seed: NumPy's legacy generator, which ``keras.utils.set_random_seed`` seeds,
#: takes seeds in [0, 2**32 - 1].
SEED_MAX = 2**32 - 1

#: Plugin tables are given on the command line as ``--data``/``--hp KEY=VALUE``, so their
#: names are never spelled as flags, even where a command has a flag of the same name.
_PLUGIN_WORDS = ("option", "hyperparameter")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def parse_pairs(pairs: Sequence[str] | None, flag: str) -> dict[str, str]:
    """Turn ``["a=1", "b=x"]`` from a repeated ``--data``/``--hp`` flag into a dict.

    Values stay strings: the plugin's option table parses them.

    Example:
        >>> parse_pairs(["size=32", "noise = 0.1"], "--data")
        {'size': '32', 'noise': '0.1'}
    """
    out: dict[str, str] = {}
    for pair in pairs or ():
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InvalidOptionError(
                f"{flag} takes KEY=VALUE, got {pair!r}. Example: {flag} size=32"
            )
        out[key.strip()] = value.strip()
    return out


def parse_size(value: Any) -> tuple[int, int]:
    """Parse an image size: ``64`` or ``"64"`` (square), ``"27x11"`` or ``(27, 11)`` (H, W).

    Example:
        >>> parse_size("27x11")
        (27, 11)
    """
    if isinstance(value, bool):
        raise ValueError("a size is not a boolean")
    if isinstance(value, int):
        h = w = value
    elif isinstance(value, str):
        parts = value.lower().replace(" ", "").split("x")
        if len(parts) == 1:
            h = w = int(parts[0])
        elif len(parts) == 2:
            h, w = int(parts[0]), int(parts[1])
        else:
            raise ValueError(f"{value!r} is not N or HxW")
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        h, w = (int(v) for v in value)
    else:
        raise ValueError(f"{value!r} is not N or HxW")
    if h < 1 or w < 1:
        raise ValueError(f"{value!r} has a side below 1")
    return h, w


@dataclass(frozen=True)
class Param:
    """One option or hyperparameter: its default, type, allowed values and help.

    Args:
        default: the value used when none is given (``None`` allowed with ``required``).
        type: ``int``, ``float``, ``bool``, ``str`` or ``"size"`` (an image size, N or HxW).
        low, high: inclusive bounds for numbers (also the tuner's search range).
        choices: the allowed values, if a closed set.
        help: one line shown by ``kerazoo list --verbose`` and in error messages.
        required: the user must give a value (``default`` is ignored).
        log: sample the tuner range on a log scale (learning rates, widths).
        tune: whether the value belongs to the tuner's search space.
        search: ``(low, high)`` the tuner draws from by default, inside the valid bounds,
            where those are wider than worth searching (a batch size may be 1 to 4096, a
            search tries 16 to 256); default: ``low`` to ``high``. ``--space`` can still
            ask for any valid range.
        finite: refuse NaN and infinite numbers (the default); ``False`` lets a Param
            take them on purpose.

    Raises:
        ValueError: a ``search`` range not inside ``low``..``high``.
    """

    default: Any
    type: Any = None
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] | None = None
    help: str = ""
    required: bool = False
    log: bool = False
    tune: bool = True
    search: tuple[float, float] | None = None
    finite: bool = True

    def __post_init__(self) -> None:
        if self.search is None:
            return
        if self.low is None or self.high is None:
            raise ValueError(f"A search range needs low and high bounds, got {self.search}.")
        lo, hi = self.search
        if not self.low <= lo <= hi <= self.high:
            raise ValueError(
                f"The search range {self.search} must lie inside [{self.low}, {self.high}] "
                "with its low end first."
            )

    @property
    def search_range(self) -> tuple[Any, Any]:
        """What the tuner draws from by default: ``search``, else ``(low, high)``."""
        return self.search if self.search is not None else (self.low, self.high)

    def declare(self, hp: Any, name: str, bounds: tuple[Any, Any] | None = None) -> Any:
        """Declare this entry on a ``keras_tuner.HyperParameters`` as ``name``; return its
        value. The one rule for every table (architectures' hyperparameters, the settings):
        ``choices`` become ``hp.Choice``, booleans ``hp.Boolean``, numbers with a range
        ``hp.Int`` / ``hp.Float`` over :attr:`search_range` (``bounds`` replaces it), on a
        log scale where ``log`` says so; a value with a parser of its own (such as chopped
        VGG's ``convs``) is searched as the type of its default (a number when it has
        none, such as the learning rate). Anything else keeps its default.

        Example:
            >>> import keras_tuner
            >>> Param(3, int, low=1, high=9).declare(keras_tuner.HyperParameters(), "n")
            3
        """
        kind = self.kind
        if kind not in (int, float, bool, str):  # a parser of its own: its default's type
            kind = type(self.default) if self.default is not None else float
        if self.choices is not None:
            default = self.default if self.default in self.choices else None
            return hp.Choice(name, list(self.choices), default=default)
        if kind is bool:
            return hp.Boolean(name, default=bool(self.default))
        low, high = bounds if bounds is not None else self.search_range
        if kind not in (int, float) or low is None or high is None:
            return self.default
        ask: dict[str, Any] = {"sampling": "log" if self.log and low > 0 else "linear"}
        if self.default is not None and low <= self.default <= high:
            ask["default"] = self.default
        if kind is int:
            return hp.Int(name, int(low), int(high), **ask)
        return hp.Float(name, float(low), float(high), **ask)

    @property
    def kind(self) -> Any:
        """The declared type, or the type of the default when none was declared."""
        if self.type is not None:
            return self.type
        return type(self.default) if self.default is not None else str

    def describe(self) -> str:
        """A short human description of what values are allowed."""
        k = self.kind
        name = "size (N or HxW)" if k == "size" else getattr(k, "__name__", str(k)).lstrip("_")
        if self.choices is not None:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.low is not None or self.high is not None:
            lo = "-inf" if self.low is None else self.low
            hi = "inf" if self.high is None else self.high
            return f"{name} in [{lo}, {hi}]"
        return name

    def parse(self, value: Any) -> Any:
        """Turn a Python value or a command-line string into a checked value.

        Raises:
            ValueError: with a reason, when the value does not fit (the caller adds context).
        """
        k = self.kind
        if value is None:
            if self.default is None and not self.required:
                return None
            raise ValueError("a value is required")
        if k == "size":
            out: Any = parse_size(value)
        elif k is bool:
            if isinstance(value, bool):
                out = value
            elif isinstance(value, str) and value.lower() in _TRUE | _FALSE:
                out = value.lower() in _TRUE
            elif isinstance(value, int) and value in (0, 1):
                out = bool(value)
            else:
                raise ValueError("expected true or false")
        elif k is int:
            if isinstance(value, bool):
                raise ValueError("expected an integer, got a boolean")
            if isinstance(value, float) and not value.is_integer():
                raise ValueError("expected an integer")
            out = int(value)
        elif k is float:
            if isinstance(value, bool):
                raise ValueError("expected a number, got a boolean")
            try:
                out = float(value)
            except OverflowError:
                raise ValueError(f"{value} is too large for a float") from None
        elif k is str:
            out = str(value)
        else:
            out = k(value)
        if self.choices is not None and out not in self.choices:
            raise ValueError("expected " + self.describe())
        if isinstance(out, float) and self.finite and not math.isfinite(out):
            raise ValueError(f"{out} is not a finite number")
        if isinstance(out, (int, float)) and not isinstance(out, bool):
            if self.low is not None and out < self.low:
                raise ValueError(f"below the minimum {self.low}")
            if self.high is not None and out > self.high:
                raise ValueError(f"above the maximum {self.high}")
        return out

    def dump(self, value: Any) -> Any:
        """The JSON form of a parsed value (sizes become ``N`` or ``"HxW"``)."""
        if self.kind == "size" and value is not None:
            h, w = parse_size(value)
            return h if h == w else f"{h}x{w}"
        return value


#: What a seed is, for :func:`check_seed` (the training settings' ``seed`` has the same range).
SEED = Param(0, int, low=0, high=SEED_MAX, tune=False, help="an integer in [0, 2**32 - 1]")


def check_seed(seed: Any, name: str = "seed") -> int:
    """``seed`` as an ``int``, or an ``InvalidOptionError`` naming the setting.

    A seed is an integer in [0, :data:`SEED_MAX`]: the range NumPy's legacy generator takes,
    which ``keras.utils.set_random_seed`` seeds along with Python's and the backend's.

    Example:
        >>> check_seed("7")
        7
    """
    try:
        return SEED.parse(seed)
    except (TypeError, ValueError) as exc:
        error = InvalidOptionError(
            f"Invalid {option(name, seed)}: {exc}. A seed is an integer in [0, {SEED_MAX}] "
            f"(2**32 - 1, the most NumPy's generator takes), e.g. {option(name, 0)}."
        )
        error.name, error.value = name, seed
        raise error from None


def resolve(
    table: Mapping[str, Param], given: Mapping[str, Any], owner: str, word: str = "option"
) -> dict[str, Any]:
    """Check ``given`` against ``table`` and return every value, defaults filled in.

    Args:
        table: the plugin's table of :class:`Param`.
        given: what the user passed (Python values or command-line strings).
        owner: how to name the plugin in messages, e.g. ``"dataset 'shapes'"``.
        word: ``"option"`` or ``"hyperparameter"``.

    Raises:
        UnknownNameError: a name that is not in the table (with suggestions).
        InvalidOptionError: a value that does not parse or is out of range.

    Example:
        >>> resolve({"n": Param(3, int, low=1)}, {"n": "5"}, "dataset 'x'")
        {'n': 5}
    """
    for name in given:
        if name not in table:
            raise unknown_choice(
                word, name, table, owner=owner, listed=f"Valid {word}s", error=UnknownNameError
            )
    out: dict[str, Any] = {}
    for name, param in table.items():
        if name in given:
            raw = given[name]
        elif param.required:
            raise InvalidOptionError(
                f"The {word} {name!r} of {owner} is required: give it as {name}=VALUE "
                f"({param.describe()}{'; ' + param.help if param.help else ''})."
            )
        else:
            raw = param.default
        try:
            out[name] = param.parse(raw)
        except (ValueError, TypeError) as exc:
            flags = word not in _PLUGIN_WORDS
            what = option(name) if flags else name
            what = f"{word} {name!r} of {owner}" if what == name else what
            hint = suggest(name, raw, param.choices, flags) if param.choices else ""
            reason = str(exc)
            if reason != f"expected {param.describe()}":  # else the reason already says it
                reason += f". Expected {param.describe()}"
            error = InvalidOptionError(
                f"Invalid value {raw!r} for {what}: {reason}"
                f"{' (' + param.help + ')' if param.help else ''}.{hint}"
            )
            error.name, error.value, error.choices = name, raw, tuple(param.choices or ())
            raise error from None
    return out
