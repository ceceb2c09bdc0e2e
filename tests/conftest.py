"""Shared fixtures: real plugin packages installed with pip, and throwaway distributions."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kerazoo import registry

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parent.parent

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def pip_install_target(target: Path, *packages: str) -> Path:
    """``pip install`` fixture packages from tests/fixtures into ``target`` (a real install)."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--disable-pip-version-check",
            "--target",
            str(target),
            *(str(FIXTURES / p) for p in packages),
        ],
        check=True,
    )
    return target


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


def run_cli(*args: str, env: dict[str, str] | None = None, pythonpath: Path | None = None):
    """Run the installed ``kerazoo`` command in a subprocess; return the CompletedProcess."""
    full = {**os.environ, **(env or {})}
    if pythonpath is not None:
        full["PYTHONPATH"] = os.pathsep.join([str(pythonpath), full.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "kerazoo", *args],
        capture_output=True,
        text=True,
        env=full,
        timeout=300,
        cwd=ROOT,
    )


def write_distribution(
    folder: Path, dist: str, entry_points: dict[str, dict[str, str]], modules: dict[str, str]
) -> Path:
    """Write a minimal installed distribution (dist-info + modules) into ``folder``."""
    info = folder / f"{dist.replace('-', '_')}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
    lines = []
    for group, eps in entry_points.items():
        lines.append(f"[{group}]")
        lines += [f"{k} = {v}" for k, v in eps.items()]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
    for name, source in modules.items():
        (folder / f"{name}.py").write_text(source)
    return folder
