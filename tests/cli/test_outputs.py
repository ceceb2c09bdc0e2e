"""What every command that writes does with an --out it must not or cannot write: a device,
a FIFO, a socket, a folder where a file is meant (and the reverse), a read-only place,
/proc, a full disk. One line on stderr, never a traceback, and the special file untouched."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import kerazoo
from kerazoo import save_model
from kerazoo._cli import main
from tests.fixtures.processes import ROOT
from tests.fixtures.tiny_models import classifier, meta_for
from tests.report.conftest import handmade_run
from tests.test_files import KINDS, special_file

SMALL = ["--data", "size=16"]


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_model(classifier(), tmp_path_factory.mktemp("m") / "m.keras", meta_for())


@pytest.fixture(scope="module")
def autoencoder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from PIL import Image

    shapes = kerazoo.get_dataset("shapes", size=32)
    imgs = shapes.generate(1, seed=3).images
    folder = tmp_path_factory.mktemp("auto")
    Image.fromarray(imgs[0, ..., 0]).save(folder / "a.png")
    auto = kerazoo.build("autoencoder", shapes, encoding="reconstruction", adapt=imgs)
    return save_model(auto, folder / "auto.keras"), folder / "a.png"


def _one_line_error(code: int, err: str, command: str, *expected: str) -> None:
    assert code == 2, err
    assert err.startswith(f"kerazoo {command}: error: ") and err.count("\n") == 1, err
    for text in expected:
        assert text in err, err


def _file_commands(model: Path, run: Path) -> dict[str, list[str]]:
    """Commands whose --out is a file, with the file given last."""
    return {
        "report": ["report", str(run), "--out"],
        "data": ["data", "preview", "shapes", *SMALL, "--n", "2", "--out"],
        "look": ["look", "maps", str(model), "--kernels", "--out"],
        "lr-find": ["lr-find", "shapes", "lenet", *SMALL, "--steps", "3", "--out"],
    }


@pytest.mark.parametrize("kind", KINDS)
def test_a_special_file_as_out_is_refused_by_every_command(
    kind: str, model: Path, autoencoder: tuple[Path, Path], tmp_path: Path, capsys
) -> None:
    run = handmade_run(tmp_path / "run")
    for command, argv in _file_commands(model, run).items():
        target = tmp_path / f"{command}.png"
        mode = special_file(target, kind)
        code = main([*argv, str(target)])
        _one_line_error(code, capsys.readouterr().err, command, f"Refusing to write {target}: ")
        assert os.stat(target).st_mode == mode, command
    # where a folder is meant: the same refusal for a device, FIFO, socket or file
    auto, image = autoencoder
    folder = tmp_path / "folder-meant"
    mode = special_file(folder, kind) if kind != "folder" else folder.write_text("mine")
    for command, argv in {
        "predict": ["predict", str(auto), str(image), "--out", str(folder)],
        "data": ["data", "export", "shapes", str(folder), *SMALL, "--n", "2"],
    }.items():
        code = main(argv)
        _one_line_error(code, capsys.readouterr().err, command, f"Refusing to write into {folder}")
        if kind != "folder":
            assert os.stat(folder).st_mode == mode
        else:
            assert folder.read_text() == "mine"


@pytest.mark.parametrize("place", ["/proc/kerazoo-out", "/sys/kerazoo-out"])
def test_proc_and_read_only_places_are_one_line_errors(
    place: str, model: Path, autoencoder: tuple[Path, Path], tmp_path: Path, capsys
) -> None:
    # /proc takes no new files; /sys refuses them even to root (EACCES, or EPERM for a folder)
    cause = "No such file or directory" if place.startswith("/proc") else ": Permission denied"
    run = handmade_run(tmp_path / "run")
    for command, argv in _file_commands(model, run).items():
        code = main([*argv, f"{place}.png"])
        _one_line_error(code, capsys.readouterr().err, command, f"Cannot write {place}", cause)
    auto, image = autoencoder
    for command, argv in {
        "predict": ["predict", str(auto), str(image), "--out", place],
        "data": ["data", "export", "shapes", place, *SMALL, "--n", "2"],
        "export": ["export", str(model), place],
    }.items():
        code = main(argv)
        err = capsys.readouterr().err.replace("Operation not permitted", "Permission denied")
        _one_line_error(code, err, command, f"Cannot write {place}", cause)
    assert not os.path.lexists(place)


def test_a_file_where_a_folder_is_meant(model: Path, tmp_path: Path, capsys) -> None:
    notes = tmp_path / "notes"
    notes.write_text("mine")
    code = main(["look", "maps", str(model), "--kernels", "--out", str(notes / "k.png")])
    _one_line_error(code, capsys.readouterr().err, "look", f"{notes} is a regular file, not a")
    code = main(["tune", "shapes", "lenet", *SMALL, "--trials", "1", "--out", str(notes)])
    _one_line_error(code, capsys.readouterr().err, "tune", f"Refusing to write into {notes}")
    assert notes.read_text() == "mine"


# -- a full disk: files may not grow past a limit in the child (RLIMIT_FSIZE) --------------
def run_on_full_disk(limit: int, *args: str) -> subprocess.CompletedProcess:
    """Run ``kerazoo ARGS`` where no file may grow past ``limit`` bytes: a write past it fails
    with EFBIG (SIGXFSZ ignored, as a full disk fails with ENOSPC)."""

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "kerazoo", *args]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        preexec_fn=small_files,
    )


def _full_disk_error(done: subprocess.CompletedProcess, command: str, target: Path) -> None:
    _one_line_error(done.returncode, done.stderr, command, f"Cannot write {target}: File too large")
    assert not [p for p in target.parent.rglob(".*") if ".tmp" in p.name], "a temporary left"


def test_a_full_disk_for_report_preview_and_export(tmp_path: Path) -> None:
    run = handmade_run(tmp_path / "run")
    done = run_on_full_disk(2000, "report", str(run))
    _full_disk_error(done, "report", run / "report.html")
    assert not (run / "report.html").exists()
    grid = tmp_path / "grid.png"
    done = run_on_full_disk(2000, "data", "preview", "shapes", *SMALL, "--out", str(grid))
    _full_disk_error(done, "data", grid)
    assert not grid.exists()
    export = tmp_path / "export"
    done = run_on_full_disk(100, "data", "export", "shapes", str(export), *SMALL, "--n", "20")
    _full_disk_error(done, "data", export)
    assert os.listdir(tmp_path) == ["run"]


@pytest.mark.slow
def test_a_full_disk_for_look_lr_find_and_tune(model: Path, tmp_path: Path) -> None:
    import zipfile

    # loading the model unpacks its weights: files may grow a little past them, not to a drawing
    with zipfile.ZipFile(model) as zf:
        weights = zf.getinfo("model.weights.h5").file_size
    maps = tmp_path / "k.svg"
    done = run_on_full_disk(
        weights + 3000, "look", "maps", str(model), "--kernels", "--out", str(maps)
    )
    _full_disk_error(done, "look", maps)
    found = tmp_path / "lr.png"
    ramp = ["--steps", "3", "--train-size", "64", "--out", str(found)]
    done = run_on_full_disk(20_000, "lr-find", "shapes", "lenet", *SMALL, *ramp)
    _full_disk_error(done, "lr-find", found)
    search = tmp_path / "search"
    done = run_on_full_disk(300, "tune", "shapes", "lenet", *SMALL, "--out", str(search))
    _full_disk_error(done, "tune", search / "tune.json")
    assert not maps.exists() and not found.exists()
