"""Errors raised by kerazoo.

Every error is a :class:`KerazooError` and also inherits the built-in exception a caller would
expect (``ValueError``, ``KeyError``, ``ImportError``, ...), so ``except ValueError`` keeps
working. Messages follow one rule: say what rule was broken, echo what was received, give
the fix, and list the valid choices where there are some.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "DataError",
    "DivergedError",
    "IncompatibleError",
    "InvalidOptionError",
    "KerazooError",
    "ModelFileError",
    "PluginConflictError",
    "PluginError",
    "UnknownNameError",
    "UnsafeModelError",
    "check_choice",
    "did_you_mean",
]


class KerazooError(Exception):
    """Base class of every error kerazoo raises on purpose."""


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


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """Return ``" Did you mean 'x'?"`` for the closest choices, or an empty string."""
    close = difflib.get_close_matches(name, list(choices), n=3, cutoff=0.6)
    if not close:
        return ""
    return " Did you mean " + " or ".join(repr(c) for c in close) + "?"


def check_choice(value: object, valid: Iterable[str], what: str) -> None:
    """Raise ``InvalidOptionError`` unless ``value`` is one of ``valid`` (with suggestions)."""
    valid = tuple(valid)
    if value not in valid:
        raise InvalidOptionError(
            f"Unknown {what} {value!r}.{did_you_mean(str(value), valid)} Valid: {', '.join(valid)}."
        )
