"""Shared fixtures: real plugin packages installed with pip, and throwaway distributions."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from kerazoo import registry
from tests.fixtures.processes import pip_install_target

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture(scope="session")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder where kz-stripes (working) and kz-broken (failing) are pip-installed."""
    return pip_install_target(tmp_path_factory.mktemp("site"), "kz_stripes", "kz_broken")


@pytest.fixture(scope="session")
def conflict_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder where kz-conflict (registers 'stripes' again) is pip-installed."""
    return pip_install_target(tmp_path_factory.mktemp("conflict"), "kz_conflict")


@pytest.fixture
def on_path(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Put folders on sys.path for this test; the registry rediscovers plugins around it."""

    def add(*folders: Path) -> None:
        for folder in folders:
            monkeypatch.syspath_prepend(str(folder))
        registry.refresh()

    registry.refresh()
    yield add
    registry.refresh()
