"""Save and load models as one self-describing file, safely.

A ``.keras`` file is the ordinary Keras zip with one extra member, ``kerazoo.json`` (the
task, input contract, dataset and architecture); a legacy ``.h5`` file carries the same JSON
in its ``kerazoo`` HDF5 attribute; a TensorFlow SavedModel folder exported by
:func:`kerazoo.saving.savedmodel.export_model` has ``kerazoo.json`` beside ``saved_model.pb`` (it is
read here; it is written and loaded by :mod:`kerazoo.saving.savedmodel`).

Loading never runs code from a file: the model config is checked for Lambda layers and other
code-carrying objects *before* Keras sees it, and Keras' own ``safe_mode`` stays on.
Saving is atomic: the new file is written beside the target, synced, then renamed over it,
so an interrupted save leaves the previous file intact.

:func:`read_metadata` uses only ``zipfile``, ``h5py`` and ``json``: it never imports keras.
"""

from __future__ import annotations

import contextlib
import json
import os
import zipfile
from pathlib import Path
from typing import Any

from kerazoo.errors import IncompatibleError, InvalidOptionError, ModelFileError, UnsafeModelError
from kerazoo.files import atomic_file

__all__ = [
    "METADATA_NAME",
    "check_safe",
    "load_model",
    "model_kind",
    "read_config",
    "read_metadata",
    "save_model",
]

METADATA_NAME = "kerazoo.json"
H5_ATTRIBUTE = "kerazoo"
FORMAT = 1
_SUFFIXES = {".keras": "keras", ".h5": "h5", ".hdf5": "h5"}
# Layer classes whose config carries Python code (bytecode, pickles, function handles).
_CODE_LAYERS = {
    "Lambda",
    "TFOpLambda",
    "SlicingOpLambda",
    "TorchModuleWrapper",
    "JaxLayer",
    "FlaxLayer",
}
_CODE_OBJECTS = {"__lambda__", "__bytecode__"}
_MAX_JSON = 64 * 2**20  # a config.json or kerazoo.json larger than this is not a model


# -- looking at a file ---------------------------------------------------------------------
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
    kind = _SUFFIXES.get(p.suffix.lower())
    if kind is None:
        raise ModelFileError(
            f"'{p}' has the extension {p.suffix or '(none)'!r}; kerazoo reads .keras, .h5 "
            "and .hdf5 files and SavedModel folders written by 'kerazoo export'."
        )
    if p.stat().st_size == 0:
        raise ModelFileError(f"Model file '{p}' is empty (0 bytes): its save was interrupted.")
    return kind


