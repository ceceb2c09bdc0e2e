"""The README's Tour runs top to bottom as written, in a fresh folder, at small sizes.

Every command of the Tour's code block runs through the real ``kerazoo`` command. The only
change: commands that train (``train`` without ``--resume``, ``compare``, ``tune``) get
``--epochs 1`` and small split sizes appended (a later flag wins in argparse), so the Tour
takes minutes, not an hour; a resumed run keeps its settings, so it gets nothing appended.
The two images the Tour predicts on (``some.png``, ``other.png``) are a user's own; the
test draws them first.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
SMALL = [
    "--epochs",
    "1",
    "--train-size",
    "64",
    "--val-size",
    "16",
    "--test-size",
    "16",
    "--batch-size",
    "16",
]


def tour_commands() -> list[list[str]]:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"## Tour\s+```bash\n(.*?)```", text, re.S)
    assert block, "README.md has no '## Tour' section with a bash block"
    commands = []
    for line in block.group(1).replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        if words:
            assert words[0] == "kerazoo", f"not a kerazoo command: {line}"
            commands.append(words[1:])
    return commands


def test_the_tour_lists_the_main_commands() -> None:
    used = {words[0] for words in tour_commands()}
    assert used >= {
        "list",
        "data",
        "train",
        "evaluate",
        "report",
        "lr-find",
        "look",
        "predict",
        "compare",
        "tune",
    }


@pytest.mark.slow
def test_the_readme_tour_runs_as_written(tmp_path) -> None:
    from PIL import Image

    import kerazoo

    images = kerazoo.get_dataset("shapes", size=64).generate(2, seed=5).images
    for name, image in zip(("some.png", "other.png"), images, strict=True):
        Image.fromarray(image[..., 0]).save(tmp_path / name)
    for words in tour_commands():
        if words[0] in ("train", "compare", "tune") and "--resume" not in words:
            words = [*words, *SMALL]
        done = subprocess.run(
            [sys.executable, "-m", "kerazoo", *words],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=600,
        )
        shown = shlex.join(["kerazoo", *words])
        assert done.returncode == 0, f"{shown} failed:\n{done.stdout[-2000:]}\n{done.stderr}"
        assert "Traceback" not in done.stderr, f"{shown}:\n{done.stderr}"
    assert (tmp_path / "runs" / "lenet" / "report.html").is_file()
    assert (tmp_path / "served" / "kerazoo.json").is_file()
