"""Look inside a model file without keras: its kind, its ``kerazoo.json``, its Keras config.

A ``.keras`` file is a zip (``config.json``, weights, and ``kerazoo.json``); a legacy ``.h5``
file keeps the model config in its ``model_config`` HDF5 attribute and the metadata in its
``kerazoo`` attribute; a SavedModel folder made by ``kerazoo export`` has ``kerazoo.json``
beside ``saved_model.pb``. Everything here uses only ``zipfile``, ``h5py`` and ``json``, and
every read is bounded before it happens: a zip member whose declared size is too large or
far larger than its stored bytes (a decompression bomb) is refused before it is opened, and
JSON is refused when larger than :data:`MAX_JSON_BYTES` or nested deeper than
:data:`MAX_JSON_DEPTH`.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

from kerazoo._errors import ModelFileError
from kerazoo.saving._info import METADATA_NAME, ModelInfo

__all__ = [
    "H5_ATTRIBUTE",
    "MAX_JSON_BYTES",
    "MAX_JSON_DEPTH",
    "SUFFIXES",
    "check_reads",
    "model_kind",
    "read_config",
    "read_info",
    "read_metadata",
]

H5_ATTRIBUTE = "kerazoo"
SUFFIXES = {".keras": "keras", ".h5": "h5", ".hdf5": "h5"}
MAX_JSON_BYTES = 64 * 2**20  # a config.json or kerazoo.json larger than this is not a model
MAX_JSON_DEPTH = 100  # Keras configs nest about 10 deep; nested models add a few levels each
MAX_MEMBER_BYTES = 4 * 2**30  # no member of a small-model zoo's file is larger
MAX_RATIO = 100  # DEFLATE reaches ~1000:1 only on runs of equal bytes; weights stay near 1:1
_RATIO_FLOOR = 2**20  # members smaller than this are not checked for their ratio
_JSON_MEMBERS = ("config.json", "metadata.json", METADATA_NAME)
_JSON_ATTRIBUTES = ("model_config", "training_config", H5_ATTRIBUTE)
_TOO_DEEP = object()


def model_kind(path: str | os.PathLike[str]) -> str:
    """Classify a model path as ``"keras"``, ``"h5"`` or ``"savedmodel"``, or refuse it.

    Args:
        path: a ``.keras``/``.h5``/``.hdf5`` file or a folder made by ``kerazoo export``.

    Returns:
        The kind of model file.

    Raises:
        ModelFileError: missing, empty, a folder that is no SavedModel, another extension.

    Example:
        >>> model_kind("run/model.keras")                              # doctest: +SKIP
        'keras'
    """
    p = Path(path)
    if p.is_dir():
        if (p / "saved_model.pb").is_file():
            return "savedmodel"
        raise ModelFileError(
            f"'{p}' is a folder but not a SavedModel export (it has no saved_model.pb). "
            "Pass a .keras or .h5 file, or a folder written by 'kerazoo export'."
        )
    if not p.exists():
        raise ModelFileError(f"Model file '{p}' does not exist.")
    kind = SUFFIXES.get(p.suffix.lower())
    if kind is None:
        raise ModelFileError(
            f"'{p}' has the extension {p.suffix or '(none)'!r}; kerazoo reads .keras, .h5 "
            "and .hdf5 files and SavedModel folders written by 'kerazoo export'."
        )
    if p.stat().st_size == 0:
        raise ModelFileError(f"Model file '{p}' is empty (0 bytes): its save was interrupted.")
    return kind


def read_info(path: str | os.PathLike[str]) -> ModelInfo | None:
    """The checked kerazoo metadata saved with a model, or ``None`` for a plain Keras file.

    Reads only with ``zipfile``/``h5py``/``json``; keras and TensorFlow are not imported.

    Args:
        path: a ``.keras``/``.h5`` file or a SavedModel folder made by ``kerazoo export``.

    Returns:
        The :class:`~kerazoo.ModelInfo`, or ``None`` when the file has none.

    Raises:
        ModelFileError: the file is missing, damaged or not a model, or its
            ``kerazoo.json`` has a missing or wrongly typed field (the message names it).

    Example:
        >>> read_info("run/model.keras").task.class_names              # doctest: +SKIP
        ('circle', 'square', 'triangle')
    """
    p = Path(path)
    data = _read_raw_metadata(p)
    return None if data is None else ModelInfo.from_dict(data, source=f"'{p}'")


def read_metadata(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The kerazoo metadata saved with a model, as a dict, or ``None`` for a plain Keras file.

    The dict form of :func:`read_info` (checked the same way); keras is not imported.

    Args:
        path: a ``.keras``/``.h5`` file or a SavedModel folder made by ``kerazoo export``.

    Returns:
        The ``kerazoo.json`` dict, or ``None`` when the file has none.

    Raises:
        ModelFileError: the file is missing, damaged or not a model, or a field of its
            ``kerazoo.json`` is missing or wrongly typed.

    Example:
        >>> read_metadata("run/model.keras")["task"]["class_names"]    # doctest: +SKIP
        ['circle', 'square', 'triangle']
    """
    info = read_info(path)
    return None if info is None else info.to_dict()


