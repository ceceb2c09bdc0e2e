"""Tiny real models, trained once per session: LeNet on shapes (classification), the
counter on circles (regression of counts) and an autoencoder on polka dots."""

from __future__ import annotations

from pathlib import Path

import pytest

import kerazoo
from tests.fixtures.shared import made_once

SHAPES = {"size": 32}
COUNTS = {"size": 32, "target": "count"}
DOTS = {"size": "24x32", "min_radius": 3, "max_radius": 6}


def _train(factory: pytest.TempPathFactory, name: str, *args: str, **kw) -> Path:
    """The run folder, trained once for all pytest-xdist workers; each gets its own copy."""

    def make(out: Path) -> None:
        kerazoo.train(*args, out=out, verbose=0, val_size=60, **kw)

    return made_once(factory, f"evaluation-{name}", make)


@pytest.fixture(scope="session")
def shapes_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run folder: LeNet on 32x32 shapes, better than chance (about 0.75)."""
    return _train(
        tmp_path_factory, "shapes", "shapes", "lenet", data=SHAPES, train_size=600, epochs=4
    )


@pytest.fixture(scope="session")
def count_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run folder: the counter regressing the number of circles (1..5) in 32x32 images."""
    return _train(
        tmp_path_factory, "count", "circles", "counter", data=COUNTS, train_size=300, epochs=2
    )


@pytest.fixture(scope="session")
def dots_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run folder: a small autoencoder reconstructing 24x32 polka dots."""
    return _train(
        tmp_path_factory,
        "dots",
        "polkadots",
        "autoencoder",
        data=DOTS,
        hp={"filters": 4, "bottleneck": 4},
        train_size=200,
        epochs=2,
    )
