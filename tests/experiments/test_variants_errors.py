"""Refusals of variants and variant files, before anything is trained."""

from __future__ import annotations

import pytest

import kerazoo
from kerazoo._errors import InvalidOptionError
from kerazoo.experiments._variants import read_variants_file


@pytest.mark.parametrize(
    ("variants", "message"),
    [
        (["half: width='0.5"], r"^Variant 'half': No closing quotation in \" width='0\.5\"\.$"),
        (["half: width"], r"Variant 'half': 'width' is not KEY=VALUE\. Example: .*half: width=0"),
        (["half: filters=2 filters=3"], r"^Variant 'half' gives 'filters' twice\.$"),
        (["half: seed=3"], r"Variant 'half' sets 'seed': a comparison runs every variant over"),
        (["a: filters=2", "a: filters=3"], r"^Two variants are named 'a': name each once\.$"),
        (["baseline: filters=2"], r"'baseline' is the variant with no changes that the others"),
    ],
)
def test_compare_refuses_a_bad_variant_before_training(tmp_path, variants, message) -> None:
    with pytest.raises(InvalidOptionError, match=message):
        kerazoo.compare("shapes", "lenet", variants, out=tmp_path / "c", verbose=False)
    assert not (tmp_path / "c").exists()


def test_compare_without_variants_or_baseline_has_nothing_to_compare(tmp_path) -> None:
    with pytest.raises(InvalidOptionError, match=r"^Nothing to compare: give a variant \("):
        kerazoo.compare("shapes", "lenet", [], baseline=False, out=tmp_path / "c", verbose=False)
    assert not (tmp_path / "c").exists()


def test_a_variants_file_that_cannot_be_read_is_refused(tmp_path) -> None:
    expected = r"expected a TOML \(or YAML\) text file of variants"
    with pytest.raises(
        InvalidOptionError, match=rf"--file .*: cannot read it \(Is a directory\); {expected}"
    ):
        read_variants_file(tmp_path)
    with pytest.raises(InvalidOptionError, match=r"missing\.toml: cannot read it \(No such file"):
        read_variants_file(tmp_path / "missing.toml")
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (2**20 + 1))
    with pytest.raises(InvalidOptionError, match=rf"big\.toml: larger than 1 MB; {expected}"):
        read_variants_file(big)


def test_a_variants_file_of_the_wrong_shape_is_refused(tmp_path) -> None:
    path = tmp_path / "v.yaml"
    path.write_text("variants: [half\n")
    with pytest.raises(InvalidOptionError, match=r"v\.yaml: not valid YAML: "):
        read_variants_file(path)
    path.write_text("- half\n- double\n")
    with pytest.raises(
        InvalidOptionError, match=r"the file holds \[variants\] .*got variants as a"
    ):
        read_variants_file(path)
    path = tmp_path / "v.toml"
    path.write_text("epochs = 2\n[variants]\nhalf = { width = 0.5 }\n")
    with pytest.raises(InvalidOptionError, match=r"v\.toml: the file holds .*; got epochs\.$"):
        read_variants_file(path)


def test_compare_needs_a_test_split_to_judge_by(tmp_path) -> None:
    with pytest.raises(
        InvalidOptionError,
        match=r"^compare judges each variant by its held-out test metric, but 'baseline' has "
        r"test_size=0: give a test split",
    ):
        kerazoo.compare("shapes", "lenet", ["a: filters=2"], test_size=0, out=tmp_path / "c")
    assert not (tmp_path / "c").exists()
