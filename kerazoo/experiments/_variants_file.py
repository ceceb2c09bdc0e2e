"""The variants file of ``kerazoo compare --file``: TOML (or YAML), read as bounded text.

Example:
    >>> read_variants_file("variants.toml")["seeds"]                  # doctest: +SKIP
    3
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kerazoo._errors import InvalidOptionError, option

__all__ = ["MAX_FILE_BYTES", "read_variants_file", "variants_request"]

#: The largest variants file read (a real one is a few hundred bytes).
MAX_FILE_BYTES = 2**20


def read_variants_file(path: str | Path) -> dict[str, Any]:
    """Read a TOML (or, with PyYAML installed, YAML) file of variants.

    The file holds ``[variants]`` (name -> table of changes), and optionally ``seeds``
    (a count or a list) and ``[shared]`` (changes for every variant, the baseline too)::

        seeds = 3
        [shared]
        size = 32
        [variants]
        half = { width = 0.5 }
        "4 classes" = { classes = "circle,square,triangle,star" }

    Returns:
        ``{"variants": {...}, "shared": {...}, "seeds": ... or None}``.

    Raises:
        InvalidOptionError: a file that cannot be read or parsed, or other top-level keys.
    """
    path = Path(path)
    text = _read_text(path)
    doc = _parse_file(path, text)
    extra = sorted(set(doc) - {"variants", "shared", "seeds"})
    if extra or not isinstance(doc.get("variants", {}), dict):
        raise InvalidOptionError(
            f"--file {path}: the file holds [variants] (name = {{ key = value }}), and "
            f"optionally seeds and [shared]; got {', '.join(extra) or 'variants as a list'}."
        )
    for name, changes in doc.get("variants", {}).items():
        if not isinstance(changes, dict):
            raise InvalidOptionError(
                f"--file {path}: variant {name!r} must be a table, e.g. {name} = {{ width = 0.5 }}."
            )
    return {
        "variants": doc.get("variants", {}),
        "shared": doc.get("shared", {}),
        "seeds": doc.get("seeds"),
    }


def _read_text(path: Path) -> str:
    """The file's text: at most :data:`MAX_FILE_BYTES` of UTF-8."""
    what = "a TOML (or YAML) text file of variants: [variants] name = { key = value }"
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InvalidOptionError(
            f"--file {path}: cannot read it ({exc.strerror}); expected {what}."
        ) from None
    if len(data) > MAX_FILE_BYTES:
        raise InvalidOptionError(
            f"--file {path}: larger than {MAX_FILE_BYTES // 2**20} MB; expected {what}."
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _not_text(path, exc.start, what) from None
    if "\x00" in text:  # UTF-8, but no text file holds NUL
        raise _not_text(path, len(text[: text.index("\x00")].encode()), what)
    return text


def _not_text(path: Path, offset: int, what: str) -> InvalidOptionError:
    return InvalidOptionError(
        f"--file {path}: not a text file (the byte at offset {offset} is not text); "
        f"expected {what}."
    )


def _parse_file(path: Path, text: str) -> dict[str, Any]:
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            import yaml  # optional: kerazoo does not depend on PyYAML
        except ImportError:
            raise InvalidOptionError(
                f"--file {path}: reading YAML needs PyYAML (pip install pyyaml); TOML needs "
                "nothing: rename it variants.toml."
            ) from None
        try:
            doc = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            raise InvalidOptionError(f"--file {path}: not valid YAML: {exc}") from None
        return doc if isinstance(doc, dict) else {"variants": doc}
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidOptionError(f"--file {path}: not valid TOML: {exc}.") from None


def variants_request(variants: Any = (), file: str | Path | None = None) -> dict[str, Any]:
    """The variants of a comparison, given one way: inline, or from a variants file.

    Args:
        variants: ``["half: width=0.5", ...]`` or ``{"half": {"width": 0.5}}``.
        file: a variants file (:func:`read_variants_file`).

    Returns:
        ``{"variants": ..., "shared": {...}, "seeds": ... or None}`` (the file's seeds and
        shared changes; none inline).

    Raises:
        InvalidOptionError: both ways at once, or a file that :func:`read_variants_file`
            refuses.

    Example:
        >>> variants_request(["half: width=0.5"])["variants"]
        ['half: width=0.5']
    """
    if file is None:
        return {"variants": variants, "shared": {}, "seeds": None}
    if variants:
        raise InvalidOptionError(
            f"Give variants with {option('variants')} or {option('file')}, not both."
        )
    return read_variants_file(file)
