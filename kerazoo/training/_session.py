"""One training run's random state: every generator seeded, and put back when it ends."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator

import numpy as np

__all__ = ["seeded"]


@contextlib.contextmanager
def seeded(seed: int, deterministic: bool) -> Iterator[None]:
    """Seed every generator for the run and put the global state back afterwards."""
    import keras

    from kerazoo import _compat

    py_state, np_state = random.getstate(), np.random.get_state()
    saved = _compat.get_keras_seed_state()
    restore_det = False
    if deterministic and keras.backend.backend() == "tensorflow":
        restore_det = not _compat.op_determinism_enabled()
        _compat.set_op_determinism(True)
    keras.utils.set_random_seed(seed)
    try:
        yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)
        _compat.set_keras_seed_state(saved)
        if restore_det:
            _compat.set_op_determinism(False)
