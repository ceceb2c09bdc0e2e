"""Evaluation: how well a model does on held-out or shifted data, in numbers and pictures.

:func:`evaluate` scores a saved model on fresh images of its own data, another dataset,
other options or a folder (with the in-distribution reference beside shifted data);
:func:`evaluate_samples` scores it on samples in hand (a run's held-out test split). Both
return an :class:`Evaluation` and, given ``out``, write ``metrics.json`` and the pictures.

This package never imports training, interpret or the command line; keras only inside
functions.

Example:
    >>> import kerazoo
    >>> result = kerazoo.evaluate("runs/shapes-lenet", n=200)     # doctest: +SKIP
    >>> print(result.summary())                                   # doctest: +SKIP
"""
