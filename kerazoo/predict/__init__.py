"""Prediction: any saved model and any input back into labels, values, counts or images.
Needs only :mod:`kerazoo.saving` and the data decoder: no registry, no plugin, no training."""
