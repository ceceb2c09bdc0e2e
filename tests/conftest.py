"""Shared fixtures: real plugin packages installed with pip, and throwaway distributions."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kerazoo import _registry as registry
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
def on_path() -> Iterator[Callable[..., None]]:
    """Discover plugins from extra folders (and the installed ones) for this test.

    Each call makes a fresh :class:`kerazoo._registry.Registry` over those folders plus
    ``sys.path`` and makes it the default until the test ends; ``sys.path`` is not touched.
    """
    with contextlib.ExitStack() as stack:

        def add(*folders: Path) -> None:
            reg = registry.Registry(path=[*map(str, folders), *sys.path])
            stack.enter_context(registry.using(reg))

        yield add
