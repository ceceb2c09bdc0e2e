"""The rule that reads recorded activation statistics: which layer died, vanished or
exploded, and what to do about it.

:func:`activation_problem` looks at the last record and names the first layer, in model
order, whose activations are not finite; mostly zero (dead); grown too far (exploded);
or almost constant (vanished). Growth is judged against the network's input: each
layer's std is divided by the std of what it is given (its gain), and the gains
compound, so a layer is exploded when its std is more than :data:`GROWTH_LIMIT` times the
std of the input to the first recorded layer (the normalised image). A model's output
layer has its own scale: logits more spread than :data:`LOGIT_LIMIT` saturate the softmax,
and a regression value (in half ranges of the task's values) more spread than
:data:`VALUE_LIMIT` misses the range by far. Statistics recorded before inputs were
measured fall back to the fixed :data:`EXPLODED_STD`.

Example:
    >>> activation_warning(read_stats("runs/shapes-lenet")) is None   # doctest: +SKIP
    True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from kerazoo._errors import option

__all__ = [
    "DEAD_SHARE",
    "EXPLODED_STD",
    "GROWTH_LIMIT",
    "LOGIT_LIMIT",
    "VALUE_LIMIT",
    "VANISHED_STD",
    "ZERO_TOL",
    "ActivationWarning",
    "activation_problem",
    "activation_warning",
]

#: An activation with ``|a| <= ZERO_TOL`` counts as zero (a ReLU that is off).
ZERO_TOL = 1e-6
#: A layer whose share of zero activations reaches this is dead.
DEAD_SHARE = 0.9
#: A layer whose std is more than this many times the std of the network's input has
#: exploded (healthy networks, trained or not, stay within a few times it; a counter
#: initialised 10x too large reaches about 75x by its fourth convolution).
GROWTH_LIMIT = 30.0
#: Logits more spread than this saturate the softmax: probabilities of 0 and 1, and a
#: wrong answer costs a loss of about this size.
LOGIT_LIMIT = 30.0
#: A regression output (in half ranges of the task's values, before its rescaling) more
#: spread than this predicts values far outside the range it was built for.
VALUE_LIMIT = 10.0
#: Without a measured input (statistics from an older kerazoo): a std above this has
#: exploded.
EXPLODED_STD = 1e3
#: A layer that is not dead but whose standard deviation is below this has vanished.
VANISHED_STD = 1e-4


class ActivationWarning(UserWarning):
    """A layer's activations died, vanished or exploded (see :func:`activation_warning`)."""


def _growth(std: np.ndarray, i: int, layers: Sequence[str]) -> str:
    """How the std changes per recorded layer from the first one to layer ``i``."""
    if i == 0 or not std[0] > 0 or not (math.isfinite(std[i]) and std[i] > 0):
        return ""
    factor = (std[i] / std[0]) ** (1 / i)
    change = f"growing {factor:.3g}x" if factor >= 1 else f"shrinking {1 / factor:.3g}x"
    return f"; it is {change} per recorded layer from {layers[0]} (std {std[0]:.2g})"


def _cause(
    stats: dict[str, np.ndarray],
    bad_at_start: bool,
    start: str,
    init: str,
    extra: str = "batch normalisation",
) -> str:
    """Advice by when it went wrong: at the start (the initialisation) or while training
    (the learning rate); both when there is only one record."""
    flag = option("learning_rate")
    lr = "a lower learning rate" + (f" ({flag})" if flag.startswith("-") else "")
    if len(stats["step"]) < 2:
        return f"Use {init}, {lr}, or {extra}."
    if bad_at_start:
        return (
            f"It was like this from the start (step {stats['step'][0]}): use {init}; {extra} "
            "can also help."
        )
    return (
        f"It was fine at step {stats['step'][0]} ({start}) and went wrong in training: use "
        f"{lr}; {extra} can also help."
    )


def _gains(stats: dict[str, np.ndarray], t: int, i: int) -> str:
    """Each recorded layer's std over its input's, up to layer ``i``: ``conv1 1.1x, ...``."""
    layers, std, given = stats["layers"], stats["std"][t], stats["input_std"][t]
    shown = [f"{layers[j]} {std[j] / given[j]:.2g}x" for j in range(i + 1) if given[j] > 0]
    return ", ".join(shown)


def _limit(stats: dict[str, np.ndarray], i: int) -> tuple[float, str] | None:
    """Layer ``i``'s explosion test, ``(limit, what is measured)``: ``"logits"`` or
    ``"value"`` (the std of the model's output layer), ``"growth"`` (the std over the
    network input's); ``None`` for statistics without measured inputs."""
    head = str(stats.get("head", ""))
    if i == len(stats["layers"]) - 1 and head in ("logits", "value"):
        return (LOGIT_LIMIT if head == "logits" else VALUE_LIMIT), head
    return (GROWTH_LIMIT, "growth") if "input_std" in stats else None


def _scale(stats: dict[str, np.ndarray], i: int, t: int, what: str) -> float:
    """The number compared with the limit at record ``t``: a std, or the growth."""
    s = float(stats["std"][t, i])
    if what != "growth":
        return s
    start = float(stats["input_std"][t, 0])
    return s / start if start > 0 else math.inf


