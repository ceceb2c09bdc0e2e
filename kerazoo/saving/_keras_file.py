"""Save and load ``.keras`` and legacy ``.h5`` files with their kerazoo metadata.

A ``.keras`` file is the ordinary Keras zip with one more member, ``kerazoo.json``; an
``.h5`` file carries the same JSON in its ``kerazoo`` HDF5 attribute. Saving is atomic: the
new file is written beside the target, synced, then renamed over it, so an interrupted save
leaves the previous file intact. Loading checks the config for code first and keeps Keras'
``safe_mode`` on.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import zipfile
from pathlib import Path
from typing import Any

from kerazoo._errors import IncompatibleError, InvalidOptionError, ModelFileError, UnsafeModelError
from kerazoo._files import atomic_file
from kerazoo.saving._archive import H5_ATTRIBUTE, SUFFIXES, check_reads, read_config
from kerazoo.saving._info import FORMAT, METADATA_NAME, ModelInfo
from kerazoo.saving._safety import check_safe

__all__ = ["check_model_config", "complete_info", "load_keras_file", "metadata_json", "save_model"]

# The most bytes one parameter can take in a weights file: float64 (8 bytes) for the weight
# and up to three optimizer slots (Adam with amsgrad); plus HDF5's own structures.
BYTES_PER_PARAMETER = 32
_H5_MARGIN = 4 * 2**20
_H5_PER_VARIABLE = 16 * 2**10


def save_model(
    model: Any,
    path: str | os.PathLike[str],
    metadata: ModelInfo | dict[str, Any] | None = None,
) -> Path:
    """Save ``model`` with its kerazoo metadata, atomically.

    ``.keras`` is the ordinary Keras zip plus a ``kerazoo.json`` member; ``.h5`` is the
    legacy HDF5 format with the same JSON in its ``kerazoo`` attribute. The file is
    written beside the target, synced, and renamed over it: an interrupted save leaves the
    previous file as it was.

    Args:
        model: a ``keras.Model``.
        path: where to write; must end in ``.keras``, ``.h5`` or ``.hdf5``.
        metadata: a :class:`kerazoo.ModelInfo` or a ``kerazoo.json`` dict (``task`` and
            ``input`` at least); default: the metadata ``kerazoo.build`` or
            ``kerazoo.load_model`` attached to the model. ``format``, ``kerazoo``,
            ``keras`` and ``backend`` are filled in here.

    Returns:
        The path written.

    Raises:
        InvalidOptionError: wrong extension, or metadata without task/input.
        ModelFileError: a metadata field of the wrong type (the message names it).
        IncompatibleError: no metadata given and none known for the model, or metadata
            whose input shape differs from the model's.

    Example:
        >>> model = kerazoo.build("lenet", "shapes")                   # doctest: +SKIP
        >>> save_model(model, "lenet.keras")                           # doctest: +SKIP
        PosixPath('lenet.keras')
    """
    p = Path(path)
    kind = SUFFIXES.get(p.suffix.lower())
    if kind is None:
        raise InvalidOptionError(
            f"Cannot save to '{p}': the name must end in .keras (recommended), .h5 or "
            f".hdf5, got {p.suffix or 'no extension'!r}."
        )
    text = metadata_json(complete_info(model, metadata))
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


def complete_info(model: Any, metadata: ModelInfo | dict[str, Any] | None) -> ModelInfo:
    """The metadata to save with ``model``: checked, matched to its input, header filled in.

    Args:
        model: a ``keras.Model``.
        metadata: a ModelInfo, a ``kerazoo.json`` dict, or ``None`` (the model's own).

    Returns:
        The ModelInfo with ``format``, ``kerazoo``, ``keras`` and ``backend`` set.

    Raises:
        IncompatibleError, InvalidOptionError, ModelFileError: see :func:`save_model`.

    Example:
        >>> complete_info(model, None).format                          # doctest: +SKIP
        1
    """
    import keras

    from kerazoo import __version__

    if metadata is None:
        try:
            metadata = ModelInfo.of(model)
        except IncompatibleError as exc:
            raise IncompatibleError(
                f"save_model needs metadata for this model: {exc} Or pass "
                "metadata={'task': {...}, 'input': {...}} (see docs/inference.md)."
            ) from None
    if not isinstance(metadata, ModelInfo):
        if not isinstance(metadata, dict) or "task" not in metadata or "input" not in metadata:
            raise InvalidOptionError(
                "metadata must be a kerazoo.ModelInfo or a dict with at least 'task' and "
                "'input', got "
                f"{sorted(metadata) if isinstance(metadata, dict) else type(metadata).__name__}."
            )
        metadata = ModelInfo.from_dict(metadata, source="metadata")
    spec = metadata.input
    inputs = getattr(model, "inputs", None) or []
    if len(inputs) == 1 and tuple(inputs[0].shape[1:]) != spec.shape:
        raise IncompatibleError(
            f"metadata input {spec.shape} ({spec.data_format}) does not match the model's "
            f"input shape {tuple(inputs[0].shape[1:])}."
        )
    return dataclasses.replace(
        metadata,
        format=FORMAT,
        kerazoo=__version__,
        keras=keras.__version__,
        backend=keras.backend.backend(),
    )


def metadata_json(info: ModelInfo) -> str:
    """``info`` as the text of ``kerazoo.json``.

    Raises:
        InvalidOptionError: a value (in options, compile or training) JSON cannot hold.

    Example:
        >>> json.loads(metadata_json(info))["format"]                  # doctest: +SKIP
        1
    """
    try:
        return json.dumps(info.to_dict(), indent=2, allow_nan=True)
    except (TypeError, ValueError) as exc:
        raise InvalidOptionError(f"metadata must be JSON-serialisable: {exc}") from None


def load_keras_file(p: Path, compile: bool = True) -> Any:
    """Load a ``.keras``/``.h5`` file safely (no metadata: see :func:`kerazoo.load_model`).

    Args:
        p: the file.
        compile: restore the optimizer, loss and metrics.

    Returns:
        The ``keras.Model``.

    Raises:
        ModelFileError: damaged or not a model, a member too large to read (a
            decompression bomb, JSON nested too deep), or weights larger than the
            parameters of its config can need.
        UnsafeModelError: the config carries code, or Keras' safe mode refused it.

    Example:
        >>> model = load_keras_file(Path("run/model.keras"))           # doctest: +SKIP
    """
    config = read_config(p)
    check_safe(config, p)
    check_model_config(config, p)
    weights = check_reads(p)
    import keras

    _check_weights_size(keras, config, weights, p)

    try:
        return keras.saving.load_model(p, compile=compile, safe_mode=True)
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


#: The class names of a whole model's config: ``.keras`` files, and legacy ``.h5`` ones.
MODEL_CLASSES = ("Functional", "Sequential", "Model")


def check_model_config(config: dict[str, Any], p: Path) -> None:
    """Refuse a config that is not a whole model (a single layer saved on its own).

    Raises:
        ModelFileError: names what the file holds and how to make a model of it.

    Example:
        >>> check_model_config({"module": "keras", "class_name": "Functional"}, Path("m"))
    """
    name = config.get("class_name")
    if name in MODEL_CLASSES:
        return
    module = str(config.get("module") or "")
    what = f"a single Keras layer ({name})" if "layers" in module or not module else repr(name)
    raise ModelFileError(
        f"'{p}' holds {what}, not a model: kerazoo loads whole models (a Functional or "
        "Sequential keras.Model, with inputs and outputs). Save the model the layer belongs "
        "to, or wrap the layer: keras.Sequential([keras.Input(shape), layer]).save("
        "'model.keras')."
    )


def _check_weights_size(keras: Any, config: dict[str, Any], size: int, p: Path) -> None:
    """Refuse weights larger than the model built from ``config`` (no weights) can need."""
    # An .h5 file's config names no module: its model classes are found by name.
    classes = {"Functional": keras.Model, "Model": keras.Model, "Sequential": keras.Sequential}
    try:
        legacy = classes.get(config.get("class_name")) if "module" not in config else None
        if legacy is not None:
            model = legacy.from_config(config["config"])
        else:
            model = keras.saving.deserialize_keras_object(config, safe_mode=True)
        variables = list(model.weights)
    except (KeyboardInterrupt, MemoryError):
        raise
    except Exception:
        return  # Keras' own load below names what is wrong with the config
    params = sum(math.prod(v.shape) for v in variables)
    bound = BYTES_PER_PARAMETER * params + _H5_MARGIN + _H5_PER_VARIABLE * len(variables)
    if size > bound:
        name = "model.weights.h5" if p.suffix.lower() == ".keras" else "weights"
        raise ModelFileError(
            f"Refused '{p}': its {name} of {size} bytes is larger than its config's "
            f"{params} parameters can need (at most {bound} bytes: {BYTES_PER_PARAMETER} "
            "per parameter and the HDF5 overhead). The file is damaged or hostile: save "
            "the model again."
        )
