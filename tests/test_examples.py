"""Every tutorial script under examples/ runs with ``--tiny`` and writes the pictures it names.

Each script is run as a reader runs it (``python examples/NAME.py --tiny --out DIR``, in a
child process, from a fresh working folder); it must exit 0 and print ``Look at:`` followed
by the pictures it wrote, and each of those must be a non-empty PNG or GIF that opens.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
#: The tutorial scripts (docs/tutorials/*.md): each takes --tiny and --out.
TUTORIALS = sorted(p.name for p in EXAMPLES.glob("*.py") if "--tiny" in p.read_text())


def run_script(script: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run an example in a child process with this interpreter; fail with its output."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, str(script), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"{script.name} {args} failed:\n{done.stdout}\n{done.stderr}"
    return done


def pictures_named(stdout: str, cwd: Path) -> list[Path]:
    """The files listed after the script's ``Look at:`` line."""
    lines = stdout.splitlines()
    assert "Look at:" in lines, f"no 'Look at:' line in:\n{stdout}"
    names = [line.strip() for line in lines[lines.index("Look at:") + 1 :] if line.strip()]
    return [cwd / name for name in names]


def test_every_tutorial_has_a_script() -> None:
    assert TUTORIALS == [
        "autoencoder_polkadots.py",
        "compare_variants.py",
        "count_circles.py",
        "own_images.py",
        "shapes_vgg.py",
        "traffic_lights_lenet.py",
    ]
    pages = {p.stem for p in (ROOT / "docs" / "tutorials").glob("*.md")}
    for page in ("autoencoder", "variants", "counting", "chopped_vgg", "traffic_lights",
                 "own_images"):  # fmt: skip
        assert page in pages


@pytest.mark.parametrize("name", TUTORIALS)
def test_tutorial_script_runs_tiny(name: str, tmp_path: Path) -> None:
    done = run_script(EXAMPLES / name, tmp_path, "--tiny", "--out", "out")
    pictures = pictures_named(done.stdout, tmp_path)
    assert pictures, f"{name} names no picture"
    for picture in pictures:
        assert picture.is_file() and picture.stat().st_size > 0, f"{name}: {picture} missing"
        with Image.open(picture) as image:
            assert image.format in ("PNG", "GIF"), f"{picture}: {image.format}"
            assert min(image.size) >= 16, f"{picture}: {image.size}"
    if name == "own_images.py":  # the inference script to copy, on the model just trained
        model, folder = tmp_path / "out" / "run" / "model.keras", tmp_path / "out" / "my_images"
        done = run_script(EXAMPLES / "predict_folder.py", tmp_path, str(model), str(folder), "2")
        assert "circle/" in done.stdout and "(" in done.stdout


def test_tutorial_pictures_are_small() -> None:
    for picture in (ROOT / "docs" / "tutorials" / "img").glob("*"):
        assert picture.stat().st_size < 150_000, f"{picture} is over 150 KB"
