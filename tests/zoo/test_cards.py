"""Every shipped entry: its file matches its card's hash, and its card has every field."""

from __future__ import annotations

import json

import pytest

import kerazoo
from kerazoo.saving._zoo import file_sha256
from tests.fixtures.processes import run_cli
from tests.zoo.conftest import BUILTIN


@pytest.mark.parametrize("name", BUILTIN)
def test_every_entry_matches_its_card(name: str) -> None:
    card = kerazoo.get_zoo(name)
    assert card.missing() == []
    assert file_sha256(card.folder / "model.keras") == card.card["sha256"]
    m = card.metric
    assert len(m["values"]) == len(m["seeds"]) == 5 and m["seeds"][0] == 0
    assert m["shipped"] == m["values"][0]
    assert card.recipe.startswith(f"kerazoo train {card.dataset} {card.architecture} ")
    assert "--seed 0" in card.recipe
    assert card.card["parameters"] > 0 and card.card["training"]["cpu"]
    assert card.card["limits"] and all("verdict" in lim for lim in card.card["limits"])
    assert len(card.card["reference"]["outputs"]) == 2
    for file in ("run.json", "history.csv"):
        assert (card.folder / file).is_file()


def test_lenet_shapes_is_the_recipe_the_looking_inside_tests_use() -> None:
    card = kerazoo.get_zoo("lenet-shapes")
    assert card.recipe == (
        "kerazoo train shapes lenet --data size=32 --epochs 8 --train-size 3000 "
        "--val-size 300 --seed 0"
    )
    assert card.metric["name"] == "test.accuracy"
    assert card.metric["shipped"] > 0.9


def test_zoo_list_shows_every_card() -> None:
    out = run_cli("zoo", "list")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split()[:3] == ["name", "dataset", "architecture"]
    assert len(lines) - 1 >= 6
    for name in BUILTIN:
        assert any(line.startswith(name + " ") for line in lines), out.stdout
    assert "+-" in out.stdout and "KB" in out.stdout


def test_zoo_show_prints_the_card_and_its_json() -> None:
    out = run_cli("zoo", "show", "lenet-shapes")
    assert out.returncode == 0, out.stderr
    assert "kerazoo train shapes lenet --data size=32" in out.stdout
    assert "sha256" in out.stdout and "known limits" in out.stdout
    raw = run_cli("zoo", "show", "zoo:lenet-shapes", "--json")
    assert json.loads(raw.stdout) == kerazoo.get_zoo("lenet-shapes").card


def test_an_unknown_name_is_refused_with_the_choices() -> None:
    with pytest.raises(
        kerazoo.UnknownNameError,
        match=r"Did you mean 'lenet-shapes'\?.*"
        r"Available: .*lenet-traffic-lights",
    ) as err:
        kerazoo.get_zoo("lenet-shape")
    assert "lenet-shapes" in err.value.choices
    with pytest.raises(kerazoo.UnknownNameError, match="Unknown zoo entry 'nope'"):
        kerazoo.load_model("zoo:nope")
    out = run_cli("predict", "zoo:lenet-shape", "x.png")
    assert out.returncode == 2
    assert "Did you mean 'lenet-shapes'?" in out.stderr and "Available:" in out.stderr


def test_a_tampered_model_is_refused_naming_both_hashes(tampered_site, monkeypatch) -> None:
    monkeypatch.syspath_prepend(str(tampered_site))
    expected = kerazoo.get_zoo("tampered").card["sha256"]
    actual = file_sha256(tampered_site / "kz_tampered" / "model.keras")
    with pytest.raises(
        kerazoo.ModelFileError, match=f"sha256 {actual}, but its card says {expected}"
    ):
        kerazoo.load_model("zoo:tampered")
    out = run_cli("inspect", "zoo:tampered", pythonpath=tampered_site)
    assert out.returncode == 2 and "Refusing zoo:tampered" in out.stderr
