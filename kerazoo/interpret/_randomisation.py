"""The model-parameter randomisation test (Adebayo et al. 2018, "Sanity checks for saliency
maps"): does a map change when the weights that make the decision are destroyed?

A copy of the model (``keras.models.clone_model``: the user's model is never touched) has
its layers with weights re-initialised from the top down, cascading: first the logits
layer, then the one below as well, and so on to the first convolution. After each step
every method draws its maps again for the same images and the same classes, and each map is
compared with the trained model's by Spearman's rank correlation (``scipy.stats.spearmanr``
over the pixels; the mean over the images). A method whose maps barely change (a high
correlation) after the logits are randomised shows the image, not what the model learned:
it fails. A map that the randomised model leaves flat (no ranks) counts as correlation 0.

Re-initialised means drawn again from each weight's own initialiser (the layer's
``kernel_initializer``, ``bias_initializer``, ...), seeded; a weight without one is drawn
from a Glorot uniform.

Example:
    >>> cascade = randomisation(setup, maps, ["gradcam"], count=16)   # doctest: +SKIP
    >>> cascade["gradcam"]["logits"] < 0.5                            # doctest: +SKIP
    True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from kerazoo.interpret import _probe as probe

__all__ = ["cascade_layers", "randomisation"]


def cascade_layers(model: Any) -> list[str]:
    """The layers the cascade re-initialises, top first: those with trainable weights."""
    return [layer.name for layer in reversed(model.layers) if layer.trainable_weights]


def randomisation(
    setup: Any,
    maps: Mapping[str, np.ndarray],
    draw: Callable[[Any, str], np.ndarray],
    count: int,
    seed: int = 0,
) -> dict[str, dict[str, float]]:
    """Per method, per cascade step (the layer randomised last, top first): the mean rank
    correlation between the trained model's maps and the randomised copy's.

    Args:
        setup: the trained model's prepared images and targets (``_attribution.prepare``).
        maps: per method, the trained model's ``[N, H, W]`` maps of ``setup``'s images.
        draw: ``draw(setup, method)`` -> maps, with the options the trained maps used.
        count: how many of the images to compare (the first ``count``).
        seed: the re-initialisation's seed.
    """
    import keras

    from kerazoo.interpret._attribution import _Setup

    model, info = setup.model, setup.info
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    info.attach(copy)
    net = probe.layer_model(copy, [probe.logits_layer(copy, info)], start="float")
    few = slice(0, count)
    randomised = _Setup(
        copy,
        info,
        setup.x[few],
        net,
        setup.index[few],
        setup.sign[few],
        setup.batch_size,
        shared=setup.shared,  # JAX: the trained model's compiled programs, the copy's weights
    )
    out: dict[str, dict[str, float]] = {m: {} for m in maps}
    for step, name in enumerate(cascade_layers(copy)):
        _reinitialise(copy.get_layer(name), seed + step)
        for method, trained in maps.items():
            out[method][name] = _mean_spearman(trained[few], draw(randomised, method))
    return out


def _reinitialise(layer: Any, seed: int) -> None:
    import keras

    for k, variable in enumerate(layer.trainable_weights):
        name = variable.name.split("/")[-1]
        init = getattr(layer, f"{name}_initializer", None)
        init = keras.initializers.get(init) if init is not None else None
        if init is None:
            init = keras.initializers.GlorotUniform()
        config = init.get_config()
        if "seed" in config:
            init = type(init).from_config({**config, "seed": seed * 100 + k})
        variable.assign(init(tuple(variable.shape), variable.dtype))


def _mean_spearman(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import spearmanr

    values = []
    for x, y in zip(a, b, strict=True):
        x, y = x.ravel(), y.ravel()
        if np.ptp(x) == 0 or np.ptp(y) == 0:
            values.append(0.0)  # a flat map has no ranks to keep
            continue
        values.append(float(spearmanr(x, y).statistic))
    return float(np.mean(values))
