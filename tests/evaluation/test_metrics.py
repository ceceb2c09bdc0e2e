"""The numbers, checked by hand on small arrays, and the Evaluation's two forms."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kerazoo.evaluation._metrics import (
    classification_metrics,
    confusion_matrix,
    reconstruction_metrics,
    regression_metrics,
)
from kerazoo.evaluation._result import Evaluation

NAMES = ("a", "b", "c")


def test_confusion_rows_are_true_classes_and_sum_to_n() -> None:
    counts = confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 3)
    assert counts.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert counts.sum() == 6


def test_classification_numbers_by_hand() -> None:
    probs = np.array([[0.7, 0.2, 0.1], [0.4, 0.5, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6]])
    labels = np.array([0, 0, 1, 1])
    s = classification_metrics(probs, labels, NAMES)
    assert s.metrics["accuracy"] == pytest.approx(0.5)
    assert s.metrics["cross_entropy"] == pytest.approx(-np.mean(np.log([0.7, 0.4, 0.8, 0.2])))
    # a: predicted once, right once: precision 1, recall 1/2; b: predicted twice, right once
    assert s.per_class["a"] == pytest.approx(
        {"precision": 1.0, "recall": 0.5, "f1": 2 / 3, "support": 2.0}
    )
    assert s.per_class["b"] == pytest.approx(
        {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2.0}
    )
    # c is never true but predicted once: it counts in the macro F1 (as scikit-learn does)
    assert s.per_class["c"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0.0}
    assert s.metrics["macro_f1"] == pytest.approx((2 / 3 + 0.5 + 0.0) / 3)
    assert s.losses.argmax() == 3


def test_a_class_absent_from_labels_and_predictions_is_left_out_of_macro_f1() -> None:
    s = classification_metrics(np.array([[0.9, 0.1, 0.0]] * 2), np.array([0, 0]), NAMES)
    assert s.metrics["macro_f1"] == 1.0


def test_a_zero_probability_gives_a_finite_loss() -> None:
    s = classification_metrics(np.array([[1.0, 0.0, 0.0]]), np.array([1]), NAMES)
    assert s.metrics["cross_entropy"] == pytest.approx(-np.log(1e-7))


def test_regression_numbers_by_hand() -> None:
    s = regression_metrics(np.array([1.4, 2.6, 5.0]), np.array([1, 2, 3]), np.array([1, 3, 5]))
    assert s.metrics["mae"] == pytest.approx((0.4 + 0.6 + 2.0) / 3)
    assert s.metrics["rmse"] == pytest.approx(np.sqrt((0.16 + 0.36 + 4.0) / 3))
    assert s.metrics["bias"] == pytest.approx(1.0)
    assert s.metrics["exact"] == pytest.approx(1 / 3)
    assert "exact" not in regression_metrics(np.array([1.0]), np.array([1.0])).metrics


def test_reconstruction_mean_and_worst_per_image() -> None:
    x = np.zeros((2, 2, 2, 1), np.uint8)
    y = x.copy()
    y[1, 0, 0, 0] = 255  # one pixel of four fully wrong in the second image
    s = reconstruction_metrics(y, x)
    assert s.losses.tolist() == [0.0, 0.25]
    assert s.metrics["mse"] == pytest.approx(0.125)
    assert s.metrics["worst_mse"] == pytest.approx(0.25)


def test_summary_and_dict_with_a_reference(tmp_path) -> None:
    ref = Evaluation("classification", 10, {"accuracy": 0.98}, label="shapes(size=32)")
    shifted = Evaluation(
        "classification",
        10,
        {"accuracy": 0.41},
        per_class={},
        reference=ref,
        label="shapes(noise=0.3)",
        pictures={"confusion": tmp_path / "confusion.png"},
        folder=tmp_path,
    )
    text = shifted.summary()
    assert "in distribution" in text and "-0.570" in text
    assert shifted.gap_line() == (
        "accuracy 0.410 on shapes(noise=0.3) vs 0.980 in distribution (shapes(size=32)): -0.570"
    )
    path = shifted.write_json(tmp_path / "metrics.json")
    data = json.loads(path.read_text())
    assert data["pictures"] == {"confusion": "confusion.png"}
    assert data["reference"]["metrics"] == {"accuracy": 0.98}
    assert data["reference"]["reference"] is None


def test_summary_escapes_control_characters_from_class_names() -> None:
    scores = {"precision": 1, "recall": 1, "f1": 1, "support": 1}
    e = Evaluation("classification", 1, {"accuracy": 1.0}, per_class={"a\x1b[2J": scores})
    assert "\x1b" not in e.summary() and "\\x1b" in e.summary()
