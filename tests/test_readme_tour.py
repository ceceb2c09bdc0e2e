"""The README's Tour runs as written, at small sizes, in parts that can run side by side.

Every command of the Tour's code block runs through the real ``kerazoo`` command. The only
change: commands that train (``train`` without ``--resume``, ``compare``, ``tune``) get
``--epochs 1`` and small split sizes appended (a later flag wins in argparse), so the Tour
takes minutes, not an hour; a resumed run keeps its settings, so it gets nothing appended.
The two images the Tour predicts on (``some.png``, ``other.png``) are a user's own; the
test draws them first.

The commands that use one another's files (``runs/lenet``, ``lights/``, ``runs/look``,
``runs/quads``) run together, top to bottom, in one fresh folder; every other command runs
in a fresh folder of its own (the listing commands together), so pytest-xdist workers share
the Tour instead of one worker running it alone for minutes.
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


#: Files one Tour command writes and a later one reads: the commands naming one run together.
SHARED = ("runs/lenet", "lights", "runs/look", "runs/quads")
#: Commands that train nothing: cheap, so they run together.
BROWSING = ("list", "plugins", "data")


def part_of(words: list[str]) -> str:
    """The part of the Tour a command runs in (its test id)."""
    line = " ".join(words)
    shared = [name for name in SHARED if re.search(rf"(^|[\s=/])({re.escape(name)})(/|\s|$)", line)]
    if shared:
        return shared[0]
    if words[0] in BROWSING and words[:2] != ["data", "export"]:
        return "browsing"
    return f"{words[0]} {tour_commands().index(words)}"


def tour_parts() -> dict[str, list[list[str]]]:
    """The Tour's commands by part, each part in README order."""
    parts: dict[str, list[list[str]]] = {}
    for words in tour_commands():
        parts.setdefault(part_of(words), []).append(words)
    return parts


def test_the_parts_hold_every_tour_command_once_in_order() -> None:
    parts = tour_parts()
    commands = tour_commands()
    assert sorted(map(shlex.join, commands)) == sorted(
        shlex.join(words) for part in parts.values() for words in part
    )
    for part in parts.values():
        assert part == sorted(part, key=commands.index)
    # each file the Tour shares is written and read within one part
    assert len(parts["runs/lenet"]) == 8 and parts["runs/lenet"][0][:3] == [
        "train",
        "shapes",
        "lenet",
    ]
    assert [w[:2] for w in parts["lights"]] == [["data", "export"], ["train", "folder"]]
    assert len(parts["runs/look"]) == 5 and len(parts["runs/quads"]) == 2


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
@pytest.mark.parametrize("part", list(tour_parts()))
def test_the_readme_tour_runs_as_written(part: str, tmp_path) -> None:
    from PIL import Image

    import kerazoo

    images = kerazoo.get_dataset("shapes", size=64).generate(2, seed=5).images
    for name, image in zip(("some.png", "other.png"), images, strict=True):
        Image.fromarray(image[..., 0]).save(tmp_path / name)
    for words in tour_parts()[part]:
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
    if part == "runs/lenet":
        assert (tmp_path / "runs" / "lenet" / "report.html").is_file()
        assert (tmp_path / "served" / "kerazoo.json").is_file()
