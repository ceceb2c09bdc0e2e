"""Label encodings: numpy only, every error message matched."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from kerazoo import DataError, IncompatibleError, Task, UnknownNameError
from kerazoo.data._encoding import (
    ENCODINGS,
    check_encoding,
    default_encoding,
    effective_task,
    encode_labels,
)

ABC = Task.classification(["a", "b", "c"])
AB = Task.classification(["no", "yes"])
REG = Task.regression(0, 5)
REC = Task.reconstruction()


def test_encoding_module_does_not_import_keras() -> None:
    import subprocess

    code = "import kerazoo.data._encoding, sys; print('keras' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False"


def test_defaults() -> None:
    assert default_encoding(ABC) == "sparse"
    assert default_encoding(AB) == "sparse"
    assert default_encoding(REG) == "regression"
    assert default_encoding(REC) == "reconstruction"
    assert check_encoding(ABC, None) == "sparse"


@pytest.mark.parametrize("task", [ABC, AB, REG, REC])
def test_every_task_has_its_encodings(task: Task) -> None:
    for enc, kinds in ENCODINGS.items():
        if task.kind in kinds and not (enc == "binary" and task.num_classes != 2):
            assert check_encoding(task, enc) == enc


def test_unknown_encoding_suggests() -> None:
    with pytest.raises(UnknownNameError, match=r"Unknown encoding 'onehott'\. Did you mean "):
        check_encoding(ABC, "onehott")
    with pytest.raises(UnknownNameError, match=r"Valid encodings: sparse, onehot, binary"):
        check_encoding(ABC, "hot")


def test_binary_needs_two_classes() -> None:
    with pytest.raises(
        IncompatibleError, match=r"encoding='binary' needs exactly 2 classes.*has 3: a, b, c"
    ):
        check_encoding(ABC, "binary")


def test_onehot_for_regression_is_refused() -> None:
    with pytest.raises(
        IncompatibleError,
        match=r"encoding='onehot' is for classification tasks, but this dataset's task is "
        r"regression\. For regression use encoding='regression' or 'reconstruction'",
    ):
        check_encoding(REG, "onehot")
    with pytest.raises(IncompatibleError, match=r"encoding='regression' is for regression"):
        check_encoding(ABC, "regression")


def test_reconstruction_fits_any_task() -> None:
    assert effective_task(ABC, "reconstruction") == REC
    assert effective_task(ABC, "sparse") is ABC


def test_targets() -> None:
    labels = np.array([2, 0, 1])
    sparse = encode_labels(labels, ABC, "sparse")
    assert sparse.dtype == np.int32 and sparse.tolist() == [2, 0, 1]
    onehot = encode_labels(labels, ABC, "onehot")
    assert onehot.dtype == np.float32 and onehot.argmax(1).tolist() == [2, 0, 1]
    binary = encode_labels([1, 0], AB, "binary")
    assert binary.shape == (2, 1) and binary.dtype == np.float32
    reg = encode_labels([1.5, 2], REG, "regression")
    assert reg.shape == (2, 1) and reg.dtype == np.float32
    images = np.full((2, 3, 3, 1), 255, np.uint8)
    rec = encode_labels(images, REC, "reconstruction")
    assert rec.dtype == np.float32 and rec.max() == 1.0
    # integer-valued floats and [N, 1] columns are accepted as class indices
    assert encode_labels(np.array([[1.0], [2.0]]), ABC, "sparse").tolist() == [1, 2]


def test_label_errors() -> None:
    with pytest.raises(DataError, match=r"indices 0\.\.2 into \['a', 'b', 'c'\], got \[3\]"):
        encode_labels([0, 3], ABC, "sparse")
    with pytest.raises(DataError, match=r"integer indices 0\.\.2, got dtype float64"):
        encode_labels([0.5], ABC, "onehot")
    with pytest.raises(DataError, match=r"one label per sample \(shape \[N\]\), got shape"):
        encode_labels(np.zeros((2, 3)), ABC, "sparse")
    with pytest.raises(DataError, match=r"finite numbers, got dtype float64 with NaN"):
        encode_labels([np.nan], REG, "regression")
    with pytest.raises(DataError, match=r"encoding='sparse' needs labels, got None"):
        encode_labels(None, ABC, "sparse")
    with pytest.raises(DataError, match=r"made from the raw uint8 images, got dtype float32"):
        encode_labels(np.zeros((1, 2, 2, 1), np.float32), REC, "reconstruction")
