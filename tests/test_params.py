"""Option tables: parsing command-line strings, validating, defaults, JSON."""

from __future__ import annotations

import pytest

import kerazoo
from kerazoo._params import Param, parse_size, resolve

TABLE = {
    "size": Param(64, "size"),
    "noise": Param(0.0, float, low=0.0, high=1.0, help="noise level"),
    "channels": Param(1, int, choices=(1, 3)),
    "rotate": Param(True, bool),
    "path": Param(None, str, required=True, help="a folder"),
}


def test_strings_from_the_command_line_are_parsed() -> None:
    got = resolve(
        TABLE,
        {"size": "27x11", "noise": "0.5", "channels": "3", "rotate": "off", "path": "/x"},
        "dataset 'd'",
    )
    assert got == {"size": (27, 11), "noise": 0.5, "channels": 3, "rotate": False, "path": "/x"}
    assert TABLE["size"].dump(got["size"]) == "27x11"
    assert TABLE["size"].dump((8, 8)) == 8
    assert parse_size(32) == (32, 32) and parse_size([4, 5]) == (4, 5)


@pytest.mark.parametrize(
    ("given", "error", "message"),
    [
        (
            {"path": "/x", "nois": 1},
            kerazoo.UnknownNameError,
            r"Unknown option 'nois' for dataset 'd'\. Did you mean 'noise'\? Valid options: size, "
            r"noise, channels, rotate, path\.",
        ),
        (
            {},
            kerazoo.InvalidOptionError,
            r"The option 'path' of dataset 'd' is required: "
            r"give it as path=VALUE \(str; a folder\)",
        ),
        (
            {"path": "/x", "noise": "2"},
            kerazoo.InvalidOptionError,
            r"Invalid value '2' for option 'noise' of dataset 'd': above the maximum 1\.0\. "
            r"Expected float in \[0\.0, 1\.0\] \(noise level\)\.",
        ),
        (
            {"path": "/x", "channels": 2},
            kerazoo.InvalidOptionError,
            r"Invalid value 2 for option 'channels'.*expected one of 1, 3",
        ),
        (
            {"path": "/x", "rotate": "maybe"},
            kerazoo.InvalidOptionError,
            r"Invalid value 'maybe' for option 'rotate'.*expected true or false",
        ),
        (
            {"path": "/x", "size": "3x4x5"},
            kerazoo.InvalidOptionError,
            r"Invalid value '3x4x5' for option 'size'.*is not N or HxW.*size \(N or HxW\)",
        ),
        (
            {"path": "/x", "size": 0},
            kerazoo.InvalidOptionError,
            r"Invalid value 0 for option 'size'.*has a side below 1",
        ),
        (
            {"path": "/x", "channels": 1.5},
            kerazoo.InvalidOptionError,
            r"Invalid value 1\.5 for option 'channels'.*expected an integer",
        ),
    ],
)
def test_bad_values_say_what_and_how(given, error, message) -> None:
    with pytest.raises(error, match=message):
        resolve(TABLE, given, "dataset 'd'")


def test_task_and_input_spec_validate_and_round_trip() -> None:
    t = kerazoo.Task.classification(["a", "b", "c"])
    assert kerazoo.Task.from_dict(t.to_dict()) == t and t.num_classes == 3
    r = kerazoo.Task.regression(45, 50, integer=True)
    assert kerazoo.Task.from_dict({**r.to_dict(), "encoding": "regression"}) == r
    with pytest.raises(kerazoo.InvalidOptionError, match=r"needs at least 2 class names, got"):
        kerazoo.Task.classification(["only"])
    with pytest.raises(kerazoo.InvalidOptionError, match=r"Class names must be unique"):
        kerazoo.Task.classification(["a", "a"])
    with pytest.raises(kerazoo.InvalidOptionError, match=r"Unknown task kind 'segment'"):
        kerazoo.Task("segment")
    spec = kerazoo.InputSpec(27, 11, 3)
    assert spec.shape == (27, 11, 3) and spec.with_format("channels_first").shape == (3, 27, 11)
    assert kerazoo.InputSpec.from_dict(spec.to_dict()) == spec
    with pytest.raises(kerazoo.InvalidOptionError, match=r"Unknown data_format 'nhwc'"):
        kerazoo.InputSpec(1, 1, 1, "nhwc")


def test_a_value_outside_the_choices_suggests_and_carries_attributes() -> None:
    from kerazoo._errors import option_flags

    table = {"mode": Param("fast", str, choices=("fast", "exact"))}
    with pytest.raises(
        kerazoo.InvalidOptionError,
        match=r"Invalid value 'exakt' for option 'mode' of dataset 'd'.*Did you mean 'exact'\?",
    ) as caught:
        resolve(table, {"mode": "exakt"}, "dataset 'd'")
    assert (caught.value.name, caught.value.value) == ("mode", "exakt")
    assert caught.value.choices == ("fast", "exact")
    with option_flags({"mode": "--mode"}):  # a plugin option is never spelled as a flag
        with pytest.raises(kerazoo.InvalidOptionError, match=r"for option 'mode'.*'exact'\?"):
            resolve(table, {"mode": "exakt"}, "dataset 'd'")
        with pytest.raises(kerazoo.InvalidOptionError, match=r"for --mode: .*--mode exact\?"):
            resolve(table, {"mode": "exakt"}, "kerazoo.train", "training setting")


def test_a_search_range_sits_inside_the_valid_one(capsys) -> None:
    """``search`` narrows what the tuner draws by default; values outside it stay valid."""
    p = Param(64, int, low=1, high=4096, log=True, search=(16, 256))
    assert p.search == (16, 256) and p.parse("4000") == 4000
    for bad in [(0, 8), (16, 5000), (256, 16)]:
        with pytest.raises(ValueError, match=r"search range .* must lie inside \[1, 4096\]"):
            Param(64, int, low=1, high=4096, search=bad)
    with pytest.raises(ValueError, match=r"search range needs low and high"):
        Param(0.5, float, search=(0.1, 1.0))
    from kerazoo._cli import main

    assert main(["list", "architectures", "chopped_vgg", "--verbose"]) == 0
    assert "dense_units=256  (int in [16, 4096]; tune searches [32, 1024])" in (
        capsys.readouterr().out
    )


def test_declare_puts_every_kind_of_entry_on_the_tuner_by_one_rule() -> None:
    """Settings and hyperparameters alike, parsers of their own included (the learning
    rate has no default; chopped VGG's ``convs`` is searched as the int of its default)."""
    import keras_tuner

    from kerazoo.training._settings import SETTINGS

    hp = keras_tuner.HyperParameters()
    rate = SETTINGS["learning_rate"]
    assert 1e-4 <= rate.declare(hp, "learning_rate") <= 1e-1
    assert 1e-3 <= rate.declare(hp, "narrow", (1e-3, 1e-2)) <= 1e-2
    convs = type(kerazoo.get_architecture("chopped_vgg")).hyperparameters["convs"]
    assert convs.declare(hp, "convs") == 2
    assert SETTINGS["optimizer"].declare(hp, "optimizer") == "adam"
    assert SETTINGS["augment"].declare(hp, "augment") is False
    shown = {h.name: (type(h).__name__, h.get_config()) for h in hp.space}
    assert shown["learning_rate"][0] == "Float" and shown["learning_rate"][1]["sampling"] == "log"
    assert shown["narrow"][1]["min_value"] == 1e-3 and shown["narrow"][1]["max_value"] == 1e-2
    assert shown["convs"][0] == "Int" and shown["optimizer"][0] == "Choice"
    assert shown["augment"][0] == "Boolean"
