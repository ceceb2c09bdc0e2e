"""``kerazoo new-plugin``: a plugin package a user can install, test and see listed."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from kerazoo.plugin_template import PLACEHOLDER, TEMPLATE, write_plugin
from tests.fixtures.processes import ROOT, run_cli

EXPECTED = [
    "README.md",
    "pyproject.toml",
    "src/kz_dots/__init__.py",
    "src/kz_dots/architectures.py",
    "src/kz_dots/datasets.py",
    "tests/test_contract.py",
]


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_the_command_writes_the_package_renamed(tmp_path: Path) -> None:
    out = run_cli("new-plugin", "kz_dots", "--out", str(tmp_path))
    assert out.returncode == 0, out.stderr
    root = tmp_path / "kz_dots"
    assert f"Wrote the plugin package {root}. Next:" in out.stdout
    assert "pip install -e" in out.stdout and "kz_dots_bars and kz_dots_net" in out.stdout
    assert _files(root) == EXPECTED
    text = "".join((root / f).read_text() for f in EXPECTED)
    assert PLACEHOLDER not in text and "kz-example" not in text
    pyproject = (root / "pyproject.toml").read_text()
    assert 'name = "kz-dots"' in pyproject
    assert 'kz_dots_bars = "kz_dots.datasets:Bars"' in pyproject
    assert 'kz_dots_net = "kz_dots.architectures:SmallNet"' in pyproject


def test_an_existing_folder_is_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / "kz_dots").mkdir()
    (tmp_path / "kz_dots" / "mine.py").write_text("keep me")
    out = run_cli("new-plugin", "kz_dots", "--out", str(tmp_path))
    assert out.returncode == 2
    assert out.stderr.startswith(
        f"kerazoo new-plugin: error: '{tmp_path / 'kz_dots'}' already "
        "exists: kerazoo new-plugin never overwrites"
    )
    assert "choose another NAME or --out DIR" in out.stderr
    assert _files(tmp_path / "kz_dots") == ["mine.py"]


@pytest.mark.parametrize(
    ("name", "why", "fix"),
    [
        ("My-Plugin", "lowercase letters, digits and underscores", "my_plugin"),
        ("3d", "lowercase letters, digits and underscores, starting with a letter", "kz_3d"),
        ("json", "not a standard-library module", "kz_json"),
        ("kerazoo", "not a standard-library module or one kerazoo needs", "kz_kerazoo"),
        ("class", "not a Python keyword", "kz_class"),
    ],
)
def test_a_bad_name_is_explained_with_a_fix(tmp_path: Path, name: str, why: str, fix: str) -> None:
    out = run_cli("new-plugin", name, "--out", str(tmp_path))
    assert out.returncode == 2
    assert out.stderr.startswith(
        f"kerazoo new-plugin: error: The plugin NAME must be a Python package name ({why}"
    )
    assert f"Got {name!r}. Try: kerazoo new-plugin {fix}" in out.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_template_itself_is_a_working_package_to_copy() -> None:
    files = _files(TEMPLATE)
    assert [f.replace(PLACEHOLDER, "kz_dots") for f in files if "__pycache__" not in f] == EXPECTED
    assert "kz_example_bars" in (TEMPLATE / "pyproject.toml").read_text()


@pytest.mark.slow
def test_the_template_ships_in_the_wheel(tmp_path: Path) -> None:
    pip = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
    subprocess.run([*pip, "-w", str(tmp_path), str(ROOT)], check=True)
    (wheel,) = tmp_path.glob("kerazoo-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for f in EXPECTED:
        assert "kerazoo/plugin_template/files/" + f.replace("kz_dots", PLACEHOLDER) in names


@pytest.mark.slow
def test_a_generated_plugin_installs_passes_its_tests_and_is_listed(tmp_path: Path) -> None:
    root = write_plugin("kz_dots", tmp_path)
    site = tmp_path / "site"
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
            str(site),
            str(root),
        ],
        check=True,
    )
    assert (site / "kz_dots" / "datasets.py").is_file()
    env = {**os.environ, "PYTHONPATH": str(site), "TF_CPP_MIN_LOG_LEVEL": "3"}
    pytest_cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    tests = subprocess.run(
        pytest_cmd, cwd=root, env=env, capture_output=True, text=True, timeout=300
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "6 passed" in tests.stdout
    listed = run_cli("list", pythonpath=site)
    assert listed.returncode == 0, listed.stderr
    assert "kz_dots_bars" in listed.stdout and "kz_dots_net" in listed.stdout
    train = run_cli(
        "train",
        "kz_dots_bars",
        "kz_dots_net",
        "--epochs",
        "1",
        "--data",
        "size=12",
        "--out",
        str(tmp_path / "run"),
        pythonpath=site,
    )
    assert train.returncode == 0, train.stderr
    assert (tmp_path / "run" / "model.keras").is_file()
