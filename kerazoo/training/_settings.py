"""Training settings as one table: defaults, types, ranges, choices and help, written once.

:data:`SETTINGS` feeds the ``kerazoo train`` flags and their help text, the checks of
:func:`kerazoo.train`, the comparison made when a run is resumed (only ``epochs`` may
change), and the tuner's search space (entries with ``tune=True``).

Example:
    >>> check_settings({"epochs": "3"})["epochs"]
    3
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kerazoo._errors import InvalidOptionError, UnknownNameError, option, unknown_choice
from kerazoo._params import SEED_MAX, Param, resolve
from kerazoo.data._encoding import ENCODINGS
from kerazoo.data._memory import check_fits
from kerazoo.models._build import NORMALIZATIONS, PRECISIONS
from kerazoo.models._heads import LOSSES
from kerazoo.models._kernels import INITS
from kerazoo.models._optimizers import OPTIMIZERS, SCHEDULES

__all__ = [
    "FLAGS",
    "SETTINGS",
    "changed_settings",
    "check_batch_memory",
    "check_run_compatible",
    "check_settings",
    "defaults",
    "model_variants",
    "suggested_settings",
]


def _jit(value: Any) -> bool | str:
    """``"auto"``, or a boolean (``true``/``false`` from the command line)."""
    if isinstance(value, bool) or value == "auto":
        return value
    text = str(value).lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected 'auto', true or false")


def _rate(value: Any) -> float | str:
    """A learning rate, or ``"find"``: ask the learning-rate finder."""
    if isinstance(value, str) and value.strip().lower() == "find":
        return "find"
    if isinstance(value, bool):
        raise ValueError("expected a number or 'find', got a boolean")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"expected a number or 'find', got {value!r}") from None


#: Every training setting of :func:`kerazoo.train`, in the order the help lists them.
SETTINGS: dict[str, Param] = {
    "epochs": Param(5, int, low=1, help="epochs to train", tune=False),
    "batch_size": Param(
        64, int, low=1, high=4096, log=True, search=(16, 256), help="images per batch"
    ),
    "optimizer": Param("adam", str, choices=tuple(OPTIMIZERS), help="optimizer"),
    "learning_rate": Param(
        None,
        _rate,
        low=1e-7,
        high=10.0,
        log=True,
        search=(1e-4, 1e-1),
        help="learning rate; auto is the optimizer's own; 'find' runs the learning-rate "
        "finder first and trains with its suggestion (writes lr_find.png)",
    ),
    "schedule": Param(None, str, choices=SCHEDULES, help="learning-rate schedule"),
    "encoding": Param(
        None,
        str,
        choices=tuple(ENCODINGS),
        tune=False,
        help="label encoding; auto is the task's own",
    ),
    "data_format": Param(
        "auto",
        str,
        choices=("auto", "channels_last", "channels_first"),
        tune=False,
        help="channel order of the model's input",
    ),
    "train_size": Param(
        None,
        int,
        low=1,
        tune=False,
        help="training images; auto: 4000, or 0.7 of the images a folder dataset holds",
    ),
    "val_size": Param(
        None,
        int,
        low=1,
        tune=False,
        help="validation images; auto: 1000, or 0.15 of the images a folder dataset holds",
    ),
    "test_size": Param(
        None,
        int,
        low=0,
        tune=False,
        help="held-out test images, evaluated when training ends; auto: as many as the "
        "validation images; 0: no test evaluation",
    ),
    "seed": Param(
        0,
        int,
        low=0,
        high=SEED_MAX,
        tune=False,
        help="seed for data, weights, order and augmentation",
    ),
    "augment": Param(False, bool, help="apply the dataset's label-preserving augmentations"),
    "deterministic": Param(
        False, bool, tune=False, help="bit-identical weights for the same seed on one machine"
    ),
    "lr_backoff": Param(
        False,
        bool,
        tune=False,
        help="on a NaN loss, retry from the last good checkpoint at half the rate",
    ),
    "precision": Param("float32", str, choices=PRECISIONS, tune=False, help="mixed_* for GPUs"),
    "jit_compile": Param("auto", _jit, tune=False, help="XLA compilation: auto, true, false"),
    "devices": Param(
        1,
        int,
        low=1,
        high=64,
        tune=False,
        help="train one model on N devices in step: N GPUs, or N logical devices split "
        "from the CPU (no speed-up; to try it); several machines: set TF_CONFIG instead",
    ),
    # -- the model's variants (kerazoo.build's options), for any architecture ------------
    "loss": Param(
        None,
        str,
        choices=LOSSES,
        tune=False,
        help="loss; auto: cross-entropy for classes, mse for values; mse (or mae) on "
        "classes trains a linear output on one-hot targets, the 'remove softmax' experiment",
    ),
    "output": Param(
        "logits",
        str,
        choices=("logits", "probabilities"),
        tune=False,
        help="what a classifier emits: logits, or probabilities (a softmax/sigmoid layer "
        "inside the model, the loss taken on them)",
    ),
    "normalization": Param(
        "channel",
        str,
        choices=NORMALIZATIONS,
        tune=False,
        help="inside the model: channel (mean/std per channel) or image (per pixel) over "
        "the training images; per_image: each image minus its own mean; none: pixels/255",
    ),
    "pad_to": Param(
        None,
        int,
        low=1,
        tune=False,
        help="zero-pad the image inside the model up to this side (28x28 -> 32x32 for "
        "LeNet; auto: no padding); the saved model still takes the dataset's images",
    ),
    "init": Param(
        "auto",
        str,
        choices=INITS,
        help="initialisation of every conv and dense kernel; auto: the architecture's own",
    ),
    "init_scale": Param(
        1.0,
        float,
        low=0.01,
        high=10.0,
        log=True,
        search=(0.5, 2.0),
        help="multiplies the initial kernel weights (init normal: stddev 0.05 x this)",
    ),
    "l2": Param(
        0.0, float, low=0.0, high=0.01, help="L2 penalty factor on every conv and dense kernel"
    ),
    "keep_checkpoints": Param(
        False,
        bool,
        tune=False,
        help="also keep every epoch's checkpoint as checkpoints/epoch-NNN.keras",
    ),
    "tensorboard": Param(
        True,
        bool,
        tune=False,
        help="write TensorBoard event files (per-epoch metrics and learning rate) into "
        "RUN/tensorboard; needs TensorFlow; --no-tensorboard: none",
    ),
}

#: Command-line flags whose name is not the setting's own (``--batch-size`` is derived).
FLAGS: dict[str, str] = {"learning_rate": "--lr"}


def defaults() -> dict[str, Any]:
    """Every setting's default value.

    Example:
        >>> defaults()["batch_size"]
        64
    """
    return {name: param.default for name, param in SETTINGS.items()}


def check_settings(given: Mapping[str, Any]) -> dict[str, Any]:
    """Check training settings and return all of them, defaults filled in.

    Args:
        given: setting name -> value (Python values or command-line strings).

    Returns:
        Every setting of :data:`SETTINGS`, parsed.

    Raises:
        UnknownNameError: a name that is not a training setting (with suggestions).
        InvalidOptionError: a value of the wrong type, out of range or not a valid choice.

    Example:
        >>> check_settings({"optimizer": "sgd"})["optimizer"]
        'sgd'
    """
    for name in given:
        if name not in SETTINGS:
            raise unknown_choice(
                "training setting", name, SETTINGS, listed="Valid settings", error=UnknownNameError
            )
    for name, value in given.items():
        param = SETTINGS[name]
        auto = value is None and param.default is None
        if param.kind is int and param.low == 1 and not auto and not _positive_int(value):
            raise InvalidOptionError(f"{name} must be a positive integer, got {value!r}.")
    return resolve(SETTINGS, given, "kerazoo.train", word="training setting")


def suggested_settings(dataset: Any, given: Any) -> dict[str, Any]:
    """The settings ``dataset`` suggests (``Dataset.suggested_settings``) that the user left
    unset (not in ``given``), checked as the user's own would be.

    Example:
        >>> import kerazoo
        >>> suggested_settings(kerazoo.get_dataset("digits"), given={"seed": 0})
        {'epochs': 10}
        >>> suggested_settings(kerazoo.get_dataset("digits"), given={"epochs": 3})
        {}
    """
    wanted = {k: v for k, v in dataset.suggested_settings.items() if k not in given}
    checked = check_settings(wanted)
    return {k: checked[k] for k in wanted}


def _positive_int(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().isdigit() and int(value) >= 1
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def changed_settings(
    saved: Mapping[str, Any], given: Mapping[str, Any], explicit: bool = False
) -> list[str]:
    """The settings in ``given`` that differ from ``saved``, ``epochs`` aside (it may change).

    Args:
        saved: the run's own settings.
        given: the settings of the resume request.
        explicit: every value in ``given`` was set by the user (command-line flags). Else a
            value equal to the setting's default counts as not given (``kerazoo.train``'s
            keyword arguments cannot tell a default from a value passed).

    Example:
        >>> changed_settings({"seed": 1, "epochs": 2}, {"seed": 3, "epochs": 9})
        ['seed']
        >>> changed_settings({"seed": 1}, {"seed": 0}, explicit=True)
        ['seed']
    """
    return sorted(
        name
        for name, value in given.items()
        if name != "epochs"
        and value is not None
        and (explicit or value != SETTINGS[name].default)
        and value != saved.get(name, SETTINGS[name].default)
    )


def model_variants(cfg: dict[str, Any]) -> dict[str, Any]:
    """The :func:`kerazoo.build` options that training settings choose (loss, output,
    normalisation, padding, initialisation, L2); a setting a run lacks keeps build's default.

    Example:
        >>> model_variants({"output": "probabilities", "l2": 1e-4})
        {'softmax': True, 'l2': 0.0001}
    """
    out = {
        k: cfg[k]
        for k in ("loss", "normalization", "pad_to", "init", "init_scale", "l2")
        if k in cfg
    }
    if "output" in cfg:
        out = {"softmax": cfg["output"] == "probabilities", **out}
    return out


def check_run_compatible(architecture: Any, dataset: Any, cfg: Mapping[str, Any]) -> Any:
    """:func:`kerazoo.models._build.check_compatible` with a run's settings (encoding, loss,
    output, padding), before TensorFlow starts; returns what it returns."""
    from kerazoo.models._build import check_compatible

    chosen = {
        k: v for k, v in model_variants(dict(cfg)).items() if k in ("loss", "softmax", "pad_to")
    }
    found = check_compatible(architecture, dataset, cfg["encoding"], **chosen)
    check_batch_memory(dataset, cfg)
    return found


def check_batch_memory(dataset: Any, cfg: Mapping[str, Any]) -> None:
    """Refuse a batch whose input cannot fit in memory: ``batch_size`` images of the
    dataset's size, or of ``pad_to`` when it pads them, as float32, with their gradients.

    Raises:
        InvalidOptionError: the estimate, the limit, and how many images fit in a batch.

    Example:
        >>> import kerazoo
        >>> check_batch_memory(kerazoo.get_dataset("shapes"), {"batch_size": 64, "pad_to": 96})
    """
    h, w, c = dataset.image_shape
    pad = cfg.get("pad_to")
    side_h, side_w = (max(h, pad), max(w, pad)) if pad else (h, w)
    batch = int(cfg.get("batch_size") or SETTINGS["batch_size"].default)
    padded = f", padded to {side_h}x{side_w} by {option('pad_to', pad)}" if pad else ""
    check_fits(
        batch,
        2 * 4 * side_h * side_w * c,
        what=f"A batch of {option('batch_size', batch)} images ({h}x{w}x{c}{padded}, float32 "
        "with its gradient)",
        fix=f"Use a smaller {option('pad_to')} or {option('batch_size')}"
        if pad
        else f"Use a smaller {option('batch_size')}, or smaller images; images per batch",
    )
