"""Variant syntax, key lookup, value checks, the seed list, the verdict and the table text:
no training here."""

from __future__ import annotations

import json

import pytest

from kerazoo._errors import InvalidOptionError, UnknownNameError
from kerazoo._params import Param
from kerazoo.experiments._compare_table import Row, Table, welch
from kerazoo.experiments._variants import (
    check_variant,
    key_tables,
    make_variants,
    parse_seeds,
    parse_variant,
    read_variants_file,
)
from tests.fixtures.processes import run_cli

NO_SHARED = {"hp": {}, "data": {}, "train": {}}


@pytest.fixture(scope="module")
def tables():
    return key_tables("shapes", "chopped_vgg")


def test_a_variant_is_a_name_and_key_value_words() -> None:
    assert parse_variant("half: width=0.5") == ("half", {"width": "0.5"})
    assert parse_variant(" 4 classes :classes=circle,square,triangle,star epochs=2") == (
        "4 classes",
        {"classes": "circle,square,triangle,star", "epochs": "2"},
    )
    assert parse_variant("same:") == ("same", {})
    assert parse_variant("q: dense_activation='linear'; dropout=0") == (
        "q",
        {"dense_activation": "linear", "dropout": "0"},
    )


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("width=0.5", r"A variant is 'NAME: KEY=VALUE \.\.\.', got 'width=0.5'\. Example"),
        (": width=0.5", "A variant is 'NAME: KEY=VALUE"),
        ("half: width", r"Variant 'half': 'width' is not KEY=VALUE"),
        ("half: width=1 width=2", "Variant 'half' gives 'width' twice"),
    ],
)
def test_a_malformed_variant_says_the_syntax(text: str, match: str) -> None:
    with pytest.raises(InvalidOptionError, match=match):
        parse_variant(text)


def test_keys_are_found_in_their_own_table(tables) -> None:
    specs = [
        "half: width=0.5",
        "4 classes: classes=circle,square,triangle,star",
        "slow: learning_rate=1e-4",
        "fast: lr=0.1 batch-size=8",
    ]
    base, half, four, lr, fast = make_variants(specs, tables)
    assert base.name == "baseline" and not base.changes and base.describe() == "-"
    assert half.hp == {"width": "0.5"} and not half.data and not half.settings
    assert lr.settings == {"learning_rate": "1e-4"}
    assert fast.settings == {"learning_rate": "0.1", "batch_size": "8"}  # flag spellings too
    assert four.data == {"classes": "circle,square,triangle,star"}
    assert four.folder == "4-classes" and four.describe() == ("classes=circle,square,triangle,star")


def test_an_unknown_key_is_refused_with_a_suggestion_and_the_valid_keys(tables) -> None:
    with pytest.raises(
        UnknownNameError,
        match=r"Unknown key 'widht' in variant 'half'\. Did you "
        r"mean 'width'\?.*hyperparameters: blocks, convs.*dataset options: size"
        r".*training settings: epochs",
    ) as info:
        make_variants(["half: widht=0.5"], tables)
    assert info.value.value == "widht" and "width" in info.value.choices
    with pytest.raises(UnknownNameError, match=r"Unknown key 'data\.width'.*dataset options"):
        make_variants(["half: data.width=0.5"], tables)


def test_a_key_in_two_tables_needs_a_prefix() -> None:
    both = {"hp": {"size": Param(3, int)}, "data": {"size": Param(32, "size")}, "train": {}}
    with pytest.raises(
        InvalidOptionError,
        match=r"Variant 'big': the key 'size' is ambiguous: "
        r"it is a hyperparameter and a dataset option\. Say which with a prefix: "
        r"hp\.size=\.\.\. or data\.size=\.\.\.",
    ):
        make_variants(["big: size=64"], both)
    _, big = make_variants(["big: data.size=64 hp.size=5"], both)
    assert big.data == {"size": "64"} and big.hp == {"size": "5"}


