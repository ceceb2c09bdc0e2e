"""One source for the training settings: :data:`SETTINGS` pins the keyword arguments of
:func:`kerazoo.train` and :func:`kerazoo.lr_find` (names, order, defaults, docs), and every
setting passed is checked against the table."""

from __future__ import annotations

import inspect
import re

import pytest

import kerazoo
from kerazoo.training._lr_find_run import lr_find
from kerazoo.training._run import train
from kerazoo.training._settings import SETTINGS

#: The arguments that are not training settings: what to train, where, and how to show it.
RUN_ARGUMENTS = {
    train: [
        "dataset",
        "architecture",
        "data",
        "hp",
        "out",
        "resume",
        "verbose",
        "callbacks",
        "track",
    ],
    lr_find: [
        "dataset",
        "architecture",
        "data",
        "hp",
        "out",
        "start",
        "end",
        "steps",
        "method",
        "verbose",
    ],
}
#: A default that is not the table's, and why: a resumed run keeps its own epochs.
OWN_DEFAULTS = {(train, "epochs"): None}


def _settings_in(function):
    params = inspect.signature(function).parameters.values()
    return [p for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY and p.name in SETTINGS]


@pytest.mark.parametrize("function", [train, lr_find])
def test_every_keyword_is_a_setting_of_the_table_or_a_run_argument(function) -> None:
    params = inspect.signature(function).parameters.values()
    others = [p.name for p in params if p.name not in SETTINGS and p.kind is not p.VAR_KEYWORD]
    assert others == RUN_ARGUMENTS[function]  # a misspelled setting would show up here
    names = [p.name for p in _settings_in(function)]
    assert names == [n for n in SETTINGS if n in names]  # in the table's order
    assert [p for p in params if p.kind is p.VAR_KEYWORD], "the other settings by keyword"


@pytest.mark.parametrize("function", [train, lr_find])
def test_defaults_are_the_tables(function) -> None:
    for p in _settings_in(function):
        expected = OWN_DEFAULTS.get((function, p.name), SETTINGS[p.name].default)
        assert p.default == expected, p.name


def test_train_documents_every_setting_with_the_tables_default() -> None:
    doc = inspect.getdoc(train)
    args = doc.split("Args:", 1)[1].split("Returns:", 1)[0]
    explicit = {p.name for p in _settings_in(train)}
    for name in SETTINGS:
        said = f"{name}:" if name in explicit else f"``{name}``"
        assert said in args, f"{name} is not documented in train()'s Args"
    _check_stated_defaults(args, explicit)


def _check_stated_defaults(args: str, explicit: set[str]) -> None:
    """Each setting argument with a default in the table states it: ``(default 64)``."""
    entries = dict(re.findall(r"^ {4}(\w+): (.*(?:\n {8}.*)*)", args, re.M))
    for name in explicit:
        stated = re.search(r"\(default:? ([^,;)]+)", entries[name])
        if SETTINGS[name].default is None:
            continue  # what "auto" means is said in words
        assert stated, f"{name}: no (default ...) in its Args entry"
        assert stated[1] in (str(SETTINGS[name].default), repr(SETTINGS[name].default)), name


def test_lr_find_documents_where_its_settings_are() -> None:
    doc = inspect.getdoc(lr_find)
    args = doc.split("Args:", 1)[1].split("Returns:", 1)[0]
    _check_stated_defaults(args, {p.name for p in _settings_in(lr_find)})
    assert ":data:`~kerazoo.training._settings.SETTINGS`" in doc


@pytest.mark.parametrize("name", [p.name for p in _settings_in(train)])
def test_train_checks_each_setting_it_takes(tmp_path, name) -> None:
    with pytest.raises(kerazoo.InvalidOptionError, match=name):
        train("shapes", "lenet", out=tmp_path, **{name: "nonsense"})


@pytest.mark.parametrize("name", [p.name for p in _settings_in(lr_find)])
def test_lr_find_checks_each_setting_it_takes(name) -> None:
    with pytest.raises(kerazoo.InvalidOptionError, match=name):
        lr_find("shapes", "lenet", **{name: "nonsense"})
