"""What a run folder holds, read for a report: ``run.json``, the history, the evaluations
and every picture, each file read once and checked (a broken file is noted, not fatal).

Only files inside the run folder are read; nothing is imported from training, interpret or
evaluation, so a report can be made from a folder copied to a machine without a GPU, or
from an old run.

Example:
    >>> folder = read_run_folder("runs/shapes-lenet")                   # doctest: +SKIP
    >>> folder.run["dataset"]["name"], sorted(folder.pictures)[:2]     # doctest: +SKIP
    ('shapes', ['curves.png', 'snapshots/conv1.gif'])
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kerazoo.errors import DataError, InvalidOptionError
from kerazoo.files import TEMP_PATTERN
from kerazoo.naming import natural_key

__all__ = ["EvaluationFile", "Picture", "RunFolder", "read_run_folder"]

#: The kinds of picture a report shows, by file suffix.
MIME = {".png": "image/png", ".gif": "image/gif"}
#: At most this many pictures, and this many bytes of them, are put into one report; the
#: rest are listed as left out (a report is one file a browser must open at once).
MAX_PICTURES, MAX_PICTURE_BYTES = 300, 80_000_000
#: At most this many files are listed in the report's list of files.
MAX_FILES = 500


@dataclass(frozen=True)
class Picture:
    """A PNG or GIF of the run folder, read and checked.

    Attributes:
        name: its path inside the run folder, with ``/`` (``"snapshots/conv1.gif"``).
        data: the file's bytes.
        mime: ``"image/png"`` or ``"image/gif"``.
        width, height: its size in pixels.
    """

    name: str
    data: bytes = field(repr=False)
    mime: str
    width: int
    height: int


@dataclass
class EvaluationFile:
    """One ``evaluation*/metrics.json`` and the pictures it names.

    Attributes:
        folder: the evaluation's folder inside the run folder (``"evaluation"``).
        doc: the parsed ``metrics.json`` (see the run-folder contract).
        pictures: picture key (``"confusion"``) -> picture, for those that could be read.
    """

    folder: str
    doc: dict[str, Any]
    pictures: dict[str, Picture] = field(default_factory=dict)


@dataclass
class RunFolder:
    """Everything a report shows, read from one run folder.

    Attributes:
        path: the run folder.
        run: the parsed ``run.json``.
        history: the rows of ``history.csv`` (column -> text), oldest first.
        evaluations: ``evaluation/`` first, then other ``evaluation*`` folders by name.
        pictures: every other picture, by its name inside the folder, in natural order.
        files: ``(name, bytes, modified time)`` of every file, in natural order.
        problems: one line per file that could not be read or was left out.
    """

    path: Path
    run: dict[str, Any]
    history: list[dict[str, str]] = field(default_factory=list)
    evaluations: list[EvaluationFile] = field(default_factory=list)
    pictures: dict[str, Picture] = field(default_factory=dict)
    files: list[tuple[str, int, float]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_run_folder(run_dir: str | os.PathLike[str], skip: tuple[str, ...] = ()) -> RunFolder:
    """Read a run folder for its report.

    Args:
        run_dir: a folder with a ``run.json`` (what ``kerazoo train`` writes).
        skip: names inside the folder to leave out of the list of files (the report itself).

    Returns:
        A :class:`RunFolder`; files that could not be read are named in ``problems``.

    Raises:
        InvalidOptionError: the folder does not exist or has no ``run.json``.
        DataError: ``run.json`` is not a JSON object.

    Example:
        >>> read_run_folder("runs/shapes-lenet").run["architecture"]["name"]  # doctest: +SKIP
        'lenet'
    """
    path = Path(run_dir)
    folder = RunFolder(path, _read_run_json(path))
    names = _list_files(path, skip)
    folder.files = [(n, (st := (path / n).stat()).st_size, st.st_mtime) for n in names[:MAX_FILES]]
    if len(names) > MAX_FILES:
        folder.problems.append(f"{len(names) - MAX_FILES} more files are not listed.")
    folder.history = _read_history(path / "history.csv", folder.problems)
    budget = _Budget()
    for name in names:
        top, _, rest = name.partition("/")
        if top.startswith("evaluation") and rest == "metrics.json":
            folder.evaluations.append(_read_evaluation(path, top, folder.problems, budget))
    folder.evaluations.sort(key=lambda e: (e.folder != "evaluation", natural_key(e.folder)))
    in_evaluations = {e.folder for e in folder.evaluations}
    for name in names:
        if Path(name).suffix.lower() in MIME and name.split("/")[0] not in in_evaluations:
            picture = read_picture(path, name, folder.problems, budget)
            if picture is not None:
                folder.pictures[name] = picture
    folder.problems += budget.left_out()
    return folder


def _read_run_json(path: Path) -> dict[str, Any]:
    if not path.is_dir() or not (path / "run.json").is_file():
        what = "does not exist" if not path.exists() else "has no run.json"
        raise InvalidOptionError(
            f"{path} {what}, so it is not a run folder. A run folder is what 'kerazoo train' "
            "writes: run.json (settings, dataset, architecture, status), history.csv, "
            "curves.png, model.keras and, at the end, evaluation/. Make one with 'kerazoo "
            "train DATASET ARCH --out RUN' (or kerazoo.train(..., out=RUN)), then pass that "
            "folder."
        )
    try:
        doc = json.loads((path / "run.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(
            f"Cannot read {path / 'run.json'}: {exc}. A run folder's run.json is JSON written "
            "by 'kerazoo train'; restore it from a copy, or train the run again."
        ) from None
    if not isinstance(doc, dict):
        raise DataError(
            f"{path / 'run.json'} holds a JSON {type(doc).__name__}, not an object: it was "
            "not written by 'kerazoo train'. Restore it from a copy, or train the run again."
        )
    return doc


def _list_files(path: Path, skip: tuple[str, ...]) -> list[str]:
    """Every file below ``path`` (``/``-joined names), hidden and temporary files left out."""
    names = []
    for root, dirs, files in os.walk(path):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        rel = Path(root).relative_to(path)
        for name in files:
            full = rel / name
            if name.startswith(".") or full.match(TEMP_PATTERN) or full.as_posix() in skip:
                continue
            if (Path(root) / name).is_file() and _within(path, Path(root) / name):
                names.append(full.as_posix())
    return sorted(names, key=lambda n: (n.count("/"), natural_key(n)))


def _within(folder: Path, file: Path) -> bool:
    """Whether ``file`` really lies in ``folder`` (a link out of the folder is not read)."""
    return file.resolve().is_relative_to(folder.resolve())


def _read_history(path: Path, problems: list[str]) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            return [row for row in csv.DictReader(fh) if row]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        problems.append(f"history.csv could not be read ({exc}): its table is left out.")
        return []


def _read_evaluation(
    path: Path, folder: str, problems: list[str], budget: _Budget
) -> EvaluationFile:
    name = f"{folder}/metrics.json"
    try:
        doc = json.loads((path / name).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(f"{name} could not be read ({exc}): its metrics are left out.")
        doc = {}
    if not isinstance(doc, dict):
        problems.append(f"{name} is not a JSON object: its metrics are left out.")
        doc = {}
    evaluation = EvaluationFile(folder, doc)
    named = doc.get("pictures") if isinstance(doc.get("pictures"), dict) else {}
    seen = set()
    for key, file in named.items():
        # a picture is named relative to metrics.json; never a path outside the folder
        rel = Path(str(file))
        if rel.is_absolute() or ".." in rel.parts:
            problems.append(f"{name} names the picture {str(file)!r} outside {folder}/: left out.")
            continue
        picture = read_picture(path, f"{folder}/{rel.as_posix()}", problems, budget)
        if picture is not None:
            evaluation.pictures[str(key)] = picture
            seen.add(picture.name)
    for other in sorted((path / folder).glob("*"), key=lambda p: natural_key(p.name)):
        rel = f"{folder}/{other.name}"
        if other.suffix.lower() in MIME and rel not in seen and not other.name.startswith("."):
            picture = read_picture(path, rel, problems, budget)
            if picture is not None:  # a picture metrics.json does not name: shown by file name
                evaluation.pictures[other.stem] = picture
    return evaluation


class _Budget:
    """Counts the pictures put into one report against :data:`MAX_PICTURES` and bytes."""

    def __init__(self) -> None:
        self.count = self.bytes = 0
        self.skipped: list[str] = []

    def take(self, name: str, size: int) -> bool:
        if self.count + 1 > MAX_PICTURES or self.bytes + size > MAX_PICTURE_BYTES:
            self.skipped.append(name)
            return False
        self.count, self.bytes = self.count + 1, self.bytes + size
        return True

    def left_out(self) -> list[str]:
        if not self.skipped:
            return []
        return [
            f"{len(self.skipped)} pictures are left out (a report holds at most {MAX_PICTURES} "
            f"pictures, {MAX_PICTURE_BYTES // 1_000_000} MB in all): "
            + ", ".join(self.skipped[:10])
            + (", ..." if len(self.skipped) > 10 else "")
        ]


def read_picture(
    path: Path, name: str, problems: list[str], budget: _Budget | None = None
) -> Picture | None:
    """Read and check one PNG or GIF of the run folder; ``None`` (with a problem) if broken.

    Pillow decodes the header and ``verify()`` checks the rest, so a truncated file is
    left out of the report rather than shown to the reader as a broken image.
    """
    from PIL import Image, UnidentifiedImageError

    file = path / name
    mime = MIME.get(file.suffix.lower())
    if mime is None or not file.is_file() or not _within(path, file):
        problems.append(f"{name} is named but is not a PNG or GIF file in the folder.")
        return None
    try:
        data = file.read_bytes()
        with Image.open(file) as image:
            width, height = image.size
            fmt = image.format
            image.verify()
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as exc:
        problems.append(f"{name} could not be read as a picture ({exc}): left out.")
        return None
    if MIME.get(f".{(fmt or '').lower()}") != mime:
        problems.append(f"{name} holds a {fmt} image, not what its suffix says: left out.")
        return None
    if budget is not None and not budget.take(name, len(data)):
        return None
    return Picture(name, data, mime, width, height)
