"""The learning-rate finder refuses an unknown suggestion method before it builds anything."""

from __future__ import annotations

import pytest

import kerazoo
from kerazoo._errors import InvalidOptionError


def test_an_unknown_suggestion_method_is_refused(tmp_path) -> None:
    with pytest.raises(
        InvalidOptionError,
        match=r"^Unknown suggestion method 'valey'\. Did you mean 'valley'\? Valid: valley, "
        r"steepest, minimum\.$",
    ):
        kerazoo.lr_find("shapes", "lenet", method="valey", out=tmp_path / "lr.png")
    assert list(tmp_path.iterdir()) == []
