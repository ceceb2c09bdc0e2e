"""The numbers of an evaluation, per task kind, from predictions and labels. numpy only.

scikit-learn is not a dependency, so precision, recall and F1 are read off the confusion
matrix here (a few lines of numpy); they follow scikit-learn's conventions: a class never
predicted has precision 0, a class absent from the labels has recall 0, and the macro F1
averages over the classes that occur in the labels or the predictions.

Example:
    >>> m = classification_metrics(np.array([[0.9, 0.1], [0.2, 0.8]]), np.array([0, 0]), ("a", "b"))
    >>> m.metrics["accuracy"], m.confusion.tolist()
    (0.5, [[1, 1], [0, 0]])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "EPSILON",
    "Scores",
    "classification_metrics",
    "confusion_matrix",
    "reconstruction_metrics",
    "regression_metrics",
]

#: Probabilities are clipped to ``[EPSILON, 1]`` before the log, as Keras' cross-entropy does.
EPSILON = 1e-7


@dataclass
class Scores:
    """What one task kind's scoring gives.

    Attributes:
        metrics: flat ``name -> value`` (``accuracy``, ``cross_entropy``, ``mae``, ``mse``
            ...). No metric is called ``loss``: a run's ``loss`` is whatever loss it was
            trained with (an MSE on one-hot targets, say), so each number says what it is.
        losses: one loss per image (cross-entropy, ``|error|`` or mean squared error): the
            worst images are the top losses.
        per_class: ``class -> {"precision", "recall", "f1", "support"}`` (classification).
        confusion: counts ``[true, predicted]`` (classification), else ``None``.
    """

    metrics: dict[str, float]
    losses: np.ndarray
    per_class: dict[str, dict[str, float]] = field(default_factory=dict)
    confusion: np.ndarray | None = None


def confusion_matrix(true: Any, predicted: Any, k: int) -> np.ndarray:
    """Counts of (true class, predicted class) pairs: rows are true, columns predicted.

    Example:
        >>> confusion_matrix([0, 1, 1], [0, 1, 0], 2).tolist()
        [[1, 0], [1, 1]]
    """
    t = np.asarray(true, dtype=np.int64)
    p = np.asarray(predicted, dtype=np.int64)
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k)


def classification_metrics(
    probabilities: np.ndarray, labels: np.ndarray, class_names: tuple[str, ...]
) -> Scores:
    """Accuracy, cross-entropy, macro F1 and per-class precision / recall / F1 / support.

    Args:
        probabilities: ``[N, K]`` class probabilities (rows sum to 1).
        labels: ``[N]`` true class indices.
        class_names: the ``K`` names, in index order.

    Returns:
        :class:`Scores`; ``losses`` is each image's cross-entropy ``-log p(true class)``.

    Example:
        >>> s = classification_metrics(np.eye(2), np.array([0, 1]), ("a", "b"))
        >>> s.metrics["macro_f1"], s.per_class["b"]["support"]
        (1.0, 1)
    """
    probs = np.asarray(probabilities, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    k = len(class_names)
    predicted = probs.argmax(axis=1)
    p_true = probs[np.arange(len(labels)), labels]
    losses = -np.log(np.clip(p_true, EPSILON, 1.0))
    counts = confusion_matrix(labels, predicted, k)
    tp = np.diag(counts).astype(np.float64)
    support, chosen = counts.sum(axis=1), counts.sum(axis=0)
    precision = np.divide(tp, chosen, out=np.zeros(k), where=chosen > 0)
    recall = np.divide(tp, support, out=np.zeros(k), where=support > 0)
    both = precision + recall
    f1 = np.divide(2 * precision * recall, both, out=np.zeros(k), where=both > 0)
    present = (support > 0) | (chosen > 0)
    per_class = {
        name: {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": int(support[i]),
        }
        for i, name in enumerate(class_names)
    }
    metrics = {
        "accuracy": float(np.mean(predicted == labels)) if len(labels) else 0.0,
        "cross_entropy": float(losses.mean()) if len(labels) else 0.0,
        "macro_f1": float(f1[present].mean()) if present.any() else 0.0,
    }
    return Scores(metrics, losses, per_class, counts)


def regression_metrics(
    predicted: np.ndarray, true: np.ndarray, rounded: np.ndarray | None = None
) -> Scores:
    """Mean absolute error, root mean squared error, bias, and for counts the exact rate.

    Args:
        predicted: ``[N]`` raw predicted values.
        true: ``[N]`` true values.
        rounded: for counts, the predictions as the Predictor gives them (rounded and
            kept >= 0 for counts, never clipped to the trained range): adds ``exact``, the
            fraction equal to the truth.

    Returns:
        :class:`Scores`; ``losses`` is each image's ``|error|``.

    Example:
        >>> s = regression_metrics(np.array([1.2, 2.6]), np.array([1.0, 2.0]), np.array([1, 3]))
        >>> s.metrics["exact"]
        0.5
    """
    pred = np.asarray(predicted, dtype=np.float64).reshape(-1)
    true = np.asarray(true, dtype=np.float64).reshape(-1)
    error = pred - true
    metrics = {
        "mae": float(np.abs(error).mean()),
        "rmse": float(np.sqrt(np.mean(error**2))),
        "mse": float(np.mean(error**2)),
        "bias": float(error.mean()),
    }
    if rounded is not None:
        metrics["exact"] = float(np.mean(np.asarray(rounded).reshape(-1) == np.round(true)))
    return Scores(metrics, np.abs(error))


def reconstruction_metrics(outputs: np.ndarray, inputs: np.ndarray) -> Scores:
    """Mean squared error per image, in pixel units of ``[0, 1]``: the mean and the worst.

    Args:
        outputs: reconstructed images, ``uint8 [N, H, W, C]``.
        inputs: the input images, ``uint8 [N, H, W, C]``.

    Returns:
        :class:`Scores` with ``mse`` (mean over images), ``worst_mse``, ``mae``; ``losses``
        is each image's mean squared error.

    Example:
        >>> x = np.zeros((2, 2, 2, 1), np.uint8)
        >>> reconstruction_metrics(x + 255, x).metrics["mse"]
        1.0
    """
    diff = (outputs.astype(np.float64) - inputs.astype(np.float64)) / 255.0
    per_image = (diff**2).reshape(len(diff), -1).mean(axis=1)
    metrics = {
        "mse": float(per_image.mean()),
        "worst_mse": float(per_image.max()),
        "mae": float(np.abs(diff).mean()),
    }
    return Scores(metrics, per_image)
