"""What the learning-rate finder changes on a model, and how it is put back exactly.

:class:`RampedRate` sets the ramp's rates on the optimizer and gives it back its own rate
or schedule; :class:`Restored` copies every variable of the model, its optimizer and its
metrics, and assigns the copies back when the finder is done.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kerazoo._errors import InvalidOptionError

__all__ = ["RampedRate", "Restored"]


class RampedRate:
    """The ramp's rates set on the optimizer, its own rate or schedule put back after.

    A rate held in a variable is assigned before each batch (the compiled step reads the
    variable). A schedule cannot be assigned a number, so Keras' own ``ExponentialDecay``
    (growing, ``decay_rate = end / start``) takes its place, counted from an iteration
    count set to 0 (restored with the other optimizer variables), and the train step is
    rebuilt on entry and exit so that it follows the schedule in place.
    """

    def __init__(self, model: Any, start: float, end: float, steps: int) -> None:
        import keras

        from kerazoo import _compat

        self.model = model
        self.opt = getattr(model.optimizer, "inner_optimizer", model.optimizer)
        self.original = _compat.optimizer_learning_rate(self.opt)
        self.variable = isinstance(self.original, keras.Variable)
        self.schedule = keras.optimizers.schedules.ExponentialDecay(
            start, decay_steps=steps - 1, decay_rate=end / start
        )

    def __enter__(self) -> RampedRate:
        if not self.variable:
            self.opt.learning_rate = self.schedule
            self.opt.iterations.assign(0)
            self.model.make_train_function(force=True)
        return self

    def set(self, i: int, lr: float) -> None:
        if self.variable:
            self.opt.learning_rate = lr

    def __exit__(self, *exc: Any) -> None:
        if not self.variable:
            self.opt.learning_rate = self.original
            self.model.make_train_function(force=True)


class Restored:
    """Every variable of the model, its optimizer and its metrics, put back on exit.

    The optimizer is built first (as ``fit`` would), so its slots exist, at their initial
    values, in the copy that is put back.
    """

    def __init__(self, model: Any) -> None:
        self.model = model

    def __enter__(self) -> Restored:
        import keras

        model, opt = self.model, self.model.optimizer
        if opt is None:
            raise InvalidOptionError("The learning-rate finder needs a compiled model.")
        if not opt.built:
            opt.build(model.trainable_variables)
        seen: dict[int, Any] = {}
        for v in [*model.variables, *opt.variables, *model.metrics_variables]:
            seen.setdefault(id(v), v)
        self.saved = [(v, np.array(keras.ops.convert_to_numpy(v.value))) for v in seen.values()]
        return self

    def __exit__(self, *exc: Any) -> None:
        for variable, value in self.saved:
            variable.assign(value)
        self.model.reset_metrics()
