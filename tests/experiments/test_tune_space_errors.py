"""Refusals of a search space and of tuning options, before any trial runs."""

from __future__ import annotations

import pytest

import kerazoo
from kerazoo.errors import InvalidOptionError


@pytest.mark.parametrize(
    ("space", "message"),
    [
        ({"filters": []}, r"^--space filters= names no value\. Give LOW:HIGH or A,B,C\.$"),
        (
            {"learning_rate": (1e-3, 1e-2, 1e-1)},
            r"learning_rate=0\.001:0\.01:0\.1: a range is LOW:HIGH, two numbers \(rate in",
        ),
        ({"optimizer": ("adam", "sgd")}, r"optimizer=adam:sgd: a range is LOW:HIGH, two numbers"),
        ({"learning_rate": ["x"]}, r"^Invalid --space learning_rate=x: expected a number or 'f"),
    ],
)
def test_tune_refuses_a_bad_space_before_searching(tmp_path, space, message: str) -> None:
    with pytest.raises(InvalidOptionError, match=message):
        kerazoo.tune("shapes", "lenet", space=space, trials=1, out=tmp_path / "t", verbose=False)
    assert not (tmp_path / "t").exists()


def test_tune_refuses_a_negative_number_of_workers(tmp_path) -> None:
    with pytest.raises(InvalidOptionError, match=r"^workers must be 0 or more, got -1\.$"):
        kerazoo.tune("shapes", "lenet", workers=-1, trials=1, out=tmp_path / "t", verbose=False)
    assert not (tmp_path / "t").exists()
