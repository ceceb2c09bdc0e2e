"""Labels that cannot be encoded for a classification loss are refused by name."""

from __future__ import annotations

import numpy as np
import pytest

import kerazoo
from kerazoo._errors import DataError
from tests.fixtures.tiny_data import Bars


@pytest.fixture(scope="module")
def bars_info():
    return kerazoo.ModelInfo.of(kerazoo.build("lenet", Bars(size=12), seed=0))


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (
            [0, 1, 2, 7],
            r"^Class labels must be indices 0\.\.2 into \['band0', 'band1', 'band2'\], ",
        ),
        ([0, 1, 2, -1], r"got \[-1\]\.$"),
        ([0, 1, 2, 0.5], r"^Class labels must be integer indices 0\.\.2, got dtype float64\.$"),
    ],
)
def test_class_labels_outside_the_classes_are_refused(bars_info, labels, message: str) -> None:
    images = Bars(size=12).generate(4, seed=0).images
    with pytest.raises(DataError, match=message):
        kerazoo.make_batches(kerazoo.Samples(images, np.asarray(labels), None), bars_info, 2)
