"""Load any model kerazoo reads: a ``.keras``/``.h5`` file or an exported SavedModel folder.

:func:`load_model` dispatches on what the path is: a ``.keras``/``.h5`` file
(:mod:`kerazoo.saving.keras_file`) or a SavedModel folder made by ``kerazoo export``
(:mod:`kerazoo.saving.savedmodel`), and attaches the file's :class:`~kerazoo.ModelInfo` to
the model. Loading never runs code from a file: the config (or graph) is checked for
code-carrying objects *before* Keras sees it, and Keras' own ``safe_mode`` stays on.

Importing this module does not import keras; :func:`read_metadata` never does.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from kerazoo.saving.archive import model_kind, read_info
from kerazoo.saving.keras_file import load_keras_file
from kerazoo.saving.savedmodel import load_saved_model

__all__ = ["load_model"]


def load_model(
    path: str | os.PathLike[str], compile: bool = True
) -> tuple[Any, dict[str, Any] | None]:
    """Load a model saved by kerazoo or Keras, safely, with its kerazoo metadata.

    Keras ``safe_mode`` is always on, and a config with a Lambda layer is refused before
    Keras reads it. A SavedModel folder from :func:`kerazoo.export_model` loads as an
    inference-only ``keras.Model`` around ``keras.layers.TFSMLayer``. The metadata is also
    attached to the model: :meth:`kerazoo.ModelInfo.of` ``(model)`` gives it back.

    Args:
        path: a ``.keras``/``.h5``/``.hdf5`` file or an exported SavedModel folder.
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
    p = Path(path)
    kind = model_kind(p)
    info = read_info(p)
    if kind == "savedmodel":
        model = load_saved_model(p, info)
    else:
        model = load_keras_file(p, compile=compile)
    if info is None:
        return model, None
    info.attach(model)
    return model, info.to_dict()
