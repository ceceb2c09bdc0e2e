"""Every tutorial script under examples/ runs with ``--tiny`` and writes the pictures it names.

Each script is run as a reader runs it (``python examples/NAME.py --tiny --out DIR``, in a
child process, from a fresh working folder); it must exit 0 and print ``Look at:`` followed
by the pictures it wrote, and each of those must be a non-empty PNG or GIF that opens.
"""

from __future__ import annotations

import os
import re
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


def run_script(
    script: Path, cwd: Path, *args: str, timeout: int = 600
) -> subprocess.CompletedProcess[str]:
    """Run an example in a child process with this interpreter; fail with its output."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, str(script), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
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
        "fit_function.py",
        "own_images.py",
        "shapes_vgg.py",
        "tracking_ui.py",
        "traffic_lights_lenet.py",
    ]
    pages = {p.stem for p in (ROOT / "docs" / "tutorials").glob("*.md")}
    for page in (
        "autoencoder",
        "variants",
        "counting",
        "chopped_vgg",
        "traffic_lights",
        "own_images",
        "function",
        "tracking_ui",
    ):
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


#: How far a number the counting page states may be from what its script prints on another
#: machine (thread counts change the order of float sums, and so the training a little).
COUNTING_TOLERANCE = 0.05


def _stated(pattern: str, text: str) -> list[float]:
    """Every number the pattern's groups match in ``text``, in order."""
    found = [m.groups() for m in re.finditer(pattern, text)]
    assert found, f"no {pattern!r} in the text"
    return [float(x) for groups in found for x in groups]


def test_the_counting_page_states_what_its_1_5_command_gives(tmp_path: Path) -> None:
    """The tutorial's first experiment at full size (about 5 CPU-minutes): the rate, the test
    exact and MAE, and each checkpoint's score are those the page states, within
    COUNTING_TOLERANCE."""
    done = run_script(
        EXAMPLES / "count_circles.py", tmp_path, "--parts", "lr", "--out", "out", timeout=3600
    )
    page = (ROOT / "docs" / "tutorials" / "counting.md").read_text()
    assert f"within {COUNTING_TOLERANCE}" in page  # the page says how close it is checked
    printed = done.stdout
    (rate,) = _stated(r"trained at lr ([0-9.e-]+) \(--lr find\)", printed)
    exact, mae = _stated(r"test exact ([0-9.]+), mae ([0-9.]+) on 1000 images", printed)
    (page_rate,) = _stated(r"Trained at ([0-9.e-]+) for 6 epochs", page)
    page_exact, page_mae = _stated(
        r"the counter got ([0-9.]+) of 1000 test images exactly right \(mean absolute error "
        r"([0-9.]+) circles\)",
        " ".join(page.split()),
    )
    assert page_rate / 1.5 <= rate <= page_rate * 1.5
    assert abs(exact - page_exact) <= COUNTING_TOLERANCE, printed
    assert abs(mae - page_mae) <= COUNTING_TOLERANCE, printed
    scores = _stated(r"epoch-00\d\.keras: exact on 200 fresh images ([0-9.]+)", printed)
    page_scores = _stated(r"epoch-00\d\.keras: exact on 200 fresh images ([0-9.]+)", page)
    assert len(scores) == len(page_scores) == 6
    for got, stated in zip(scores, page_scores, strict=True):
        assert abs(got - stated) <= COUNTING_TOLERANCE, printed
