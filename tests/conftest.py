"""Shared fixtures: real plugin packages installed with pip, and throwaway distributions."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kerazoo import _registry as registry
from tests.fixtures.keras_cache import write_keras_cache
from tests.fixtures.processes import pip_install_target

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Nothing in the tests may download: the Keras datasets refuse a missing file instead.
os.environ.setdefault("KERAZOO_OFFLINE", "1")


@pytest.fixture(scope="session")
def tiny_keras_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Keras home with tiny mnist, fashion_mnist, cifar10 and cifar100 files."""
    home = tmp_path_factory.mktemp("keras-home")
    write_keras_cache(home)
    return home


@pytest.fixture
def keras_home(tiny_keras_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``KERAS_HOME`` is the tiny cache for this test (and processes it starts)."""
    monkeypatch.setenv("KERAS_HOME", str(tiny_keras_cache))
    monkeypatch.setenv("KERAZOO_OFFLINE", "1")
    return tiny_keras_cache


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
