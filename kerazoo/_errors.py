"""Errors raised by kerazoo.

Every error is a :class:`KerazooError` and also inherits the built-in exception a caller would
expect (``ValueError``, ``KeyError``, ``ImportError``, ...), so ``except ValueError`` keeps
working. Messages follow one rule: say what rule was broken, echo what was received, give
the fix, and list the valid choices where there are some.
"""

from __future__ import annotations

import contextlib
import difflib
import shlex
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any

__all__ = [
    "DataError",
    "DivergedError",
    "IncompatibleError",
    "InvalidOptionError",
    "KerazooError",
    "ModelFileError",
    "OutputError",
    "PluginConflictError",
    "PluginError",
    "UnknownNameError",
    "UnsafeModelError",
    "check_choice",
    "option",
    "option_flags",
    "suggest",
    "unknown_choice",
]


class KerazooError(Exception):
    """Base class of every error kerazoo raises on purpose.

    An error that refuses a choice (see :func:`unknown_choice`) also carries what a program
    needs: ``name`` (what was being chosen, e.g. ``"encoding"``), ``value`` (what was
    received) and ``choices`` (the valid ones). Other errors leave them at ``None``/``()``.
    """

    name: str | None = None
    value: Any = None
    choices: tuple[Any, ...] = ()


class UnknownNameError(KerazooError, KeyError):
    """A dataset, architecture, option or other name that does not exist."""

    def __str__(self) -> str:  # KeyError would wrap the message in quotes
        return str(self.args[0]) if self.args else ""


class InvalidOptionError(KerazooError, ValueError):
    """An option or hyperparameter value that is not allowed."""


class IncompatibleError(KerazooError, ValueError):
    """A combination that cannot be built (task vs architecture, encoding, layout, size)."""


class DataError(KerazooError, ValueError):
    """Input data that cannot be used: a corrupt image, an empty folder, a wrong shape."""


class PluginError(KerazooError, ImportError):
    """A plugin that failed to load or does not fulfil its base class's contract."""


class PluginConflictError(PluginError):
    """The same name registered by two installed packages."""


class ModelFileError(KerazooError, ValueError):
    """A model file that cannot be read: missing, truncated, not a model."""


class UnsafeModelError(ModelFileError):
    """A model file that carries code (a Lambda layer, a custom object); refused unread."""


class DivergedError(KerazooError, FloatingPointError):
    """Training produced a NaN or infinite loss."""


class OutputError(KerazooError, OSError):
    """A file or folder kerazoo was asked to write and cannot, or will not, write.

    It exists and is not what is meant (a device, a FIFO, a socket, a folder where a file is
    meant, a file where a folder is meant), it is a file that must not be overwritten, or the
    place is read-only, full or not a place for files. Also an ``OSError``: ``errno`` and
    ``strerror`` are the operating system's, when it gave one.

    Attributes:
        path: the file or folder refused, as given.
    """

    def __init__(self, message: str, path: Any = None, cause: OSError | None = None) -> None:
        super().__init__(message)
        self.message, self.path = message, path
        self.filename = None if path is None else str(path)
        if cause is not None:
            self.errno, self.strerror = cause.errno, cause.strerror

    def __str__(self) -> str:  # OSError would show "[Errno ...]" before the message
        return self.message


_UNSET: Any = object()
_FLAGS: ContextVar[Mapping[str, str] | None] = ContextVar("kerazoo_option_flags", default=None)


@contextlib.contextmanager
def option_flags(flags: Mapping[str, str]) -> Iterator[None]:
    """Within this block, messages name settings as command-line flags.

    Args:
        flags: setting name -> flag, e.g. ``{"encoding": "--encoding", "learning_rate":
            "--lr"}``. The ``kerazoo`` command collects it from its argument parser.

    Example:
        >>> with option_flags({"encoding": "--encoding"}):
        ...     option("encoding", "reconstruction")
        '--encoding reconstruction'
    """
    token = _FLAGS.set(dict(flags))
    try:
        yield
    finally:
        _FLAGS.reset(token)


