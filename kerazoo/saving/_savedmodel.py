"""Export a model as a TensorFlow SavedModel folder, and load such a folder back, safely.

:func:`export_model` writes Keras' ``model.export(DIR, format="tf_saved_model")`` (its
``serve`` endpoint takes the raw ``uint8`` pixels) and puts ``kerazoo.json`` beside
``saved_model.pb``; an earlier export is replaced atomically. :func:`load_saved_model` wraps
the ``serve`` endpoint in ``keras.layers.TFSMLayer`` after checking that every op its
functions can run is a pure tensor op; :func:`kerazoo.load_model` calls it for a folder.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from kerazoo._errors import IncompatibleError, ModelFileError
from kerazoo._files import fsync_dir, output_error
from kerazoo.saving._archive import model_kind, read_info
from kerazoo.saving._info import METADATA_NAME, ModelInfo
from kerazoo.saving._keras_file import complete_info, load_keras_file, metadata_json
from kerazoo.saving._safety import check_graph

__all__ = ["export_model", "load_saved_model"]


def export_model(
    model: Any,
    directory: str | os.PathLike[str],
    metadata: ModelInfo | dict[str, Any] | None = None,
    *,
    channels_last: bool = False,
) -> Path:
    """Export a TensorFlow SavedModel (Keras' ``model.export``) with ``kerazoo.json`` beside it.

    Args:
        model: a ``keras.Model``, or the path of a saved model file.
        directory: the folder to create; an earlier export there is replaced atomically,
            any other non-empty folder is refused.
        metadata: a :class:`kerazoo.ModelInfo` or ``kerazoo.json`` dict (default: the
            file's, or the metadata attached to the model).
        channels_last: convert a channels_first model to channels_last first, so the
            export runs where only channels_last can (TensorFlow on CPU).

    Returns:
        The export folder.

    Raises:
        ModelFileError: ``directory`` is a non-empty folder that is not an export.
        OutputError: the folder cannot be made there (read-only, /proc, under a file).

    Example:
        >>> export_model("run/model.keras", "exported/")                # doctest: +SKIP
        >>> kerazoo.Predictor.load("exported/").predict("cat.png")      # doctest: +SKIP
    """
    model, info = _model_and_info(model, metadata)
    if channels_last:
        from kerazoo.models._layout import is_channels_first, to_channels_last

        if is_channels_first(model):
            model = to_channels_last(model)
            if info is not None:
                info = dataclasses.replace(info, input=info.input.with_format("channels_last"))
    text = None if info is None else metadata_json(info)
    target = Path(directory)
    if target.exists() and (
        not target.is_dir() or (any(target.iterdir()) and not (target / "saved_model.pb").exists())
    ):
        raise ModelFileError(
            f"Cannot export to '{target}': it exists and is not an earlier export. "
            "Choose a new folder name."
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    except OSError as exc:  # /proc, a read-only place, a file where a folder is meant
        raise output_error(target, exc) from None
    old = target.with_name(f".{target.name}.old")
    try:
        model.export(str(tmp), format="tf_saved_model", verbose=False)
        if text is not None:
            (tmp / METADATA_NAME).write_text(text)
        if target.exists():
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
        os.replace(tmp, target)
        fsync_dir(target.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not target.exists():
            os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)
    return target


def load_saved_model(p: Path, info: ModelInfo | None) -> Any:
    """An inference-only ``keras.Model`` around an exported SavedModel's ``serve`` endpoint.

    The graph is checked first: an op that is not a pure tensor op (files, processes,
    network, Python) is refused, before any function is loaded or run. Use
    :func:`kerazoo.load_model`, which also reads the metadata, rather than this.

    Args:
        p: the export folder (with ``saved_model.pb``).
        info: its metadata, or ``None`` (the input is then read from the signature).

    Returns:
        A ``keras.Model`` taking the pixels and giving the ``serve`` output.

    Raises:
        ModelFileError: a damaged ``saved_model.pb`` or no ``serve`` endpoint.
        UnsafeModelError: the graph has an op outside the allowlist (named).

    Example:
        >>> model = load_saved_model(Path("exported"), None)           # doctest: +SKIP
    """
    import keras

    check_graph(p)
    try:
        layer = keras.layers.TFSMLayer(str(p), call_endpoint="serve", name="saved_model")
    except (KeyboardInterrupt, MemoryError):
        raise
    except Exception as exc:
        raise ModelFileError(
            f"'{p}' could not be loaded as a SavedModel with a 'serve' endpoint: {exc}"
        ) from None
    spec = _serve_spec(layer) if info is None else (info.input.shape, info.input.dtype)
    inputs = keras.Input(shape=spec[0], dtype=spec[1], name="pixels")
    return keras.Model(inputs, layer(inputs), name=p.name or "saved_model")


def _model_and_info(model: Any, metadata: Any) -> tuple[Any, ModelInfo | None]:
    """The model (loaded when given as a path) and its completed metadata, if any."""
    if isinstance(model, str | os.PathLike):
        p = Path(model)
        file_info = read_info(p)
        if model_kind(p) == "savedmodel":
            model = load_saved_model(p, file_info)
        else:
            model = load_keras_file(p, compile=False)
        metadata = metadata or file_info
    if metadata is None:
        with contextlib.suppress(IncompatibleError):
            metadata = ModelInfo.of(model)
    return model, None if metadata is None else complete_info(model, metadata)


def _serve_spec(layer: Any) -> tuple[tuple[int, ...], str]:
    args, kwargs = layer.call_endpoint_fn.concrete_functions[0].structured_input_signature
    spec = args[0] if args else next(iter(kwargs.values()))
    return tuple(spec.shape[1:]), spec.dtype.name
