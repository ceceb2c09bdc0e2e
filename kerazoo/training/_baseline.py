"""Did the model learn anything? Its test metric against the trivial baseline of its task.

The baseline needs no network: always the most common training class (classification), the
training mean (regression: its mean absolute error), the mean training image
(reconstruction: its mean squared error). A model that is not clearly better than that,
by :data:`GAIN`, learned little or nothing, and the run says so with
:class:`NotLearnedWarning`: the likely causes, and commands to look further.

Example:
    >>> from kerazoo.data._dataset import Samples
    >>> from kerazoo._task import Task
    >>> train = Samples(np.zeros((4, 2, 2, 1), np.uint8), np.array([0, 0, 0, 1]), None)
    >>> test = Samples(np.zeros((4, 2, 2, 1), np.uint8), np.array([0, 1, 0, 0]), None)
    >>> check = compare_with_baseline(Task.classification(["a", "b"]), train, test,
    ...                               {"accuracy": 0.75})
    >>> check.baseline, check.learned
    (0.75, False)
"""

from __future__ import annotations

import shlex
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kerazoo._task import Task
from kerazoo.data._dataset import Samples

__all__ = ["GAIN", "Baseline", "NotLearnedWarning", "compare_with_baseline", "warn_not_learned"]

#: How much better than the baseline "clearly better" is: accuracy must close this share of
#: the gap from the baseline to 1; an error (MAE, MSE) must be at most (1 - GAIN) of the
#: baseline's.
GAIN = 0.1


class NotLearnedWarning(UserWarning):
    """A trained model is not clearly better than the trivial baseline of its task.

    Its message names the metric, the baseline, the likely causes (learning rate, too few
    epochs, dead units or initialisation) and commands to try. ``Run.baseline`` and
    ``run.json``'s ``baseline`` hold the same numbers.
    """


@dataclass(frozen=True)
class Baseline:
    """The test metric of a model against the trivial baseline.

    Attributes:
        metric: the metric compared: ``accuracy`` (higher is better), ``mae`` or ``mse``
            (lower is better).
        model: the model's value on the test split.
        baseline: the trivial predictor's value on the same images.
        needed: what the model must reach to count as having learned (see :data:`GAIN`).
        predictor: the trivial predictor in words.
        learned: whether the model reached ``needed``.
    """

    metric: str
    model: float
    baseline: float
    needed: float
    predictor: str
    learned: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, as in ``run.json``."""
        return asdict(self)

    def describe(self) -> str:
        """One sentence with the numbers."""
        word = "at least" if self.metric == "accuracy" else "at most"
        return (
            f"test {self.metric} {self.model:.4g} against {self.baseline:.4g} for "
            f"{self.predictor}; a model that learned should reach {word} {self.needed:.4g}"
        )


def compare_with_baseline(
    task: Task, train: Samples, test: Samples, metrics: dict[str, float]
) -> Baseline | None:
    """The model's test metric against the trivial baseline fit on the training split.

    Args:
        task: the model's task.
        train: the training split (the baseline is fit on it, as the model was).
        test: the held-out test split the model was scored on.
        metrics: the model's test metrics (``accuracy``, ``mae`` or ``mse`` by task kind).

    Returns:
        The :class:`Baseline`; ``None`` when there is nothing to compare (no test images,
        the metric missing, or a baseline that is already perfect).
    """
    if len(test) == 0 or len(train) == 0:
        return None
    if task.kind == "classification":
        labels = np.asarray(train.labels).astype(np.int64).reshape(-1)
        common = int(np.bincount(labels).argmax())
        value = float(np.mean(np.asarray(test.labels).reshape(-1) == common))
        name = task.class_names[common] if common < task.num_classes else str(common)
        return _verdict(
            "accuracy",
            metrics,
            value,
            value + GAIN * (1.0 - value),
            f"always predicting the most common class {name!r}",
        )
    if task.kind == "regression":
        mean = float(np.mean(np.asarray(train.labels, np.float64)))
        true = np.asarray(test.labels, np.float64).reshape(-1)
        value = float(np.mean(np.abs(true - mean)))
        return _verdict(
            "mae",
            metrics,
            value,
            (1.0 - GAIN) * value,
            f"always predicting the training mean {mean:.4g}",
        )
    mean_image = np.round(np.mean(train.images, axis=0, dtype=np.float64))
    diff = (test.images.astype(np.float64) - mean_image) / 255.0
    value = float(np.mean(diff**2))
    return _verdict(
        "mse", metrics, value, (1.0 - GAIN) * value, "always predicting the mean training image"
    )


def _verdict(
    metric: str, metrics: dict[str, float], baseline: float, needed: float, predictor: str
) -> Baseline | None:
    model = metrics.get(metric)
    perfect = baseline >= 1.0 if metric == "accuracy" else baseline <= 0.0
    if model is None or not np.isfinite(model) or perfect:
        return None
    learned = model >= needed if metric == "accuracy" else model <= needed
    return Baseline(metric, float(model), baseline, float(needed), predictor, bool(learned))


def warn_not_learned(
    check: Baseline, run_dir: Path, dataset: Any, architecture: Any, epochs: int
) -> str:
    """Issue one :class:`NotLearnedWarning` for a run whose model did not learn.

    Args:
        check: the comparison (not learned).
        run_dir: the run folder, for the commands.
        dataset: the :class:`kerazoo.Dataset` trained on.
        architecture: the Architecture trained.
        epochs: the epochs the run trained.

    Returns:
        The message.
    """
    run = shlex.quote(str(run_dir))
    message = (
        f"The model learned little or nothing: {check.describe()}. Likely causes: a "
        f"learning rate far too high or too low (find one: {_lr_find(dataset, architecture)}"
        f"), too few epochs (train on: kerazoo train --resume --out {run} --epochs "
        f"{max(2 * epochs, epochs + 5)}), or dead units from a bad start or initialisation "
        f"(see: kerazoo look stats {run})."
    )
    warnings.warn(NotLearnedWarning(message), stacklevel=2)
    return message


def _lr_find(dataset: Any, architecture: Any) -> str:
    """``kerazoo lr-find DATASET ARCH`` with the options that differ from the defaults."""
    words = ["kerazoo", "lr-find", dataset.name, architecture.name]
    for flag, table, given in (
        ("--data", type(dataset).options, dataset.options_json()),
        ("--hp", type(architecture).hyperparameters, architecture.hyperparameters_json()),
    ):
        for key, value in given.items():
            if key in table and value != table[key].dump(table[key].default):
                words += [flag, f"{key}={_text(value)}"]
    return shlex.join(words)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list | tuple):
        return ",".join(_text(v) for v in value)
    return str(value)
