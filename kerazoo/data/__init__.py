"""Pixels and labels: the Dataset base, the one image decoder, label encodings, augmentation,
batches for ``fit``, and preview grids and exports. Knows nothing of models or training."""
