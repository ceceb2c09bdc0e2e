"""Which units an ascent maximises: a layer's filters (or Dense units) and a model's
classes, checked and named as the user gave them (:mod:`kerazoo.interpret._maximize`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kerazoo._errors import (
    IncompatibleError,
    InvalidOptionError,
    UnknownNameError,
    option,
    unknown_choice,
)
from kerazoo.interpret import _probe as probe

__all__ = [
    "_class_indices",
    "_class_names",
    "_gram_layer",
    "_indices",
    "_layer_probe",
    "_layer_probe_first",
]


def _layer_probe_first(model: Any, info: Any, layer: str) -> bool:
    found = model.get_layer(layer)
    fmt = getattr(found, "data_format", None) or info.input.data_format
    return len(found.output.shape) == 4 and fmt == "channels_first"


def _layer_probe(model: Any, info: Any, layer: str) -> tuple[Any, int, bool]:
    """A float-input sub-model over ``layer``, its number of filters (units), and whether
    its maps are channels-first."""
    valid = [
        found.name
        for found in model.layers
        if len(found.output.shape) in (2, 4)
        and type(found).__name__ not in ("InputLayer", "Rescaling")  # the image itself
    ]
    if layer not in valid:
        if layer not in [found.name for found in model.layers]:
            raise unknown_choice(
                "layer", layer, valid, owner=f"model {model.name!r}", error=UnknownNameError
            )
        found = model.get_layer(layer)
        raise IncompatibleError(
            f"Layer {layer!r} ({type(found).__name__}, output {tuple(found.output.shape)}) "
            f"has no filters to maximise. Name a layer after the input's rescaling with "
            f"{option('layer')}: {', '.join(valid)}."
        )
    found = model.get_layer(layer)
    shape = found.output.shape
    fmt = getattr(found, "data_format", None) or info.input.data_format
    first = len(shape) == 4 and fmt == "channels_first"
    sub = probe.layer_model(model, [layer], start="float")
    return sub, int(shape[1] if first else shape[-1]), first


def _indices(chosen: Sequence[int] | None, width: int, layer: str) -> list[int]:
    if chosen is None:
        return list(range(width))
    out = [int(i) for i in chosen]
    bad = [i for i in out if not 0 <= i < width]
    if bad or not out:
        raise InvalidOptionError(
            f"Filter {bad[0] if bad else '(none)'} is not a filter of layer {layer!r} (asked "
            f"for {', '.join(map(str, out)) or 'none'}): it has {width} filters, numbered 0 "
            f"to {width - 1}. Give {option('filters')} indices from 0 to {width - 1}."
        )
    return out


def _class_names(model: Any, info: Any) -> list[str]:
    if info.task.kind != "classification":
        raise IncompatibleError(
            f"Model {model.name!r} does a {info.task.kind} task: it has no classes to "
            f"maximise. Maximise a layer's filters with {option('layer')} instead."
        )
    return list(info.task.class_names)


def _class_indices(chosen: Sequence[int | str] | None, names: list[str]) -> list[int]:
    if chosen is None:
        return list(range(len(names)))
    out = []
    for c in chosen:
        if isinstance(c, str) and not c.lstrip("-").isdigit():
            if c not in names:
                raise unknown_choice("classes", c, names, what="class", error=UnknownNameError)
            out.append(names.index(c))
        elif 0 <= int(c) < len(names):
            out.append(int(c))
        else:
            raise InvalidOptionError(
                f"Class {c} is out of range: the model has {len(names)} classes, numbered 0 "
                f"to {len(names) - 1} ({', '.join(names)}). Give an index or a name."
            )
    return out


def _gram_layer(model: Any, info: Any) -> str | None:
    """The layer whose Gram matrices push a class's images apart (the last convolution), or
    ``None`` for a model without one (its images then get no diversity term)."""
    try:
        return probe.last_conv_layer(model, info)
    except IncompatibleError:
        return None
