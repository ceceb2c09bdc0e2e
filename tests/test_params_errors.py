"""Option values refused by their tables, as a user passing them meets them."""

from __future__ import annotations

import pytest

import kerazoo
from kerazoo._errors import InvalidOptionError


def test_an_unknown_top_level_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match=r"^module 'kerazoo' has no attribute 'trian'$"):
        kerazoo.trian  # noqa: B018


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"size": True}, r"Invalid value True for option 'size' of dataset 'shapes': a size is "),
        ({"size": None}, r"Invalid value None for option 'size' .*: a value is required\."),
        ({"min_scale": True}, r"option 'min_scale' .*: expected a number, got a boolean\."),
    ],
)
def test_a_dataset_option_of_the_wrong_kind_is_refused(options, message: str) -> None:
    with pytest.raises(InvalidOptionError, match=message):
        kerazoo.get_dataset("shapes", **options)


def test_a_boolean_is_not_a_count_of_convolutions() -> None:
    with pytest.raises(
        InvalidOptionError,
        match=r"Invalid value True for hyperparameter 'convs' of architecture 'chopped_vgg': "
        r"expected a count, got a boolean",
    ):
        kerazoo.get_architecture("chopped_vgg", convs=True)


@pytest.mark.parametrize("side", ["height", "width", "channels"])
def test_an_input_spec_side_below_one_is_refused(side: str) -> None:
    sides = {"height": 8, "width": 8, "channels": 1, side: 0}
    with pytest.raises(InvalidOptionError, match=rf"^InputSpec\.{side} must be >= 1\.$"):
        kerazoo.InputSpec(**sides)


def test_jit_compile_is_auto_true_or_false(tmp_path) -> None:
    with pytest.raises(
        InvalidOptionError,
        match=r"Invalid value 'maybe' for training setting 'jit_compile' of kerazoo\.train: "
        r"expected 'auto', true or false",
    ):
        kerazoo.train("shapes", "lenet", jit_compile="maybe", out=tmp_path / "run")
    assert not (tmp_path / "run").exists()
