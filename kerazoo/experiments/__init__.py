"""Experiments: variants of a network side by side over seeds (``compare``), and
keras-tuner searches over the declared hyperparameter ranges (``tune``).

Both sit on top of :mod:`kerazoo.training`: every run they make is an ordinary run folder.
"""
