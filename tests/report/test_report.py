"""report.html from real run folders: what it shows, what it leaves out, what it never does."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from kerazoo._errors import InvalidOptionError
from kerazoo.report._write import write_report
from tests.fixtures.processes import run_cli
from tests.report.conftest import FULL_HEADINGS, handmade_run, write_evaluation

HOSTILE = '<script>alert("x")</script>'


def _headings(page: str) -> list[str]:
    return re.findall(r"<h2>(.*?)</h2>", page)


def _images(page: str) -> list[tuple[str, str]]:
    """``(alt, mime)`` of every picture, checking each is a complete inline data URI."""
    found = []
    for mime, data, alt in re.findall(
        r'<img src="data:([^;]+);base64,([^"]+)" alt="([^"]*)"', page
    ):
        raw = base64.b64decode(data, validate=True)
        assert raw[:8] == b"\x89PNG\r\n\x1a\n" or raw[:6] in (b"GIF87a", b"GIF89a"), alt
        found.append((alt, mime))
    assert len(found) == page.count("<img "), "an <img> that is not an inline picture"
    return found


def _no_external_reference(page: str) -> None:
    refs = re.findall(r'\b(?:src|href)\s*=\s*"([^"]*)"', page, flags=re.I)
    assert refs and all(r.startswith(("data:", "#")) for r in refs), [r[:40] for r in refs]
    assert "<script" not in page.lower() and "<link" not in page.lower()
    assert not re.search(r"url\(", page), "CSS that fetches something"


def test_report_of_what_training_writes(plain_run: Path) -> None:
    path = write_report(plain_run)
    assert path == plain_run / "report.html"
    page = path.read_text(encoding="utf-8")
    assert _headings(page) == [
        "Settings",
        "Curves",
        "Test metrics",
        "Confusion matrix",
        "Top losses",
        "Sample predictions",
        "Files in the folder",
    ]
    assert "<h1>shapes / lenet</h1>" in page
    assert '<span class="status ok">finished</span>' in page
    assert ("curves.png", "image/png") in _images(page)
    assert ("evaluation/confusion.png", "image/png") in _images(page)
    for shown in ("train_size", "200", "filters2", "sparse_categorical_crossentropy", "3.15"):
        assert shown in page
    assert "history.csv: 2 epochs" in page
    _no_external_reference(page)
    assert not list(plain_run.glob(".report.html.*")), "a temporary file was left"
    # rebuilt: the report does not list itself
    assert ">report.html<" not in write_report(plain_run).read_text(encoding="utf-8")


def test_full_report_shows_every_section_and_picture(full_run: Path) -> None:
    page = write_report(full_run).read_text(encoding="utf-8")
    assert _headings(page) == FULL_HEADINGS
    images = dict(_images(page))
    assert images["snapshots/conv1.gif"] == images["snapshots/conv2.gif"] == "image/gif"
    assert "snapshots/conv1.png" not in images  # the last frame of the GIF shown above it
    gif = re.search(r'data:image/gif;base64,([^"]+)" alt="snapshots/conv1.gif"', page)[1]
    with Image.open(io.BytesIO(base64.b64decode(gif))) as frames:
        assert frames.n_frames > 1  # the whole animation is inline
    for name in (
        "curves.png",
        "evaluation/confusion.png",
        "evaluation/top_losses.png",
        "evaluation/samples.png",
        "lr_find.png",
        "activation_stats.png",
        "maps/maps-conv1.png",
        "maximize-conv2.png",
        "saliency.png",
    ):
        assert name in images
    for heading in ("Snapshots over training", "Feature maps", "Activation maximisation"):
        assert f"<h3>{heading}</h3>" in page
    per_class = page[page.index("Per class") :]
    assert re.search(r"<td>square</td><td class=\"num\">0\.\d+</td>", per_class)
    assert "circle" in per_class and "support" in per_class
    assert re.search(r'<td class="num">\d+</td></tr>', per_class)  # support: a whole number
    _no_external_reference(page)


def test_a_run_killed_before_its_first_epoch(full_run: Path, tmp_path: Path) -> None:
    run = tmp_path / "killed"
    run.mkdir()
    doc = json.loads((full_run / "run.json").read_text())
    doc = {k: v for k, v in doc.items() if k not in ("test", "ended")} | {"status": "running"}
    (run / "run.json").write_text(json.dumps(doc))
    page = write_report(run).read_text(encoding="utf-8")
    assert _headings(page) == ["Settings", "Files in the folder"]
    assert '<span class="status info">running</span>' in page and "no epoch recorded" in page
    assert "<img" not in page


def test_text_from_the_files_cannot_inject_markup(full_run: Path) -> None:
    doc = json.loads((full_run / "run.json").read_text())
    doc["dataset"]["options"][HOSTILE] = HOSTILE
    doc["resolved"]["task"]["class_names"] = [HOSTILE, "square", "triangle"]
    doc["status"] = HOSTILE
    (full_run / "run.json").write_text(json.dumps(doc))
    shutil.rmtree(full_run / "evaluation")
    write_evaluation(full_run / "evaluation", [HOSTILE, "a&b", '"quoted"'])
    shutil.copyfile(full_run / "saliency.png", full_run / "<img src=x onerror=alert(1)>.png")
    page = write_report(full_run).read_text(encoding="utf-8")
    assert "<script" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "<td>a&amp;b</td>" in page and "<td>&quot;quoted&quot;</td>" in page
    assert 'alt="&lt;img src=x onerror=alert(1)&gt;.png"' in page
    _no_external_reference(page)


def test_broken_files_are_named_and_left_out(full_run: Path) -> None:
    (full_run / "curves.png").write_bytes((full_run / "curves.png").read_bytes()[:200])
    (full_run / "saliency.png").write_bytes(b"GIF89a not really")
    (full_run / "evaluation" / "metrics.json").write_text("{not json")
    page = write_report(full_run).read_text(encoding="utf-8")
    names = [alt for alt, _ in _images(page)]
    assert "curves.png" not in names and "saliency.png" not in names
    box = page[page.index('<aside class="problems">') : page.index("</aside>")]
    for name in ("curves.png", "saliency.png", "evaluation/metrics.json"):
        assert name in box
    metrics = page[page.index('<section id="metrics">') :]
    assert "Per class" not in metrics[: metrics.index("</section>")]
    assert "Confusion matrix" in _headings(page)  # its picture is still good


def test_only_files_inside_the_folder_are_read(full_run: Path) -> None:
    metrics = full_run / "evaluation" / "metrics.json"
    doc = json.loads(metrics.read_text())
    doc["pictures"]["confusion"] = "../../outside.png"
    metrics.write_text(json.dumps(doc))
    shutil.copyfile(full_run / "curves.png", full_run.parent / "outside.png")
    (full_run / "maps" / "maps-leak.png").symlink_to(full_run.parent / "outside.png")
    page = write_report(full_run).read_text(encoding="utf-8")
    shown = dict(_images(page))
    assert "outside.png" not in shown and "maps/maps-leak.png" not in shown
    assert "maps/maps-conv1.png" in shown
    assert "names the picture &#x27;../../outside.png&#x27; outside evaluation/" in page


def test_shifted_evaluation_beside_the_test_one(full_run: Path) -> None:
    write_evaluation(full_run / "evaluation-circles", reference=True)
    page = write_report(full_run).read_text(encoding="utf-8")
    assert "Evaluation: evaluation-circles" in _headings(page)
    section = page[page.index('id="eval-evaluation-circles"') :]
    assert "<th>in distribution</th><th>difference</th>" in section
    row = "<td>accuracy</td>" + "".join(
        f'<td class="num">{v}</td>' for v in ("0.8950", "0.9800", "-0.0850")
    )
    assert row in section
    assert "evaluation-circles/confusion.png" in dict(_images(page))


def test_not_a_run_folder(tmp_path: Path) -> None:
    with pytest.raises(InvalidOptionError, match=r"has no run\.json, so it is not a run folder"):
        write_report(tmp_path)
    with pytest.raises(InvalidOptionError, match=r"does not exist.*kerazoo train DATASET ARCH"):
        write_report(tmp_path / "missing")
    (tmp_path / "run.json").write_text("[1, 2]")
    page = write_report(tmp_path).read_text(encoding="utf-8")  # the rest is still shown
    assert "run.json holds a JSON list, not an object" in _problems(page)


def _problems(page: str) -> str:
    return page[page.index('<aside class="problems">') : page.index("</aside>")]


def test_run_files_linked_out_of_the_folder_are_named_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "passwd").write_text("root:x:0:0:SECRET-LINE\n")
    (secret / "run.json").write_text(json.dumps({"dataset": {"name": "SECRET-RUN"}}))
    Image.new("L", (8, 8), 7).save(secret / "curves.png")
    run = handmade_run(tmp_path / "run")
    for name, target in (
        ("run.json", "run.json"),
        ("history.csv", "passwd"),
        ("curves.png", "curves.png"),
        ("lr_find.png", "curves.png"),
    ):
        (run / name).unlink(missing_ok=True)
        (run / name).symlink_to(secret / target)
    (run / "evaluation").mkdir()
    (run / "evaluation" / "metrics.json").symlink_to(secret / "run.json")
    page = write_report(run).read_text(encoding="utf-8")
    assert "SECRET" not in page and "root:x" not in page and "<img" not in page
    box = _problems(page)
    for name in ("run.json", "history.csv"):
        assert f"{name} could not be read (it leads outside {run}" in box, name
    assert (
        "Not read: curves.png (it leads outside the folder), evaluation/metrics.json (it "
        "leads outside the folder), lr_find.png (it leads outside the folder)."
    ) in box
    assert "<h1>" in page and "Settings" in _headings(page)


def test_a_fifo_or_device_named_like_a_run_file_is_named_not_read(tmp_path: Path) -> None:
    from tests.test_files import special_file

    run = handmade_run(tmp_path / "run")
    (run / "history.csv").unlink()
    special_file(run / "history.csv", "fifo")
    special_file(run / "lr_find.png", "device")
    done = run_cli("report", str(run))  # a FIFO read would wait for a writer forever
    assert done.returncode == 0, done.stderr
    box = _problems((run / "report.html").read_text(encoding="utf-8"))
    assert "history.csv could not be read (it is a FIFO (named pipe), not a regular file)" in box
    assert "Not read: lr_find.png (it is a character device)." in box


def _png_header(width: int, height: int) -> bytes:
    """A PNG whose header says ``width`` x ``height`` (and which holds no pixels)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def test_a_picture_bomb_and_deeply_nested_json_are_named_and_the_rest_shown(tmp_path) -> None:
    run = handmade_run(tmp_path / "run")
    Image.new("L", (8, 8), 128).save(run / "saliency.png")
    (run / "curves.png").write_bytes(_png_header(30000, 30000))
    (run / "evaluation").mkdir()
    (run / "evaluation" / "metrics.json").write_text("[" * 100_000 + "]" * 100_000)
    done = run_cli("report", str(run))
    assert done.returncode == 0 and done.stderr == "", done.stderr
    page = (run / "report.html").read_text(encoding="utf-8")
    box = _problems(page)
    assert "curves.png is refused unread (Image size (900000000 pixels) exceeds limit" in box
    assert "evaluation/metrics.json could not be read (its JSON is nested too deeply)" in box
    assert [alt for alt, _ in _images(page)] == ["saliency.png"]
    assert '<td class="num">0.875</td>' in page  # the history is still shown
    (run / "run.json").write_text("[" * 100_000 + "]" * 100_000)
    done = run_cli("report", str(run))
    assert done.returncode == 0 and done.stderr == "", done.stderr
    page = (run / "report.html").read_text(encoding="utf-8")
    assert "run.json could not be read (its JSON is nested too deeply)" in _problems(page)
    assert "saliency.png" in dict(_images(page))


