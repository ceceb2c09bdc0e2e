"""A griffe extension for the API reference: kerazoo's docstrings, as mkdocstrings reads them.

kerazoo's docstrings follow the Google style with two habits of Sphinx/napoleon that
griffe's Google parser does not share:

- ``Example:`` (singular) heads the examples; griffe knows only ``Examples:`` and would show
  the ``>>>`` lines as a paragraph instead of code;
- ``:func:`name```, ``:class:`~name``` and other Sphinx roles; griffe shows them literally.

This extension rewrites both when the docstrings are loaded (the source stays as it is):
``Example:`` becomes ``Examples:`` and a role becomes inline code. mkdocs.yml loads it from
this file; ``exclude_docs`` keeps it out of the built site.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_EXAMPLE = re.compile(r"^(\s*)Example:\s*$", re.MULTILINE)
_ROLE = re.compile(r":(?:func|class|meth|mod|attr|data|exc|obj):`~?([^`]+)`")


class KerazooDocstrings(griffe.Extension):
    """Rewrite ``Example:`` and Sphinx roles in every docstring griffe loads."""

    def on_object(self, *, obj: Any, **kwargs: Any) -> None:
        """Called once per loaded object (module, class, function, attribute)."""
        if obj.docstring is not None:
            text = _EXAMPLE.sub(r"\1Examples:", obj.docstring.value)
            obj.docstring.value = _ROLE.sub(r"`\1`", text)