def _read_raw_metadata(p: Path) -> dict[str, Any] | None:
    kind = model_kind(p)
    if kind == "savedmodel":
        f = p / METADATA_NAME
        if not f.is_file():
            return None
        if f.stat().st_size > MAX_JSON_BYTES:
            raise ModelFileError(
                f"'{p}' has a {METADATA_NAME} of {f.stat().st_size} bytes: not a model (a "
                f"model's JSON has at most {MAX_JSON_BYTES} bytes)."
            )
        return _parse_json(f.read_bytes(), f, METADATA_NAME)
    if kind == "keras":
        with _open_zip(p) as zf:
            return _zip_json(zf, p, METADATA_NAME)
    with _open_h5(p) as h5:
        return _h5_json(h5, p, H5_ATTRIBUTE)


def check_reads(path: str | os.PathLike[str]) -> int:
    """Check every JSON a load parses and every zip member's size; the weights' size.

    Reads no weights: a ``.keras`` member's declared size and ratio come from the zip
    directory, an ``.h5`` dataset's size from its shape and type. Keras is not imported.

    Args:
        path: a ``.keras``/``.h5``/``.hdf5`` file.

    Returns:
        The declared (uncompressed) size of the weights in bytes.

    Raises:
        ModelFileError: a member too large or a decompression bomb, or JSON (config,
            metadata, training config) too large, nested too deep or damaged.

    Example:
        >>> check_reads("run/model.keras")                             # doctest: +SKIP
        26424
    """
    p = Path(path)
    if model_kind(p) == "keras":
        with _open_zip(p) as zf:
            for member in _JSON_MEMBERS:
                _zip_json(zf, p, member)
            names = zf.namelist()
            return sum(zf.getinfo(n).file_size for n in names if n.startswith("model.weights"))
    with _open_h5(p) as h5:
        for name in _JSON_ATTRIBUTES:
            _h5_json(h5, p, name)
        sizes: list[int] = []
        h5.visititems(lambda _, obj: sizes.append(getattr(obj, "nbytes", 0)) and None)
        return sum(sizes)


