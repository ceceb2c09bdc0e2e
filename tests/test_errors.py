"""One way to refuse a choice: message, attributes, and spelling in Python and on the CLI."""

from __future__ import annotations

import pytest

import kerazoo
from kerazoo._errors import InvalidOptionError, UnknownNameError, option, option_flags


def test_unknown_choice_suggests_lists_and_carries_attributes() -> None:
    with pytest.raises(
        UnknownNameError,
        match=r"Unknown encoding 'onehto'\. Did you mean 'onehot'\? Valid encodings: sparse, "
        r"onehot, binary",
    ) as caught:
        kerazoo.build("lenet", "shapes", encoding="onehto")
    err = caught.value
    assert (err.name, err.value) == ("encoding", "onehto")
    assert "reconstruction" in err.choices and "onehot" in err.choices


@pytest.mark.parametrize(
    ("call", "name", "value", "error"),
    [
        (
            lambda: kerazoo.build("lenet", "shapes", optimizer="adm"),
            "optimizer",
            "adm",
            UnknownNameError,
        ),
        (
            lambda: kerazoo.build("lenet", "shapes", schedule="cosin"),
            "schedule",
            "cosin",
            InvalidOptionError,
        ),
        (
            lambda: kerazoo.build("lenet", "shapes", data_format="nhwc"),
            "data_format",
            "nhwc",
            InvalidOptionError,
        ),
        (
            lambda: kerazoo.build("lenet", "shapes", precision="float16"),
            "precision",
            "float16",
            InvalidOptionError,
        ),
        (lambda: kerazoo.get_dataset("shape"), "dataset", "shape", UnknownNameError),
        (lambda: kerazoo.get_dataset("shapes", sise=3), "option", "sise", UnknownNameError),
        (lambda: kerazoo.get_dataset("shapes", channels=2), "channels", 2, InvalidOptionError),
    ],
)
def test_every_refused_choice_names_what_and_lists_the_valid_ones(call, name, value, error) -> None:
    with pytest.raises(error, match=rf"{value!r}") as caught:
        call()
    assert caught.value.name == name
    assert caught.value.value == value
    assert caught.value.choices, "the valid choices travel with the error"


def test_options_are_keywords_in_python_and_flags_inside_option_flags() -> None:
    assert option("encoding", "reconstruction") == "encoding='reconstruction'"
    with option_flags({"encoding": "--encoding", "learning_rate": "--lr"}):
        assert option("encoding", "reconstruction") == "--encoding reconstruction"
        assert option("learning_rate") == "--lr"
        assert option("augment", True) == "augment=True"  # no flag: still a keyword
    assert option("learning_rate") == "learning_rate"


def test_build_message_reads_as_a_keyword_from_python() -> None:
    with pytest.raises(kerazoo.IncompatibleError, match=r"pass encoding='reconstruction'\."):
        kerazoo.build("autoencoder", "shapes")
