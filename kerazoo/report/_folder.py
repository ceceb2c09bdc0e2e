"""What a run folder holds, read for a report: ``run.json``, the history, the evaluations
and every picture, each file read once and checked (a broken file is noted, not fatal).

Only regular files that really lie inside the run folder are read (a link out of it, a FIFO
or a device is named as a problem, unread), each up to a size limit; a picture above
Pillow's pixel limit and JSON nested too deeply are named too, and the rest of the page is
still made. Nothing is imported from training, interpret or evaluation, so a report can be
made from a folder copied to a machine without a GPU, or from an old run.

Example:
    >>> folder = read_run_folder("runs/shapes-lenet")                   # doctest: +SKIP
    >>> folder.run["dataset"]["name"], sorted(folder.pictures)[:2]     # doctest: +SKIP
    ('shapes', ['curves.png', 'snapshots/conv1.gif'])
"""

from __future__ import annotations

import csv
import io
import json
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kerazoo._errors import DataError, InvalidOptionError
from kerazoo._files import TEMP_PATTERN, file_kind, read_regular_file
from kerazoo._naming import natural_key

__all__ = ["EvaluationFile", "Picture", "RunFolder", "read_run_folder"]

#: The kinds of picture a report shows, by file suffix.
MIME = {".png": "image/png", ".gif": "image/gif"}
#: At most this many pictures, and this many bytes of them, are put into one report; the
#: rest are listed as left out (a report is one file a browser must open at once).
MAX_PICTURES, MAX_PICTURE_BYTES = 300, 80_000_000
#: At most this many files are listed in the report's list of files.
MAX_FILES = 500
#: At most this many bytes are read from ``run.json``, ``history.csv`` or a ``metrics.json``.
MAX_TEXT_BYTES = 20_000_000


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
    run: dict[str, Any] = field(default_factory=dict)
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
        A :class:`RunFolder`; files that could not be read are named in ``problems`` (a
        ``run.json`` that cannot be read too: then ``run`` is empty).

    Raises:
        InvalidOptionError: the folder does not exist or has no ``run.json``.

    Example:
        >>> read_run_folder("runs/shapes-lenet").run["architecture"]["name"]  # doctest: +SKIP
        'lenet'
    """
    path = Path(run_dir)
    folder = RunFolder(path)
    folder.run = _read_run_json(path, folder.problems)
    names = _list_files(path, skip, folder.problems)
    folder.files = [(n, (st := (path / n).stat()).st_size, st.st_mtime) for n in names[:MAX_FILES]]
    if len(names) > MAX_FILES:
        folder.problems.append(f"{len(names) - MAX_FILES} more files are not listed.")
    folder.history = _read_history(path, folder.problems)
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


def _read_run_json(path: Path, problems: list[str]) -> dict[str, Any]:
    if not path.is_dir() or not os.path.lexists(path / "run.json"):
        what = "does not exist" if not path.exists() else "has no run.json"
        raise InvalidOptionError(
            f"{path} {what}, so it is not a run folder. A run folder is what 'kerazoo train' "
            "writes: run.json (settings, dataset, architecture, status), history.csv, "
            "curves.png, model.keras and, at the end, evaluation/. Make one with 'kerazoo "
            "train DATASET ARCH --out RUN' (or kerazoo.train(..., out=RUN)), then pass that "
            "folder."
        )
    doc = read_json(path, "run.json", problems, "the run's settings are left out")
    if doc is not None and not isinstance(doc, dict):
        problems.append(
            f"run.json holds a JSON {type(doc).__name__}, not an object: it was not written "
            "by 'kerazoo train', and the run's settings are left out."
        )
    return doc if isinstance(doc, dict) else {}


def read_json(path: Path, name: str, problems: list[str], left_out: str) -> Any:
    """A JSON file of the folder, or None with a problem naming it (unreadable, not a
    regular file inside the folder, too large, not JSON, or nested too deeply)."""
    try:
        return json.loads(read_regular_file(path, name, MAX_TEXT_BYTES).decode("utf-8"))
    except RecursionError:
        problems.append(f"{name} could not be read (its JSON is nested too deeply): {left_out}.")
    except (OSError, DataError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(f"{name} could not be read ({_reason(exc)}): {left_out}.")
    return None


def _reason(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc)


def _list_files(path: Path, skip: tuple[str, ...], problems: list[str]) -> list[str]:
    """Every regular file below ``path`` (``/``-joined names), hidden and temporary files left
    out; links out of the folder and special files (FIFOs, devices) are named in
    ``problems`` (``run.json`` and ``history.csv`` by their own readers) and not listed."""
    names, refused = [], []
    for root, dirs, files in os.walk(path):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        rel = Path(root).relative_to(path)
        for name in files:
            full = rel / name
            if name.startswith(".") or full.match(TEMP_PATTERN) or full.as_posix() in skip:
                continue
            file = Path(root) / name
            if not _within(path, file):
                refused.append(f"{full.as_posix()} (it leads outside the folder)")
            elif not file.is_file():
                kind = file_kind(file.stat().st_mode) if file.exists() else "a broken link"
                refused.append(f"{full.as_posix()} (it is {kind})")
            else:
                names.append(full.as_posix())
    refused = [r for r in refused if r.split(" (")[0] not in ("run.json", "history.csv")]
    if refused:
        more = f", and {len(refused) - 10} more" if len(refused) > 10 else ""
        problems.append(f"Not read: {', '.join(sorted(refused)[:10])}{more}.")
    return sorted(names, key=lambda n: (n.count("/"), natural_key(n)))


def _within(folder: Path, file: Path) -> bool:
    """Whether ``file`` really lies in ``folder`` (a link out of the folder is not read)."""
    return file.resolve().is_relative_to(folder.resolve())


def _read_history(path: Path, problems: list[str]) -> list[dict[str, str]]:
    if not os.path.lexists(path / "history.csv"):
        return []
    try:
        text = read_regular_file(path, "history.csv", MAX_TEXT_BYTES).decode("utf-8")
        return [row for row in csv.DictReader(io.StringIO(text, newline="")) if row]
    except (OSError, DataError, UnicodeDecodeError, csv.Error) as exc:
        problems.append(f"history.csv could not be read ({_reason(exc)}): its table is left out.")
        return []


def _read_evaluation(
    path: Path, folder: str, problems: list[str], budget: _Budget
) -> EvaluationFile:
    name = f"{folder}/metrics.json"
    doc = read_json(path, name, problems, "its metrics are left out")
    if doc is None:
        doc = {}
    elif not isinstance(doc, dict):
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

    mime = MIME.get(Path(name).suffix.lower())
    if mime is None or not os.path.lexists(path / name):
        problems.append(f"{name} is named but is not a PNG or GIF file in the folder.")
        return None
    try:
        data = read_regular_file(path, name, MAX_PICTURE_BYTES)
        with warnings.catch_warnings():  # above the pixel limit: refused before decoding
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                fmt = image.format
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        problems.append(f"{name} is refused unread ({exc}): left out.")
        return None
    except (OSError, DataError, UnidentifiedImageError, SyntaxError, ValueError) as exc:
        problems.append(f"{name} could not be read as a picture ({_reason(exc)}): left out.")
        return None
    if MIME.get(f".{(fmt or '').lower()}") != mime:
        problems.append(f"{name} holds a {fmt} image, not what its suffix says: left out.")
        return None
    if budget is not None and not budget.take(name, len(data)):
        return None
    return Picture(name, data, mime, width, height)
