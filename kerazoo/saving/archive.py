"""Look inside a model file without keras: its kind, its ``kerazoo.json``, its Keras config.

A ``.keras`` file is a zip (``config.json``, weights, and ``kerazoo.json``); a legacy ``.h5``
file keeps the model config in its ``model_config`` HDF5 attribute and the metadata in its
``kerazoo`` attribute; a SavedModel folder made by ``kerazoo export`` has ``kerazoo.json``
beside ``saved_model.pb``. Everything here uses only ``zipfile``, ``h5py`` and ``json``, and
refuses members too large to be a model's JSON.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

from kerazoo.errors import ModelFileError
from kerazoo.saving.info import METADATA_NAME, ModelInfo

__all__ = ["H5_ATTRIBUTE", "SUFFIXES", "model_kind", "read_config", "read_info", "read_metadata"]

H5_ATTRIBUTE = "kerazoo"
SUFFIXES = {".keras": "keras", ".h5": "h5", ".hdf5": "h5"}
_MAX_JSON = 64 * 2**20  # a config.json or kerazoo.json larger than this is not a model


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
        The :class:`~kerazoo.saving.info.ModelInfo`, or ``None`` when the file has none.

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
        if f.stat().st_size > _MAX_JSON:
            raise ModelFileError(f"'{p}' has a {METADATA_NAME} of {f.stat().st_size} bytes.")
        return _parse_json(f.read_bytes(), f, METADATA_NAME)
    if kind == "keras":
        with _open_zip(p) as zf:
            return _zip_json(zf, p, METADATA_NAME)
    with _open_h5(p) as h5:
        raw = h5.attrs.get(H5_ATTRIBUTE)
        return None if raw is None else _parse_json(raw, p, f"{H5_ATTRIBUTE} attribute")


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
            raw = h5.attrs.get("model_config")
            if raw is None:
                raise ModelFileError(
                    f"'{p}' is an HDF5 file without a model_config: it holds weights only, "
                    "or is not a Keras model. Load the weights into a built model instead."
                )
            return _parse_json(raw, p, "model_config attribute")
    raise ModelFileError(f"'{p}' is a SavedModel folder; it has no Keras config.")


def _open_zip(p: Path) -> zipfile.ZipFile:
    if not zipfile.is_zipfile(p):
        raise ModelFileError(
            f"'{p}' is not a .keras file: it is not a zip archive (truncated, or not a model)."
        )
    try:
        return zipfile.ZipFile(p)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelFileError(f"'{p}' is a damaged zip archive: {exc}.") from None


def _zip_json(zf: zipfile.ZipFile, p: Path, member: str) -> dict[str, Any] | None:
    try:
        info = zf.getinfo(member)
    except KeyError:
        return None
    if info.file_size > _MAX_JSON:
        raise ModelFileError(f"'{p}' has a {member} of {info.file_size} bytes: not a model.")
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


def _parse_json(raw: Any, p: Path, what: str) -> dict[str, Any]:
    if hasattr(raw, "decode"):
        raw = raw.decode("utf-8", errors="replace")
    try:
        data = json.loads(raw)
    except (ValueError, TypeError) as exc:
        raise ModelFileError(f"'{p}' has a damaged {what}: not valid JSON ({exc}).") from None
    if not isinstance(data, dict):
        raise ModelFileError(f"'{p}' has a damaged {what}: expected a JSON object.")
    return data
