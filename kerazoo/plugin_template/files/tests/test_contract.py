"""kerazoo's own contract checks on this package's plugins (kerazoo.testing)."""

from __future__ import annotations

import pytest

import kerazoo
from kerazoo.testing import check_architecture, check_dataset


def test_the_plugins_are_registered() -> None:
    assert "kz_example_bars" in kerazoo.list_datasets()
    assert "kz_example_net" in kerazoo.list_architectures()


def test_the_dataset_keeps_the_contract() -> None:
    check_dataset("kz_example_bars", size=12)
    check_dataset("kz_example_bars", size="10x14", channels=3, thickness=3, noise=0.0)


def test_the_dataset_explains_bad_options() -> None:
    with pytest.raises(kerazoo.InvalidOptionError, match="thickness=8 must be smaller"):
        kerazoo.get_dataset("kz_example_bars", size=8, thickness=8)


def test_the_architecture_keeps_the_contract(tmp_path) -> None:
    path = check_architecture("kz_example_net", "kz_example_bars", tmp_path, size=12)
    assert path is not None and path.is_file()


def test_other_hyperparameters_keep_it(tmp_path) -> None:
    hps = {"blocks": 1, "batchnorm": False, "dropout": 0.2, "activation": "elu"}
    check_architecture("kz_example_net", "kz_example_bars", tmp_path, hyperparameters=hps, size=8)


def test_too_small_an_input_is_refused() -> None:
    with pytest.raises(kerazoo.IncompatibleError, match="needs at least 16x16"):
        kerazoo.build(
            kerazoo.get_architecture("kz_example_net", blocks=4),
            kerazoo.get_dataset("kz_example_bars", size=12),
        )
