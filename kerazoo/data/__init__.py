"""Pixels and labels: the Dataset base, the one image decoder, label encodings, augmentation,
batches for ``fit``, and preview grids and exports. Knows nothing of models or training.

Two modules here are public, for dataset plugins: :mod:`kerazoo.data.augment` (which
transforms keep a dataset's labels true) and :mod:`kerazoo.data.decode` (the one image
decoder, for datasets that read files). Everything else is private.
"""

from kerazoo.data import augment, decode

__all__ = ["augment", "decode"]
