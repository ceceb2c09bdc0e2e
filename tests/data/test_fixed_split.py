"""``Dataset.fixed_split`` / ``make_part``: a dataset with its own training and test parts
splits along them, and training sizes its splits from them. A local dataset, no plugin."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest

from kerazoo import DataError, Dataset, Param, PluginError, Samples, Task
from kerazoo.testing import ContractError, check_dataset
from kerazoo.training._sizes import split_sizes


class TwoParts(Dataset):
    """Training images are dark (value = index < 100), test images bright (200 + index)."""

    description = "two fixed parts, for tests"
    options: ClassVar[dict[str, Param]] = {"short": Param(0, int, help="test samples to lose")}

    @property
    def task(self) -> Task:
        return Task.classification(["a", "b"])

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return (2, 2, 1)

    @property
    def fixed_split(self) -> tuple[int, int]:
        return (12, 5)

    def make(self, n: int, rng: np.random.Generator) -> Samples:
        return self.make_part("test", n, rng)

    def make_part(self, part: str, n: int, rng: np.random.Generator) -> Samples:
        base, have = (0, 12) if part == "train" else (200, 5 - self.config["short"])
        values = base + rng.permutation(have)[:n]
        images = np.broadcast_to(values[:, None, None, None], (len(values), 2, 2, 1))
        return Samples(images.astype(np.uint8), values % 2, None)


class Negative(TwoParts):
    @property
    def fixed_split(self) -> tuple[int, int]:
        return (12, -1)


def test_split_draws_train_and_val_from_the_training_part_and_test_from_the_test_part():
    s = TwoParts().split(8, 4, 5, seed=3)
    seen = [set(p.images[:, 0, 0, 0].tolist()) for p in s]
    assert seen[0] | seen[1] == set(range(12)) and not seen[0] & seen[1]
    assert seen[2] == set(range(200, 205))
    again = TwoParts().split(8, 4, 5, seed=3)
    assert all((a.images == b.images).all() for a, b in zip(s, again, strict=True))
    assert check_dataset(TwoParts()).fixed_split == (12, 5)  # the contract, for authors


def test_a_split_beyond_a_part_or_a_part_that_runs_short_is_refused():
    with pytest.raises(DataError, match=r"fixed split of 12 training and 5 test samples, but the"):
        TwoParts().split(10, 3, 1)
    with pytest.raises(DataError, match=r"asks for 1 train \+ 1 validation .* and 6 test"):
        TwoParts().split(1, 1, 6)
    with pytest.raises(PluginError, match=r"make_part\(\) gave 3 of the 5 samples asked from its"):
        TwoParts(short=2).split(1, 1, 5)
    with pytest.raises(ContractError, match=r"fixed_split \(12, -1\) is not \(train, test\)"):
        check_dataset(Negative())


@pytest.mark.parametrize(
    ("given", "sizes"),
    [
        ({}, (54000, 6000, 10000)),  # all of the test part; a tenth of training validates
        ({"train_size": 1000}, (1000, 6000, 10000)),  # a subset trains
        ({"train_size": 58000}, (58000, 2000, 10000)),  # validation takes what is left
        ({"val_size": 100, "test_size": 500}, (59900, 100, 500)),
    ],
)
def test_training_sizes_follow_a_fixed_split(given, sizes) -> None:
    assert split_sizes(given, 10000, (60000, 10000)) == sizes


def test_training_sizes_beyond_a_fixed_split_are_refused() -> None:
    with pytest.raises(DataError, match=r"training part holds 30 images: too few for 28 training"):
        split_sizes({"train_size": 28, "val_size": 5}, 10, (30, 10))
    with pytest.raises(DataError, match=r"test part holds 10 images: too few for 11 test images"):
        split_sizes({"test_size": 11}, 10, (30, 10))
    with pytest.raises(DataError, match=r"split as 30 training \+ 0 validation, and a run needs"):
        split_sizes({"train_size": 30}, 10, (30, 10))
