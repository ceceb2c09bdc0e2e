"""The zoo's tests use the shipped entries: no training (except the slow verify test)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import kerazoo
from tests.fixtures.processes import write_distribution

#: The entries the built-in plugin package ships.
BUILTIN = (
    "autoencoder-polkadots",
    "chopped-vgg-shapes",
    "counter-circles-45-50",
    "counter-quads-circles-1-20",
    "lenet-shapes",
    "lenet-traffic-lights",
)


@pytest.fixture
def tampered_site(tmp_path: Path) -> Path:
    """An installed distribution registering zoo entry 'tampered': lenet-shapes' files with
    one byte of model.keras changed, so its hash no longer matches the card."""
    site = write_distribution(
        tmp_path / "site", "kz-tampered", {"kerazoo.zoo": {"tampered": "kz_tampered"}}, {}
    )
    folder = site / "kz_tampered"
    shutil.copytree(kerazoo.get_zoo("lenet-shapes").folder, folder)
    model = folder / "model.keras"
    data = bytearray(model.read_bytes())
    data[-100] ^= 0xFF
    model.write_bytes(bytes(data))
    return site
