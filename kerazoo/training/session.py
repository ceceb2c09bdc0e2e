"""One training run as Keras sees it: seeded generators, and callbacks that span the run.

The trainer calls ``fit`` once per epoch, so that each epoch's shuffle order depends only
on the seed and the epoch number (a resumed run repeats it exactly). The pieces here make
that invisible: callbacks and the progress bar see one session of ``epochs`` epochs, and
the global random state is put back when the run ends.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = ["run_long", "run_progress", "seeded"]


@contextlib.contextmanager
def seeded(seed: int, deterministic: bool) -> Iterator[None]:
    """Seed every generator for the run and put the global state back afterwards."""
    import keras
    from keras.src.backend.common import global_state

    py_state, np_state = random.getstate(), np.random.get_state()
    keys = ("global_random_seed", "global_seed_generator")
    saved = {k: global_state.get_global_attribute(k) for k in keys}
    det_config = None
    if deterministic and keras.backend.backend() == "tensorflow":
        from tensorflow.python.framework import config as det_config

        was_det = det_config.is_op_determinism_enabled()
        det_config.enable_op_determinism()
    keras.utils.set_random_seed(seed)
    try:
        yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)
        for k, v in saved.items():
            global_state.set_global_attribute(k, v)
        if det_config is not None and not was_det:
            det_config.disable_op_determinism()


_FORWARDED_HOOKS = (
    "on_epoch_begin", "on_epoch_end", "on_train_batch_begin", "on_train_batch_end",
    "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
)  # fmt: skip


def run_long(callback: Any) -> Any:
    """Wrap a Keras callback so it sees the whole run as one training session.

    The trainer calls ``fit`` once per epoch (so each epoch's shuffle order depends only on
    the seed and the epoch number, and a resumed run repeats it exactly). Callbacks that
    keep state across epochs, like ``EarlyStopping``, must not be reset each time.
    """
    import keras

    class RunLong(keras.callbacks.Callback):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner, self.started = inner, False

        def set_model(self, model: Any) -> None:
            super().set_model(model)
            self.inner.set_model(model)

        def set_params(self, params: Any) -> None:
            super().set_params(params)
            self.inner.set_params(params)

        def on_train_begin(self, logs: Any = None) -> None:
            if not self.started:
                self.started = True
                self.inner.on_train_begin(logs)

        def on_train_end(self, logs: Any = None) -> None:
            pass  # sent once, by finish()

    def forward(hook: str) -> Any:
        return lambda self, *args, **kwargs: getattr(self.inner, hook)(*args, **kwargs)

    for hook in _FORWARDED_HOOKS:
        setattr(RunLong, hook, forward(hook))
    return RunLong(callback)


def run_progress(total_epochs: int) -> Any:
    """Keras' progress bar, counting epochs out of the whole run, not out of one ``fit``."""
    import keras

    class RunProgress(keras.callbacks.ProgbarLogger):
        def set_params(self, params: dict[str, Any]) -> None:
            super().set_params({**params, "epochs": total_epochs})

    return RunProgress()
