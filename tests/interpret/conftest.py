"""Tiny trained models to look inside: a LeNet trained on shapes, and the same network with
random weights (the baseline every view must beat)."""

from __future__ import annotations

from pathlib import Path

import pytest

import kerazoo
from tests.fixtures.shared import made_once

#: Small shapes: 32x32, large enough for three distinct shapes and quick to train.
SHAPES = {"size": 32}


@pytest.fixture(scope="session")
def shapes_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run folder: LeNet trained on 32x32 shapes to high validation accuracy."""

    def make(out: Path) -> None:
        run = kerazoo.train(
            "shapes",
            "lenet",
            data=SHAPES,
            epochs=10,
            train_size=3000,
            val_size=300,
            test_size=0,
            out=out,
            verbose=0,  # no test split: the training images stay as measured
        )
        assert run.metrics["val_accuracy"] > 0.9, run.metrics

    # trained once for all pytest-xdist workers; each gets its own copy
    return made_once(tmp_path_factory, "interpret-shapes-lenet", make)


@pytest.fixture(scope="session")
def shapes_model(shapes_run: Path):
    """The trained LeNet, loaded, with its metadata."""
    model, _ = kerazoo.load_model(shapes_run / "model.keras", compile=False)
    return model


@pytest.fixture(scope="session")
def random_model():
    """The same LeNet on the same data, untrained (random weights, seeded)."""
    import keras

    keras.utils.set_random_seed(0)
    return kerazoo.build("lenet", kerazoo.get_dataset("shapes", **SHAPES), seed=0)
