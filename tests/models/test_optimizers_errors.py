"""An optimizer object carries its own rate and schedule: naming them too is refused."""

from __future__ import annotations

import keras
import pytest

import kerazoo
from kerazoo.errors import InvalidOptionError
from tests.fixtures.tiny_data import Bars


@pytest.mark.parametrize("setting", [{"learning_rate": 0.1}, {"schedule": "cosine"}])
def test_a_rate_or_schedule_with_an_optimizer_object_is_refused(setting) -> None:
    with pytest.raises(
        InvalidOptionError,
        match=r"^learning_rate and schedule apply to an optimizer given by name; this one is a "
        r"Adam object\. Set them on the object, or pass optimizer by name\.$",
    ):
        kerazoo.build("lenet", Bars(size=12), optimizer=keras.optimizers.Adam(), **setting)
