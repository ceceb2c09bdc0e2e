"""Build settings refused before a model is made: a rate or schedule beside an optimizer object,
and a padding size that is not a positive integer."""

from __future__ import annotations

import keras
import pytest

import kerazoo
from kerazoo._errors import InvalidOptionError
from tests.fixtures.tiny_data import Bars


@pytest.mark.parametrize("setting", [{"learning_rate": 0.1}, {"schedule": "cosine"}])
def test_a_rate_or_schedule_with_an_optimizer_object_is_refused(setting) -> None:
    with pytest.raises(
        InvalidOptionError,
        match=r"^learning_rate and schedule apply to an optimizer given by name; this one is a "
        r"Adam object\. Set them on the object, or pass optimizer by name\.$",
    ):
        kerazoo.build("lenet", Bars(size=12), optimizer=keras.optimizers.Adam(), **setting)


@pytest.mark.parametrize("pad_to", [0, -4, True, 12.5])
def test_pad_to_is_a_positive_integer(pad_to) -> None:
    with pytest.raises(
        InvalidOptionError, match=rf"^pad_to must be a positive integer, got {pad_to!r}\.$"
    ) as caught:
        kerazoo.build("lenet", Bars(size=12), pad_to=pad_to)
    assert (caught.value.name, caught.value.value) == ("pad_to", pad_to)
