"""Pixels and labels: the Dataset base, the one image decoder, label encodings, augmentation,
batches for ``fit``, and preview grids and exports. Knows nothing of models or training.

Two modules here are public, for dataset plugins: :mod:`kerazoo.data.augment` (which
transforms keep a dataset's labels true) and :mod:`kerazoo.data.decode` (the one image
decoder, for datasets that read files). Everything else is private.
"""

from kerazoo._lazy import attach

# Imported on first use: the decoder needs Pillow, which listing datasets does not.
__getattr__, __dir__, __all__ = attach(__name__, ["augment", "decode"])
