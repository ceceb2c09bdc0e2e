"""kerazoo: a plugin-based Keras 3 model zoo for small vision experiments.

The public API is what ``__all__`` lists, declared once in ``__init__.pyi``. Importing
kerazoo imports neither keras nor any plugin: plugins load on the first lookup, and keras
when a model is built or loaded.

Example:
    >>> import kerazoo
    >>> kerazoo.list_datasets()                                    # doctest: +SKIP
    ['cifar10', 'cifar100', 'circles', 'digits', 'fashion_mnist', 'folder', 'mnist', ...]
    >>> run = kerazoo.train("shapes", "lenet", epochs=2)           # doctest: +SKIP
"""

from __future__ import annotations

import kerazoo._command_start  # noqa: F401 - first: Ctrl-C in the command's imports
from kerazoo._lazy import attach_stub
from kerazoo._startup_logs import hide_startup_lines

__version__ = "0.1.0"

# TensorFlow's start-up lines (the cuInit error on a machine without GPU among them) say
# nothing about the user's work: hidden when TensorFlow is imported from now on, unless
# TF_CPP_MIN_LOG_LEVEL is 0 or 1. Nothing is imported here.
hide_startup_lines()

# The public names are declared once, in __init__.pyi; each is imported on first use, so
# ``import kerazoo`` loads neither keras nor a plugin (lazy_loader, as scikit-image does).
__getattr__, __dir__, __all__ = attach_stub(__name__, __file__, extra=("__version__",))
