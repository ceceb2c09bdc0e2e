"""Refusals of a search space and of tuning options, before any trial runs."""

from __future__ import annotations

import sys

import pytest

import kerazoo
from kerazoo._errors import InvalidOptionError


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


def test_tune_runs_each_trial_on_one_device_and_on_one_kind_of_cluster(tmp_path) -> None:
    out = tmp_path / "t"
    with pytest.raises(
        InvalidOptionError,
        match=r"^tune trains each trial on one device, got devices=2 \(that is for training one "
        r"run\)\. Run several trials at once with workers=2 instead\.$",
    ):
        kerazoo.tune("shapes", "lenet", devices=2, trials=1, out=out, verbose=False)
    with pytest.raises(
        InvalidOptionError,
        match=r"^workers starts worker processes on this machine; chief waits for workers on "
        r"other machines\. Give one of them\.$",
    ):
        kerazoo.tune("shapes", "lenet", workers=1, chief="localhost:1", out=out, verbose=False)
    assert not out.exists()


def test_reading_yaml_without_pyyaml_says_how_to_get_it(tmp_path, monkeypatch) -> None:
    from kerazoo.experiments._variants import read_variants_file

    path = tmp_path / "v.yaml"
    path.write_text("variants:\n  half: {width: 0.5}\n")
    monkeypatch.setitem(sys.modules, "yaml", None)  # as if PyYAML were not installed
    with pytest.raises(
        InvalidOptionError,
        match=r"v\.yaml: reading YAML needs PyYAML \(pip install pyyaml\); TOML needs nothing",
    ):
        read_variants_file(path)
