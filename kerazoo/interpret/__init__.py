"""Looking inside a network: feature maps, snapshots over training, activation maximisation,
activation statistics and saliency scored against object masks.

Works on the TensorFlow and JAX backends of Keras 3: everything is ``keras.ops`` except one
gradient helper per backend (:mod:`kerazoo.interpret.gradients`). Names load lazily, so
``import kerazoo.interpret`` starts no backend.

Example:
    >>> from kerazoo import interpret
    >>> interpret.draw_feature_maps("runs/shapes-lenet", "maps.png")   # doctest: +SKIP
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

#: public name -> module of kerazoo.interpret that defines it
_NAMES = {
    "feature_maps": "maps",
    "draw_feature_maps": "maps",
    "draw_kernels": "maps",
    "Snapshots": "snapshots",
    "Regularizers": "maximize",
    "maximize_filters": "maximize",
    "maximize_classes": "maximize",
    "top_images": "maximize",
    "mean_activations": "maximize",
    "draw_filters": "maximize_draw",
    "draw_classes": "maximize_draw",
    "draw_top_images": "maximize_draw",
    "ActivationStats": "stats",
    "ActivationWarning": "stats",
    "layer_stats": "stats",
    "read_stats": "stats",
    "draw_activation_stats": "stats",
    "activation_warning": "stats",
    "SALIENCY_METHODS": "methods",
    "saliency": "attribution",
    "draw_saliency": "saliency_picture",
    "SaliencyScore": "score",
    "saliency_score": "score",
    "load": "probe",
    "layer_model": "probe",
    "feature_layers": "probe",
    "last_conv_layer": "probe",
    "logits_layer": "probe",
    "value_and_grad": "gradients",
}

__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    module = _NAMES.get(name)
    if module is None:
        raise AttributeError(f"module 'kerazoo.interpret' has no attribute {name!r}")
    return getattr(import_module(f"kerazoo.interpret.{module}"), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_NAMES])