def _exploded(stats: dict[str, np.ndarray], i: int, on: str) -> str | None:
    """The message when layer ``i`` exploded in the last record, else ``None``."""
    name, s = str(stats["layers"][i]), float(stats["std"][-1, i])
    init = "a smaller initialisation (He for ReLU, Glorot for tanh)"
    found = _limit(stats, i)
    if found is None:
        if s <= EXPLODED_STD:
            return None
        first = float(stats["std"][0, i])
        cause = _cause(stats, first > EXPLODED_STD, f"std {first:.2g}", init)
        return (
            f"{name}'s activations exploded: std {s:.2g} {on}, over the limit of "
            f"{EXPLODED_STD:g}{_growth(stats['std'][-1], i, stats['layers'])}. {cause}"
        )
    limit, what = found
    value, first = _scale(stats, i, -1, what), _scale(stats, i, 0, what)
    if value <= limit:
        return None
    was = f"{first:.2g}x its input" if what == "growth" else f"std {first:.2g}"
    cause = _cause(stats, first > limit, was, init)
    if what == "logits":
        return (
            f"{name}'s activations exploded: the logits' std is {s:.2g} {on}, over the "
            f"limit of {limit:g}, so the softmax gives probabilities of 0 and 1 and a wrong "
            f"answer costs a loss of about {s:.2g}. {cause}"
        )
    if what == "value":
        return (
            f"{name}'s activations exploded: the output value's std is {s:.2g} half ranges "
            f"of the task's values {on}, over the limit of {limit:g}, so predictions fall "
            f"far outside the values it was built for. {cause}"
        )
    given = float(stats["input_std"][-1, 0])
    return (
        f"{name}'s activations exploded: std {s:.2g} {on}, {value:.3g}x the std of the "
        f"network's input ({given:.2g}; the limit is {limit:g}x). Gain of each layer "
        f"(its std over its input's): {_gains(stats, -1, i)}. {cause}"
    )


def activation_problem(stats: dict[str, np.ndarray]) -> tuple[int, str] | None:
    """The first layer, in model order, whose activations died, vanished or exploded in the
    last record: ``(its index in stats["layers"], the message)``, or ``None``.

    The rule: not finite; at least ``DEAD_SHARE`` of the activations zero (dead); grown
    more than ``GROWTH_LIMIT`` times the network's input (the product of the layers'
    gains), or for the output layer logits more spread than ``LOGIT_LIMIT`` or a value
    more than ``VALUE_LIMIT`` (exploded); or a std below ``VANISHED_STD`` (vanished). The
    advice depends on whether the first record already had the problem.
    """
    layers = [str(n) for n in stats["layers"]]
    std, zero = stats["std"], stats["near_zero"]
    when = f"at step {int(stats['step'][-1])}" if len(stats["step"]) > 1 else "now"
    on = f"on {int(stats['probe_count'])} probe images {when}"
    he = "He initialisation for ReLU layers (kernel_initializer='he_normal')"
    for i, name in enumerate(layers):
        s = std[-1, i]
        if not (math.isfinite(s) and math.isfinite(stats["mean"][-1, i])):
            cause = _cause(
                stats,
                not math.isfinite(std[0, i]),
                f"std {std[0, i]:.2g}",
                "a smaller initialisation",
            )
            return i, (
                f"{name}'s activations are not finite (NaN or infinity) {on}: the network "
                f"diverged. {cause}"
            )
        if zero[-1, i] >= DEAD_SHARE:
            cause = _cause(
                stats,
                zero[0, i] >= DEAD_SHARE,
                f"{zero[0, i]:.0%} zero",
                f"{he} and no negative bias",
                "batch normalisation or a leaky ReLU",
            )
            return i, (
                f"{name}'s activations died: {zero[-1, i]:.0%} of them are zero and "
                f"{stats['dead_units'][-1, i]:.0%} of its {int(stats['units'][i])} units never "
                f"fire {on} (the limit is {DEAD_SHARE:.0%}), so no gradient flows through "
                f"it. {cause}"
            )
        exploded = _exploded(stats, i, on)
        if exploded:
            return i, exploded
        if s < VANISHED_STD:
            cause = _cause(
                stats, std[0, i] < VANISHED_STD, f"std {std[0, i]:.2g}", f"{he} (Glorot for tanh)"
            )
            return i, (
                f"{name}'s activations vanished: std {s:.2g} {on}, under the limit of "
                f"{VANISHED_STD:g}{_growth(std[-1], i, layers)}, so the layers after it see "
                f"almost nothing. {cause}"
            )
    return None


def activation_warning(stats: dict[str, Any]) -> str | None:
    """The warning for the first dead, vanished or exploded layer, or ``None`` when all look
    healthy (the rule of :func:`activation_problem`, on the last record).

    Example:
        >>> activation_warning(read_stats("runs/shapes-lenet")) is None  # doctest: +SKIP
        True
    """
    found = activation_problem(stats)
    return None if found is None else found[1]
