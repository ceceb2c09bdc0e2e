"""The metadata a built model carries: :func:`info` reads it, :func:`set_info` attaches it,
:func:`layer_roles` finds the layers that looking inside starts from."""

from __future__ import annotations

from typing import Any

from kerazoo.saving._info import ModelInfo

__all__ = ["info", "layer_roles", "set_info"]


def info(model: Any) -> dict[str, Any]:
    """The kerazoo metadata of a model made by :func:`build`, as saved in ``kerazoo.json``.

    A dict view of :meth:`kerazoo.ModelInfo.of` ``(model)``.

    Returns:
        A fresh JSON-ready dict: ``task`` (with ``encoding`` and ``output``), ``input``,
        ``dataset``, ``architecture`` and ``compile``.

    Raises:
        IncompatibleError: the model was not made by :func:`build` (and no
            :func:`set_info` attached metadata to it).

    Example:
        >>> import kerazoo
        >>> model = kerazoo.build("lenet", "shapes")
        >>> info(model)["task"]["output"]
        'logits'
    """
    return ModelInfo.of(model).to_dict()


def set_info(model: Any, data: dict[str, Any] | ModelInfo) -> None:
    """Attach kerazoo metadata to a model (what a loader does after reading a file).

    Args:
        model: a ``keras.Model``.
        data: a ``kerazoo.json`` dict (checked by :meth:`kerazoo.ModelInfo.from_dict`) or a
            :class:`kerazoo.ModelInfo`.

    Raises:
        ModelFileError: a dict with a missing or wrongly typed field.

    Example:
        >>> set_info(loaded, metadata)   # doctest: +SKIP
    """
    if not isinstance(data, ModelInfo):
        data = ModelInfo.from_dict(data, source="metadata")
    data.attach(model)


def layer_roles(model: Any) -> dict[str, str]:
    """The layers that looking inside starts from: ``last_conv`` and ``logits``.

    ``last_conv`` is the last layer with a 4-D output whose class is a convolution
    (Grad-CAM's default); ``logits`` is the head's score before any softmax (``value`` for
    regression). A role the model lacks is left out.

    Example:
        >>> layer_roles(kerazoo.build("lenet", "shapes"))       # doctest: +SKIP
        {'last_conv': 'conv2', 'logits': 'logits'}
    """
    roles: dict[str, str] = {}
    for layer in model.layers:
        shape = getattr(layer.output, "shape", ())
        if len(shape) == 4 and "Conv" in type(layer).__name__:
            roles["last_conv"] = layer.name
        if layer.name in ("logits", "value"):
            roles["logits"] = layer.name
    return roles