def read_metadata(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The kerazoo metadata saved with a model, or ``None`` for a plain Keras file.

    Reads only with ``zipfile``/``h5py``/``json``; keras and TensorFlow are not imported.

    Args:
        path: a ``.keras``/``.h5`` file or a SavedModel folder made by ``kerazoo export``.

    Returns:
        The ``kerazoo.json`` dict, or ``None`` when the file has none.

    Raises:
        ModelFileError: the file is missing, damaged or not a model.

    Example:
        >>> read_metadata("run/model.keras")["task"]["class_names"]    # doctest: +SKIP
        ['circle', 'square', 'triangle']
    """
    p = Path(path)
    kind = model_kind(p)
    if kind == "savedmodel":
        f = p / METADATA_NAME
        return _parse_json(f.read_bytes(), f, METADATA_NAME) if f.is_file() else None
    if kind == "keras":
        with _open_zip(p) as zf:
            return _zip_json(zf, p, METADATA_NAME)
    with _open_h5(p) as h5:
        raw = h5.attrs.get(H5_ATTRIBUTE)
        return None if raw is None else _parse_json(raw, p, f"{H5_ATTRIBUTE} attribute")


def read_config(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The Keras model config stored in a ``.keras`` or ``.h5`` file (no keras import)."""
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


def check_safe(config: Any, source: str | os.PathLike[str]) -> None:
    """Refuse a model config that carries code, before anything is deserialised.

    Args:
        config: a Keras model config (the parsed ``config.json``).
        source: the file it came from, for the message.

    Raises:
        UnsafeModelError: a Lambda (or similar) layer, or a serialised Python function.

    Example:
        >>> check_safe(read_config("model.keras"), "model.keras")      # doctest: +SKIP
    """
    found = _find_code(config)
    if found:
        raise UnsafeModelError(
            f"Refused to load '{source}': its config contains {found}, which carries "
            "Python code, and kerazoo never runs code from a model file. Rebuild the model "
            "with built-in Keras layers (or a layer class registered by an installed "
            "package) instead of Lambda layers, and save it again."
        )


def _find_code(obj: Any) -> str | None:
    if isinstance(obj, dict):
        cls = obj.get("class_name")
        if cls in _CODE_LAYERS:
            name = (obj.get("config") or {}).get("name") or obj.get("name") or "?"
            return f"a {cls} layer {name!r}"
        if cls in _CODE_OBJECTS:
            return f"a serialised Python object ({cls})"
        if obj.get("function_type") == "lambda":
            return "a serialised Python lambda"
        values = obj.values()
    elif isinstance(obj, list | tuple):
        values = obj
    else:
        return None
    for value in values:
        found = _find_code(value)
        if found:
            return found
    return None


# -- loading -------------------------------------------------------------------------------
def load_model(path: str | os.PathLike[str], compile: bool = True) -> tuple[Any, dict | None]:
    """Load a model saved by kerazoo or Keras, safely, with its kerazoo metadata.

    Keras ``safe_mode`` is always on, and a config with a Lambda layer is refused before
    Keras reads it. A SavedModel folder from :func:`~kerazoo.saving.savedmodel.export_model`
    loads as an
    inference-only ``keras.Model`` around ``keras.layers.TFSMLayer``.

    Args:
        path: a ``.keras``/``.h5``/``.hdf5`` file or an exported SavedModel folder.
        compile: restore the optimizer, loss and metrics (not for SavedModels).

    Returns:
        ``(model, metadata)``; ``metadata`` is ``None`` for a plain Keras file.

    Raises:
        ModelFileError: missing, empty, truncated, random bytes, not a model.
        UnsafeModelError: the model carries code (Lambda layer, serialised function).

    Example:
        >>> model, meta = load_model("run/model.keras")                # doctest: +SKIP
        >>> meta["task"]["class_names"]                                # doctest: +SKIP
        ['circle', 'square', 'triangle']
    """
    p = Path(path)
    kind = model_kind(p)
    meta = read_metadata(p)
    if kind == "savedmodel":
        from kerazoo.saving.savedmodel import load_saved_model

        return load_saved_model(p, meta), meta
    check_safe(read_config(p), p)
    import keras

    try:
        model = keras.saving.load_model(p, compile=compile, safe_mode=True)
    except (KeyboardInterrupt, MemoryError):
        raise
    except Exception as exc:
        text = str(exc)
        if "safe_mode" in text or "unsafe" in text.lower():
            raise UnsafeModelError(
                f"Refused to load '{p}': Keras' safe mode found code in it "
                f"({text.splitlines()[0]}). kerazoo never loads code from model files."
            ) from None
        raise ModelFileError(
            f"Keras could not load '{p}' (damaged or not a model): {type(exc).__name__}: "
            f"{text.splitlines()[0] if text else ''}"
        ) from None
    if meta is not None:
        with contextlib.suppress(ImportError):
            from kerazoo.models.build import set_info

            set_info(model, meta)
    return model, meta


# -- saving --------------------------------------------------------------------------------
def save_model(
    model: Any, path: str | os.PathLike[str], metadata: dict[str, Any] | None = None
) -> Path:
    """Save ``model`` with its kerazoo metadata, atomically.

    ``.keras`` is the ordinary Keras zip plus a ``kerazoo.json`` member; ``.h5`` is the
    legacy HDF5 format with the same JSON in its ``kerazoo`` attribute. The file is
    written beside the target, synced, and renamed over it: an interrupted save leaves the
    previous file as it was.

    Args:
        model: a ``keras.Model``.
        path: where to write; must end in ``.keras``, ``.h5`` or ``.hdf5``.
        metadata: the kerazoo metadata (``task`` and ``input`` at least); default:
            ``kerazoo.models.build.info(model)`` for a model made by ``kerazoo.build``.
            ``format``, ``kerazoo``, ``keras`` and ``backend`` are filled in here.

    Returns:
        The path written.

    Raises:
        InvalidOptionError: wrong extension, or metadata without task/input.
        IncompatibleError: no metadata given and none known for the model, or metadata
            whose input shape differs from the model's.

    Example:
        >>> model = kerazoo.build("lenet", "shapes")                   # doctest: +SKIP
        >>> save_model(model, "lenet.keras")                           # doctest: +SKIP
        PosixPath('lenet.keras')
    """
    p = Path(path)
    kind = _SUFFIXES.get(p.suffix.lower())
    if kind is None:
        raise InvalidOptionError(
            f"Cannot save to '{p}': the name must end in .keras (recommended), .h5 or "
            f".hdf5, got {p.suffix or 'no extension'!r}."
        )
    meta = _complete_metadata(model, metadata)
    text = json.dumps(meta, indent=2, sort_keys=False)
    import keras

    def write(tmp: Path) -> None:
        keras.saving.save_model(model, tmp, overwrite=True)
        if kind == "keras":
            with zipfile.ZipFile(tmp, "a", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(METADATA_NAME, text)
        else:
            import h5py

            with h5py.File(tmp, "a") as h5:
                h5.attrs[H5_ATTRIBUTE] = text

    atomic_file(p, write)
    return p


def _complete_metadata(model: Any, metadata: dict[str, Any] | None) -> dict[str, Any]:
    import keras

    from kerazoo import __version__
    from kerazoo.task import InputSpec, Task

    if metadata is None:
        from kerazoo.models.build import info

        try:
            metadata = info(model)
        except IncompatibleError as exc:
            raise IncompatibleError(
                f"save_model needs metadata for this model: {exc} Or pass "
                "metadata={'task': {...}, 'input': {...}} (see docs/inference.md)."
            ) from None
    if not isinstance(metadata, dict) or "task" not in metadata or "input" not in metadata:
        raise InvalidOptionError(
            "metadata must be a dict with at least 'task' and 'input', got "
            f"{sorted(metadata) if isinstance(metadata, dict) else type(metadata).__name__}."
        )
    Task.from_dict(metadata["task"])
    spec = InputSpec.from_dict(metadata["input"])
    inputs = getattr(model, "inputs", None) or []
    if len(inputs) == 1 and tuple(inputs[0].shape[1:]) != spec.shape:
        raise IncompatibleError(
            f"metadata input {spec.shape} ({spec.data_format}) does not match the model's "
            f"input shape {tuple(inputs[0].shape[1:])}."
        )
    head = {
        "format": FORMAT,
        "kerazoo": __version__,
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
    }
    out = {**head, **{k: v for k, v in metadata.items() if k not in head}}
    out["input"] = spec.to_dict()
    try:
        return json.loads(json.dumps(out))
    except (TypeError, ValueError) as exc:
        raise InvalidOptionError(f"metadata must be JSON-serialisable: {exc}") from None