def test_seed_baseline_and_folder_clashes_are_refused(tables) -> None:
    with pytest.raises(InvalidOptionError, match="sets 'seed'.*give --seeds"):
        make_variants(["s: seed=3"], tables)
    with pytest.raises(InvalidOptionError, match="'baseline' is the variant with no changes"):
        make_variants(["baseline: width=2"], tables)
    with pytest.raises(InvalidOptionError, match="would share the run folder 'a-b'"):
        make_variants(["a b: width=2", "a-b: width=3"], tables)
    with pytest.raises(InvalidOptionError, match="Two variants are named 'a'"):
        make_variants(["a: width=2", "a: width=3"], tables)
    assert [v.name for v in make_variants(["a: width=2"], tables, baseline=False)] == ["a"]


def test_a_bad_value_names_its_variant(tables) -> None:
    (half,) = make_variants({"half": {"width": "lots"}}, tables, baseline=False)
    with pytest.raises(
        InvalidOptionError,
        match=r"Variant 'half' \(width=lots\): Invalid value "
        r"'lots' for hyperparameter 'width'",
    ):
        check_variant(half, "shapes", "chopped_vgg", NO_SHARED)
    (sgd,) = make_variants({"sgd": {"optimizer": "sgdd"}}, tables, baseline=False)
    with pytest.raises(InvalidOptionError, match=r"Variant 'sgd' \(optimizer=sgdd\).*'sgd'"):
        check_variant(sgd, "shapes", "chopped_vgg", NO_SHARED)
    (one,) = make_variants({"one": {"classes": "circle"}}, tables, baseline=False)
    with pytest.raises(InvalidOptionError, match=r"Variant 'one'.*at least 2 different kinds"):
        check_variant(one, "shapes", "chopped_vgg", NO_SHARED)


def test_the_cli_refuses_a_bad_variant_before_training(tmp_path) -> None:
    done = run_cli(
        "compare",
        "shapes",
        "chopped_vgg",
        "--variant",
        "half: widht=0.5",
        "--out",
        str(tmp_path / "c"),
    )
    assert done.returncode == 2
    assert "kerazoo compare: error: Unknown key 'widht' in variant 'half'. Did you mean " in (
        done.stderr
    )
    assert not (tmp_path / "c").exists()
    done = run_cli("compare", "shapes", "chopped_vgg", "--seed", "2", "--variant", "a: width=2")
    assert done.returncode == 2 and "Give --seeds 3 (seeds 0, 1, 2) or --seeds 2" in done.stderr


def test_the_cli_reads_variants_from_a_file(tmp_path) -> None:
    path = tmp_path / "v.toml"
    path.write_text("[variants]\nhalf = { widht = 0.5 }\n")
    done = run_cli("compare", "shapes", "chopped_vgg", "--file", str(path))
    assert done.returncode == 2
    assert "Unknown key 'widht' in variant 'half'. Did you mean 'width'?" in done.stderr
    done = run_cli("compare", "shapes", "chopped_vgg", "--file", str(path), "--variant", "a:")
    assert done.returncode == 2 and "with --variant or --file, not both" in done.stderr


def test_seeds_are_a_count_or_a_list() -> None:
    assert parse_seeds(3) == parse_seeds("3") == [0, 1, 2]
    assert parse_seeds("4,0") == parse_seeds([4, 0]) == [4, 0]
    for bad in ("0", "x", "1,1", "-1,2", 0):
        with pytest.raises(InvalidOptionError, match=r"--seeds takes a count \(3: seeds 0, 1, 2\)"):
            parse_seeds(bad)


