"""Load any model kerazoo reads: a ``.keras``/``.h5`` file or an exported SavedModel folder.

:func:`load_model` dispatches on what the path is: a ``.keras``/``.h5`` file
(:mod:`kerazoo.saving._keras_file`) or a SavedModel folder made by ``kerazoo export``
(:mod:`kerazoo.saving._savedmodel`), and attaches the file's :class:`~kerazoo.ModelInfo` to
the model. Loading never runs code from a file: the config (or graph) is checked for
code-carrying objects *before* Keras sees it, and Keras' own ``safe_mode`` stays on.

Importing this module does not import keras; :func:`read_metadata` never does.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from kerazoo._errors import ModelFileError
from kerazoo.saving._archive import model_kind, read_info
from kerazoo.saving._keras_file import load_keras_file
from kerazoo.saving._savedmodel import load_saved_model
from kerazoo.saving._zoo import zoo_model, zoo_name

__all__ = ["RUN_FALLBACKS", "load_model", "model_file"]

#: What a run folder may hold instead of model.keras, most useful first.
RUN_FALLBACKS = (
    ("best.keras", "the best epoch so far"),
    ("checkpoint.keras", "the last completed epoch"),
)


def model_file(path: str | os.PathLike[str]) -> tuple[Path, str | None]:
    """The model file a path names, and a note when it is not the obvious one.

    ``zoo:NAME`` gives the ``model.keras`` of an installed zoo entry, after checking its
    SHA-256 against the entry's card. A run folder (from ``kerazoo train``) gives its
    ``model.keras``. A run that has not finished has none: its ``best.keras`` or
    ``checkpoint.keras`` is used, and the note says which. Anything else (a file, a
    SavedModel export) is returned as it is, for :func:`load_model` to accept or explain.

    Raises:
        ModelFileError: a run folder with no saved model at all (no epoch ended); a zoo
            entry whose file does not match its card.
        UnknownNameError: ``zoo:NAME`` with a name no installed package registers.

    Example:
        >>> model_file("model.keras")
        (PosixPath('model.keras'), None)
    """
    name = zoo_name(path)
    if name is not None:
        return zoo_model(name), None
    folder = Path(path)
    if not folder.is_dir() or (folder / "saved_model.pb").is_file():
        return folder, None
    if (folder / "model.keras").is_file():
        return folder / "model.keras", None
    for name, what in RUN_FALLBACKS:
        if (folder / name).is_file():
            return folder / name, (
                f"'{folder}' has no model.keras (the run has not finished): using {name}, "
                f"{what}. Finish the run with 'kerazoo train --resume --out {folder}'."
            )
    if (folder / "run.json").is_file():
        raise ModelFileError(
            f"'{folder}' is a run folder without a saved model (no model.keras, best.keras "
            "or checkpoint.keras): the run stopped before its first epoch ended. Train "
            "again, or pass a .keras file."
        )
    return folder, None


def load_model(
    path: str | os.PathLike[str], compile: bool = True
) -> tuple[Any, dict[str, Any] | None]:
    """Load a model saved by kerazoo or Keras, safely, with its kerazoo metadata.

    Keras ``safe_mode`` is always on, and a config with a Lambda layer is refused before
    Keras reads it. A SavedModel folder from :func:`kerazoo.export_model` loads as an
    inference-only ``keras.Model`` around ``keras.layers.TFSMLayer``. The metadata is also
    attached to the model: :meth:`kerazoo.ModelInfo.of` ``(model)`` gives it back.

    Args:
        path: a ``.keras``/``.h5``/``.hdf5`` file, an exported SavedModel folder, or
            ``"zoo:NAME"``, a model shipped in an installed package (its hash checked).
        compile: restore the optimizer, loss and metrics (not for SavedModels).

    Returns:
        ``(model, metadata)``; ``metadata`` is the ``kerazoo.json`` dict, ``None`` for a
        plain Keras file.

    Raises:
        ModelFileError: missing, empty, truncated, random bytes, not a model, or a
            ``kerazoo.json`` field of the wrong type.
        UnsafeModelError: the model carries code (Lambda layer, serialised function).

    Example:
        >>> model, meta = load_model("run/model.keras")                # doctest: +SKIP
        >>> meta["task"]["class_names"]                                # doctest: +SKIP
        ['circle', 'square', 'triangle']
    """
    name = zoo_name(path)
    p = zoo_model(name) if name is not None else Path(path)
    kind = model_kind(p)
    info = read_info(p)
    if kind == "savedmodel":
        model = load_saved_model(p, info)
    else:
        model = load_keras_file(p, compile=compile)
    if info is None:
        return model, None
    info.check_fits(model, source=f"'{p}'")
    info.attach(model)
    return model, info.to_dict()