def test_cli_rebuilds_the_report(plain_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "elsewhere" / "r.html"
    done = run_cli("report", str(plain_run), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out) and out.is_file()
    assert "<h1>shapes / lenet</h1>" in out.read_text(encoding="utf-8")
    code = (
        "import sys; from kerazoo._cli import main; main(['report', sys.argv[1]]); "
        "print(sorted({'keras', 'tensorflow', 'jax'} & set(sys.modules)))"
    )
    light = subprocess.run(
        [sys.executable, "-c", code, str(plain_run)], capture_output=True, text=True, check=True
    )
    assert light.stdout.splitlines()[-1] == "[]"  # no framework started for a report
    done = run_cli("report", str(tmp_path))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(f"kerazoo report: error: {tmp_path} has no run.json")
    assert "kerazoo train DATASET ARCH --out RUN" in done.stderr


TINY_FLAGS = [
    "--data",
    "size=16",
    "--train-size",
    "64",
    "--val-size",
    "32",
    "--test-size",
    "32",
    "-q",
]


@pytest.mark.slow
def test_a_resumed_run_shows_its_latest_command_and_marks_older_evaluations(tmp_path) -> None:
    run = tmp_path / "run"
    done = run_cli("train", "shapes", "lenet", "--epochs", "1", "--out", str(run), *TINY_FLAGS)
    assert done.returncode == 0, done.stderr
    done = run_cli("evaluate", str(run), "-n", "16", "--top", "2")  # by the 1-epoch model
    assert done.returncode == 0, done.stderr
    done = run_cli("train", "--resume", "--out", str(run), "--epochs", "3", "-q")
    assert done.returncode == 0, done.stderr
    doc = json.loads((run / "run.json").read_text())
    assert doc["settings"]["epochs"] == 3 and doc["resumed"][0]["from_epoch"] == 1
    assert "--resume" in doc["resumed"][0]["command"]
    page = write_report(run).read_text(encoding="utf-8")
    header = page[: page.index("</header>")]
    assert "3 epochs" in header and "resumed at epoch 1" in header
    settings = page[page.index('id="settings"') : page.index('id="curves"')]
    assert "--resume" in settings and "first command" in settings
    older = page[page.index('id="eval-evaluation-own"') :]
    assert "older model" in older[: older.index("</section>")]
    assert "after 1 epoch" in older[: older.index("</section>")]
    test = page[page.index('id="metrics"') : page.index("</section>", page.index('id="metrics"'))]
    assert "older model" not in test  # the test split was scored again at the end