def test_a_toml_file_holds_variants_seeds_and_shared(tmp_path, tables) -> None:
    path = tmp_path / "v.toml"
    path.write_text(
        "seeds = [0, 2]\n[shared]\nsize = 16\n[variants]\nhalf = { width = 0.5 }\n"
        '"4 classes" = { classes = "circle,square,triangle,star", "train.epochs" = 2 }\n'
    )
    doc = read_variants_file(path)
    assert doc["seeds"] == [0, 2] and doc["shared"] == {"size": 16}
    _, half, four = make_variants(doc["variants"], tables)
    assert half.hp == {"width": 0.5} and four.settings == {"epochs": 2}
    path.write_text("[variants]\nhalf = 0.5\n")
    with pytest.raises(InvalidOptionError, match="variant 'half' must be a table"):
        read_variants_file(path)
    path.write_text("[variants\n")
    with pytest.raises(InvalidOptionError, match="not valid TOML"):
        read_variants_file(path)


def test_welch_verdict_matches_a_hand_computation() -> None:
    # means 0.91 and 0.80, s = 0.01 each, n = 3: t = 0.11 / sqrt(2e-4 / 3) = 13.47, df = 4
    out = welch([0.90, 0.92, 0.91], [0.80, 0.81, 0.79])
    assert out["verdict"] == "exceeds noise" and out["critical"] == 2.776
    assert out["t"] == pytest.approx(13.472, abs=1e-3) and out["df"] == pytest.approx(4.0)
    assert welch([0.9, 0.8], [0.86, 0.84])["verdict"] == "within noise"
    assert welch([0.9], [0.8, 0.7])["verdict"] == "one seed: no verdict"
    assert welch([0.5, 0.5], [0.5, 0.5])["verdict"] == "within noise"


def test_the_table_says_better_or_worse_only_beyond_the_noise() -> None:
    table = Table("shapes", "chopped_vgg", "mae", False, "baseline")
    table.rows = [
        Row("baseline", "-", 1000, [0, 1, 2], [0.30, 0.31, 0.29]),
        Row("half", "width=0.5", 500, [0, 1, 2], [0.40, 0.41, 0.39]),
        Row("wide", "dense_units=512", 2000, [0, 1, 2], [0.28, 0.33, 0.29]),
        Row("one", "epochs=2", 2000, [0], [0.1], status="2 of 3 diverged"),
    ]
    table.judge()
    assert [r.verdict for r in table.rows] == [
        "reference",
        "worse: exceeds noise",
        "within noise",
        "one seed: no verdict",
    ]
    text = table.text()
    assert "0.4000 +- 0.0100 (n=3)" in text and "[2 of 3 diverged]" in text
    assert "test mae: mean +- standard deviation over seeds (lower is better)" in text
    assert "Welch's t-test, two-sided at 5%" in text
    doc = json.loads(json.dumps(table.to_dict()))
    assert doc["rows"][1]["mean"] == pytest.approx(0.40) and doc["metric"] == "test mae"
    assert table.csv_text().splitlines()[0].startswith("variant,changes,parameters,metric,mean")


def test_a_comparison_needs_a_test_split(tmp_path) -> None:
    from kerazoo.experiments._compare import compare

    with pytest.raises(InvalidOptionError, match=r"'baseline' has test_size=0: give a test split"):
        compare("shapes", "chopped_vgg", ["a: width=2"], out=tmp_path / "c", test_size=0)
    with pytest.raises(
        InvalidOptionError,
        match=r"compare runs every variant over seeds; got seed=1\. Give seeds=3 "
        r"\(seeds 0, 1, 2\) or seeds=1\.",
    ):
        compare("shapes", "chopped_vgg", ["a: width=2"], out=tmp_path / "c", seed=1)
    assert not (tmp_path / "c").exists()


def test_without_a_baseline_there_is_no_verdict() -> None:
    table = Table("shapes", "lenet", "accuracy", True, None)
    table.rows = [Row("a", "width=2", 10, [0, 1], [0.5, 0.6]), Row("b", "-", 10, [0, 1], [0.9, 1])]
    table.judge()
    assert [r.verdict for r in table.rows] == ["-", "-"]
    assert table.text().endswith("verdict: none (no baseline to compare with).")
