"""Every registered dataset passes the generic contract check on tiny options."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import kerazoo
from kerazoo.testing import ContractError, check_dataset

#: Small options per built-in, so the check stays fast; other plugins run with defaults.
TINY = {
    "shapes": {"size": 16},
    "circles": {"size": 16, "max_radius": 2, "min_radius": 1},
    "polkadots": {"size": "20x30", "min_radius": 2, "max_radius": 4},
    "traffic_lights": {},
}


@pytest.fixture(scope="module")
def image_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("folder")
    rng = np.random.default_rng(0)
    for k, name in enumerate(("a", "b", "c")):
        (root / name).mkdir()
        for i in range(3):
            Image.fromarray(rng.integers(0, 256, (9 + i, 7 + k, 3), dtype=np.uint8)).save(
                root / name / f"{i}.png"
            )
    return root


@pytest.mark.parametrize("name", kerazoo.list_datasets())
def test_every_registered_dataset_keeps_the_contract(
    name: str, image_folder: Path, keras_home: Path
) -> None:
    options = {"path": str(image_folder), "size": 8} if name == "folder" else TINY.get(name, {})
    ds = check_dataset(name, **options)
    assert isinstance(ds, kerazoo.Dataset)


def test_more_variants_keep_the_contract() -> None:
    check_dataset("circles", size=16, max_radius=2, min_radius=1, target="count")
    check_dataset("circles", size="16x20", overlap=True, max_radius=3, noise=0.05)
    check_dataset("shapes", size="16x20", channels=3, noise=0.1, classes="star,cross")
    check_dataset("traffic_lights", classes="red,green", size="18x8", blur=0)


def test_a_broken_dataset_is_reported(monkeypatch) -> None:
    cls = kerazoo._registry.dataset_class("shapes")
    original = cls.make

    def unseeded(self, n, rng):
        return original(self, n, np.random.default_rng())

    monkeypatch.setattr(cls, "make", unseeded)
    with pytest.raises(ContractError, match="the same seed gave different data"):
        check_dataset("shapes", size=16)


def test_check_dataset_takes_an_object_as_check_architecture_does() -> None:
    ds = kerazoo.get_dataset("shapes", size=16, channels=3)
    assert check_dataset(ds) is ds
    cls = kerazoo._registry.dataset_class("circles")
    unregistered = type("MyCircles", (cls,), {"name": ""})  # a class nobody registered
    checked = check_dataset(unregistered(size=16, max_radius=2, min_radius=1))
    assert checked.config["size"] == (16, 16)


def test_check_dataset_refuses_options_with_an_object() -> None:
    ds = kerazoo.get_dataset("shapes", size=16)
    with pytest.raises(
        TypeError,
        match=r"got a Dataset object and options \['size'\].*"
        r"check_dataset\(MyData\(size=16\)\)",
    ):
        check_dataset(ds, size=8)
    with pytest.raises(
        TypeError,
        match=r"takes a dataset name or a kerazoo.Dataset object, "
        r"got int 3",
    ):
        check_dataset(3)  # type: ignore[arg-type]