def read_config(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The Keras model config stored in a ``.keras`` or ``.h5`` file (no keras import).

    Args:
        path: a ``.keras``/``.h5``/``.hdf5`` file.

    Returns:
        The parsed model config (``config.json`` or the ``model_config`` attribute).

    Raises:
        ModelFileError: not a Keras model file, a weights-only file, or a SavedModel.

    Example:
        >>> read_config("run/model.keras")["class_name"]               # doctest: +SKIP
        'Functional'
    """
    p = Path(path)
    kind = model_kind(p)
    if kind == "keras":
        with _open_zip(p) as zf:
            config = _zip_json(zf, p, "config.json")
        if config is None:
            raise ModelFileError(
                f"'{p}' is a zip archive without config.json: not a Keras model file."
            )
        return config
    if kind == "h5":
        with _open_h5(p) as h5:
            config = _h5_json(h5, p, "model_config")
            if config is None:
                raise ModelFileError(
                    f"'{p}' is an HDF5 file without a model_config: it holds weights only, "
                    "or is not a Keras model. Load the weights into a built model instead."
                )
            return config
    raise ModelFileError(f"'{p}' is a SavedModel folder; it has no Keras config.")


def _open_zip(p: Path) -> zipfile.ZipFile:
    if not zipfile.is_zipfile(p):
        raise ModelFileError(
            f"'{p}' is not a .keras file: it is not a zip archive (truncated, or not a model)."
        )
    try:
        zf = zipfile.ZipFile(p)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelFileError(f"'{p}' is a damaged zip archive: {exc}.") from None
    try:
        for info in zf.infolist():
            _check_member(info, p)
    except BaseException:
        zf.close()
        raise
    return zf


def _check_member(info: zipfile.ZipInfo, p: Path) -> None:
    """Refuse a member by its declared size and ratio, from the zip directory alone."""
    size, stored = info.file_size, info.compress_size
    if size > MAX_MEMBER_BYTES or (size > _RATIO_FLOOR and size > MAX_RATIO * max(stored, 1)):
        raise ModelFileError(
            f"Refused '{p}': its member {info.filename} declares {size} bytes but stores "
            f"{stored}; a member may declare at most {MAX_MEMBER_BYTES} bytes and "
            f"{MAX_RATIO} times what it stores (above {_RATIO_FLOOR} bytes). This is a "
            "decompression bomb or a damaged file, not a model: save the model again."
        )


def _zip_json(zf: zipfile.ZipFile, p: Path, member: str) -> dict[str, Any] | None:
    try:
        info = zf.getinfo(member)
    except KeyError:
        return None
    if info.file_size > MAX_JSON_BYTES:
        raise ModelFileError(
            f"'{p}' has a {member} of {info.file_size} bytes: not a model (a model's JSON "
            f"has at most {MAX_JSON_BYTES} bytes)."
        )
    try:
        raw = zf.read(member)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ModelFileError(f"'{p}' is damaged: cannot read {member} ({exc}).") from None
    return _parse_json(raw, p, member)


def _open_h5(p: Path) -> Any:
    import h5py

    if not h5py.is_hdf5(p):
        raise ModelFileError(
            f"'{p}' is not an HDF5 file (truncated, or not a model); .h5 model files are "
            "written by kerazoo.save_model or keras model.save('model.h5')."
        )
    try:
        return h5py.File(p, "r")
    except OSError as exc:
        raise ModelFileError(f"'{p}' is a damaged HDF5 file: {exc}.") from None


def _h5_json(h5: Any, p: Path, name: str) -> dict[str, Any] | None:
    """An HDF5 attribute parsed as JSON, its stored size checked before it is read."""
    if name not in h5.attrs:
        return None
    size = h5.attrs.get_id(name).get_storage_size()
    if size > MAX_JSON_BYTES:
        raise ModelFileError(
            f"'{p}' has a {name} attribute of {size} bytes: not a model (a model's JSON "
            f"has at most {MAX_JSON_BYTES} bytes)."
        )
    return _parse_json(h5.attrs[name], p, f"{name} attribute")


def _parse_json(raw: Any, p: Path, what: str) -> dict[str, Any]:
    if hasattr(raw, "decode"):
        raw = raw.decode("utf-8", errors="replace")
    if isinstance(raw, str) and len(raw) > MAX_JSON_BYTES:
        raise ModelFileError(f"'{p}' has a {what} of {len(raw)} characters: not a model.")
    data: Any = _TOO_DEEP
    try:
        data = json.loads(raw)
    except RecursionError:
        pass  # deeper than Python can parse: refused below, as nested too deep
    except (ValueError, TypeError) as exc:
        raise ModelFileError(f"'{p}' has a damaged {what}: not valid JSON ({exc}).") from None
    if data is _TOO_DEEP or _too_deep(data):
        raise ModelFileError(
            f"'{p}' has a {what} nested deeper than {MAX_JSON_DEPTH} levels: not a model's "
            "JSON (a damaged or hostile file)."
        )
    if not isinstance(data, dict):
        raise ModelFileError(f"'{p}' has a damaged {what}: expected a JSON object.")
    return data


def _too_deep(data: Any) -> bool:
    """Whether ``data`` nests lists and objects deeper than MAX_JSON_DEPTH (no recursion)."""
    todo = [(data, 1)]
    while todo:
        value, depth = todo.pop()
        if isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                return True
            items = value.values() if isinstance(value, dict) else value
            todo.extend((item, depth + 1) for item in items)
    return False
