"""The real ``kerazoo`` command refuses values that cannot work with one line and exit 2,
before TensorFlow starts where it can: seeds, NaN, sizes that cannot fit, devices, search
ranges, a binary variants file, and a single layer saved as a model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.fixtures.processes import run_cli
from tests.test_value_refusals import single_layer_file

HUGE = str(2**70)

#: (arguments, what the one error line says)
REFUSALS = [
    (["train", "shapes", "lenet", "--seed", "-1"], r"--seed: below the minimum 0"),
    (["train", "shapes", "lenet", "--seed", HUGE], r"--seed: above the maximum 4294967295"),
    (["train", "shapes", "lenet", "--l2", "nan"], r"--l2: nan is not a finite number"),
    (
        ["train", "shapes", "lenet", "--train-size", "1000000000000"],
        r"would need about .* of memory .*Ask for fewer with --train-size",
    ),
    (
        ["train", "shapes", "lenet", "--pad-to", "100000"],
        r"padded to 100000x100000 by --pad-to 100000.*Use a smaller --pad-to",
    ),
    (
        ["train", "shapes", "lenet", "--devices", "64", "--train-size", "32"],
        r"--devices 64 splits every batch over 64 replicas.*Use --devices 32 or fewer",
    ),
    (
        ["data", "preview", "shapes", "--n", "1000000", "--out", "{tmp}/p.png"],
        r"--n 1000000 \(dataset 'shapes', 64x64x1 samples\) would need about .*--n: about",
    ),
    (
        ["data", "export", "shapes", "--seed", "-1", "--n", "2", "{tmp}/export"],
        r"Invalid --seed -1: below the minimum 0",
    ),
    (
        ["lr-find", "shapes", "lenet", "--steps", "1000000000000"],
        r"--steps 1000000000000 .*would need about",
    ),
    (
        ["compare", "shapes", "lenet", "--file", "{tmp}/binary.toml"],
        r"binary\.toml: not a text file .*expected a TOML",
    ),
    (["compare", "shapes", "lenet", "--seeds", f"0,{HUGE}"], r"--seeds takes .*4294967295"),
    (["tune", "shapes", "lenet", "--space", "lr=nan:1"], r"nan is not a finite number"),
    (["tune", "shapes", "lenet", "--space", "lr=1:1e-3"], r"LOW first"),
    (["tune", "shapes", "lenet", "--top", "-1"], r"--top is the number of trials.*positive"),
    (["tune", "shapes", "lenet", "--seed", HUGE], r"--seed: above the maximum"),
]


def one_line_refusal(args: list[str], pattern: str) -> None:
    done = run_cli(*args)
    command = args[0]
    assert done.returncode == 2, (args, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"kerazoo {command}: error: "), lines
    assert re.search(pattern, lines[0]), (pattern, lines[0])


def test_values_that_cannot_work_are_one_line_errors(tmp_path: Path) -> None:
    (tmp_path / "binary.toml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff" * 8)
    for args, pattern in REFUSALS:
        one_line_refusal([a.replace("{tmp}", str(tmp_path)) for a in args], pattern)
    assert not (tmp_path / "p.png").exists() and not (tmp_path / "export").exists()


def test_inspect_of_a_single_layer_file_is_one_line(tmp_path: Path) -> None:
    for with_metadata in (False, True):
        path = str(single_layer_file(tmp_path, with_metadata))
        one_line_refusal(["inspect", path], r"holds a single Keras layer \(Dense\), not a model")


@pytest.mark.slow
def test_predict_and_look_of_a_single_layer_file_are_one_line(tmp_path: Path) -> None:
    path = str(single_layer_file(tmp_path, with_metadata=True))
    for args in (["predict", path, path], ["look", "maps", path]):
        one_line_refusal(args, r"holds a single Keras layer \(Dense\), not a model")