def option(name: str, value: Any = _UNSET) -> str:
    """How a message tells the user to set something: the one place that spells a setting.

    From Python a setting is a keyword (``encoding='reconstruction'``); inside
    :func:`option_flags` (the ``kerazoo`` command) a setting with a flag is that flag
    (``--encoding reconstruction``; a ``True`` switch is the bare flag).

    Args:
        name: the setting, as the Python API names it.
        value: the value to show; leave it out to name only the setting.

    Example:
        >>> option("encoding", "reconstruction")
        "encoding='reconstruction'"
    """
    flag = (_FLAGS.get() or {}).get(name)
    if flag is None:
        return name if value is _UNSET else f"{name}={value!r}"
    if value is _UNSET or value is True:
        return flag
    return f"{flag} {shlex.quote(str(value))}"


def suggest(name: str, value: Any, choices: Iterable[Any], flags: bool = True) -> str:
    """``" Did you mean 'x'?"`` for the choices closest to ``value``, or ``""``.

    Inside :func:`option_flags` (the command line) a setting with a flag is suggested as
    the flag (``" Did you mean --encoding onehot?"``), unless ``flags`` is false.

    Example:
        >>> suggest("encoding", "onehto", ("sparse", "onehot"))
        " Did you mean 'onehot'?"
    """
    close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=3, cutoff=0.6)
    if not close:
        return ""
    spell = option if flags and (_FLAGS.get() or {}).get(name) else (lambda _, c: repr(c))
    return " Did you mean " + " or ".join(spell(name, c) for c in close) + "?"


def unknown_choice(
    name: str,
    value: Any,
    choices: Iterable[Any],
    *,
    what: str | None = None,
    owner: str = "",
    listed: str = "Valid",
    extra: str = "",
    empty: str = "(none)",
    error: type[KerazooError] | None = None,
) -> KerazooError:
    """The one error for a name or value that is not among the valid choices.

    The message states what was refused, suggests the closest choices and lists them all;
    the error carries ``.name``, ``.value`` and ``.choices``. On the command line the
    suggestion is spelled as a flag (see :func:`option`).

    Args:
        name: the setting being chosen, e.g. ``"encoding"`` (also names the flag).
        value: what was received.
        choices: the valid values.
        what: how the message names the setting, when not ``name`` (e.g. ``"hyperparameter"``).
        owner: what the choice belongs to, e.g. ``"dataset 'shapes'"``.
        listed: the words before the list of choices (``"Valid"``, ``"Available"``).
        extra: text added after the list (other accepted forms).
        empty: what the list says when there are no choices.
        error: the class to raise: ``InvalidOptionError`` (a value, the default) or
            ``UnknownNameError`` (a name that does not exist).

    Returns:
        The error, for the caller to ``raise``.

    Example:
        >>> err = unknown_choice("encoding", "onehto", ("sparse", "onehot"))
        >>> str(err)
        "Unknown encoding 'onehto'. Did you mean 'onehot'? Valid: sparse, onehot."
        >>> err.name, err.value, err.choices
        ('encoding', 'onehto', ('sparse', 'onehot'))
    """
    choices = tuple(choices)
    names = [str(c) for c in choices]
    hint = suggest(name, value, choices)
    where = f" for {owner}" if owner else ""
    shown = ", ".join(names) or empty
    message = f"Unknown {what or name} {value!r}{where}.{hint} {listed}: {shown}{extra}."
    exc = (error or InvalidOptionError)(message)
    exc.name, exc.value, exc.choices = name, value, choices
    return exc


def check_choice(value: object, valid: Iterable[str], what: str) -> None:
    """Raise :func:`unknown_choice`'s ``InvalidOptionError`` unless ``value`` is in ``valid``.

    Example:
        >>> check_choice("none", ("none", "standard"), "normalization")
    """
    valid = tuple(valid)
    if value not in valid:
        raise unknown_choice(what, value, valid)
