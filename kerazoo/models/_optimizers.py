"""Optimizers by name, with a learning rate and an optional schedule, from Keras' own classes.

Schedules are built from Keras' built-in schedule classes only, so a saved model (optimizer
state included) loads in safe mode without kerazoo.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kerazoo import _compat
from kerazoo._errors import InvalidOptionError, UnknownNameError, option, unknown_choice

__all__ = ["OPTIMIZERS", "SCHEDULES", "make_optimizer"]

SCHEDULES = ("none", "exponential", "cosine", "onecycle")
_SCHEDULE_ALIASES = {"decay": "exponential", "constant": "none"}
#: name -> (keras.optimizers class, extra arguments, default learning rate)
OPTIMIZERS: dict[str, tuple[str, dict[str, Any], float]] = {
    "sgd": ("SGD", {}, 0.01),
    "momentum": ("SGD", {"momentum": 0.9}, 0.01),
    "nesterov": ("SGD", {"momentum": 0.9, "nesterov": True}, 0.01),
    "adam": ("Adam", {}, 1e-3),
    "adamw": ("AdamW", {}, 1e-3),
    "nadam": ("Nadam", {}, 1e-3),
    "adamax": ("Adamax", {}, 1e-3),
    "rmsprop": ("RMSprop", {}, 1e-3),
    "adagrad": ("Adagrad", {}, 1e-2),
    "adadelta": ("Adadelta", {}, 1.0),
    "lion": ("Lion", {}, 1e-4),
}


def make_optimizer(
    optimizer: Any,
    learning_rate: float | None,
    schedule: str | None,
    steps_per_epoch: int | None,
    epochs: int | None,
) -> tuple[Any, dict[str, Any]]:
    import keras

    if isinstance(optimizer, keras.optimizers.Optimizer):
        if learning_rate is not None or schedule not in (None, "none"):
            raise InvalidOptionError(
                f"{option('learning_rate')} and {option('schedule')} apply to an optimizer "
                f"given by name; this one is a {type(optimizer).__name__} object. Set them on "
                "the object, or pass optimizer by name."
            )
        lr = _compat.optimizer_learning_rate(optimizer)
        is_sched = isinstance(lr, keras.optimizers.schedules.LearningRateSchedule)
        return optimizer, {
            "optimizer": type(optimizer).__name__.lower(),
            "learning_rate": float(np.asarray(optimizer.learning_rate)),
            "schedule": type(lr).__name__ if is_sched else None,
        }
    key = optimizer.lower() if isinstance(optimizer, str) else str(optimizer)
    if key not in OPTIMIZERS:
        raise unknown_choice(
            "optimizer",
            optimizer,
            OPTIMIZERS,
            error=UnknownNameError,
            extra=", or a keras.optimizers.Optimizer object",
        )
    cls_name, extra, default_lr = OPTIMIZERS[key]
    lr = default_lr if learning_rate is None else learning_rate
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not 0 < lr < float("inf"):
        raise InvalidOptionError(f"learning_rate must be a positive number, got {lr!r}.")
    sched = _SCHEDULE_ALIASES.get(schedule or "none", schedule or "none")
    if sched not in SCHEDULES + tuple(_SCHEDULE_ALIASES):
        raise unknown_choice("schedule", schedule, SCHEDULES + tuple(_SCHEDULE_ALIASES))
    rate = _rate(float(lr), sched, steps_per_epoch, epochs)
    opt = getattr(keras.optimizers, cls_name)(learning_rate=rate, **extra)
    return opt, {
        "optimizer": key,
        "learning_rate": float(lr),
        "schedule": None if sched == "none" else sched,
    }


def _rate(lr: float, sched: str, steps_per_epoch: Any, epochs: Any) -> Any:
    """The learning rate as given (``sched == "none"``) or as a Keras schedule over training."""
    import keras

    if sched == "none":
        return lr
    total = _total_steps(sched, steps_per_epoch, epochs)
    s = keras.optimizers.schedules
    if sched == "exponential":
        return s.ExponentialDecay(lr, decay_steps=total, decay_rate=0.1)
    if sched == "cosine":
        return s.CosineDecay(lr, decay_steps=total)
    # one cycle: linear warm-up from lr/25 over 30%, cosine down to lr/25e4
    warm = max(1, round(0.3 * total))
    return s.CosineDecay(
        lr / 25,
        decay_steps=max(1, total - warm),
        alpha=1 / 25e4,
        warmup_target=lr,
        warmup_steps=warm,
    )


def _total_steps(schedule: str, steps_per_epoch: Any, epochs: Any) -> int:
    for label, v in (("steps_per_epoch", steps_per_epoch), ("epochs", epochs)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise InvalidOptionError(
                f"{option('schedule', schedule)} needs the length of training: pass "
                f"{option('steps_per_epoch')}=... and {option('epochs')}=... (positive "
                f"integers); got {label}={v!r}."
            )
    return int(steps_per_epoch) * int(epochs)
