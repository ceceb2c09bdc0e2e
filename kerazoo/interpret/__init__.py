"""Looking inside a network: feature maps, snapshots over training, activation maximisation,
activation statistics and saliency scored against object masks.

Works on the TensorFlow and JAX backends of Keras 3: everything is ``keras.ops`` except one
gradient helper per backend (:mod:`kerazoo.interpret._gradients`). Names load lazily, so
``import kerazoo.interpret`` starts no backend.

Example:
    >>> from kerazoo import interpret
    >>> interpret.draw_feature_maps("runs/shapes-lenet", "maps.png")   # doctest: +SKIP
"""

from kerazoo._lazy import attach_stub

# The public names, declared once in __init__.pyi (imported on first use).
__getattr__, __dir__, __all__ = attach_stub(__name__, __file__)
