"""Export samples as PNG files plus ``labels.csv``, in a layout the ``folder`` dataset reads.

The export is all or nothing: files go into a hidden temporary folder beside the target,
which is renamed to the target once complete. A killed export leaves no half-written
folder behind (only, at worst, a hidden ``.NAME.*.tmp`` folder).
"""

from __future__ import annotations

import csv
import os
import secrets
import shutil
from pathlib import Path
from typing import Any

from kerazoo._errors import DataError
from kerazoo._files import check_output_folder, fsync_dir, output_error
from kerazoo._task import Task
from kerazoo.data._dataset import Samples
from kerazoo.data._preview import label_text

__all__ = ["PROGRESS_FROM", "export_samples"]

#: Exports at least this long report progress, about every 10%.
PROGRESS_FROM = 500


def _safe_folder_name(name: str) -> str:
    bad = (
        not name
        or name in (".", "..")
        or name.startswith(".")
        or any(ch in name for ch in '/\\:*?"<>|\0')
    )
    if bad:
        raise DataError(
            f"The class name {name!r} cannot be a folder name; export needs class names "
            "without path separators or a leading dot."
        )
    return name


def export_samples(
    samples: Samples, task: Task, directory: str | Path, progress: Any = None
) -> Path:
    """Write samples as PNG files and ``labels.csv`` (columns ``file,label``) under a folder.

    Classification samples go to one sub-folder per class (``DIR/<class>/00000.png``, the
    layout the ``folder`` dataset reads back); regression and reconstruction samples go
    straight into ``DIR``. Files are numbered in sample order; ``file`` in the CSV is
    relative to ``DIR``; ``label`` is the class name, the value, or empty.

    Args:
        samples: what ``dataset.generate`` returned.
        task: the dataset's task.
        directory: a folder that does not exist yet or is empty. The export is written
            into a hidden temporary folder beside it, renamed to ``directory`` only when
            every file is written: an interrupted export leaves no partial folder.
        progress: a text stream for a progress line every ~10% (long exports only).

    Returns:
        The path of ``labels.csv``.

    Raises:
        DataError: the folder is not empty, or a class name cannot be a folder name.
        OutputError: ``directory`` is a file, a device, a FIFO..., or the export cannot be
            written (a full disk, a read-only place); nothing is left behind.

    Example:
        >>> import kerazoo
        >>> ds = kerazoo.get_dataset("shapes", size=32)                       # doctest: +SKIP
        >>> export_samples(ds.generate(100), ds.task, "shapes_png")           # doctest: +SKIP
        PosixPath('shapes_png/labels.csv')
    """
    root = check_output_folder(directory)
    if root.exists() and any(root.iterdir()):
        raise DataError(
            f"{str(root)!r} exists and is not an empty folder. Export into a new or empty "
            "folder, so old files do not mix with the new ones."
        )
    classes = task.kind == "classification" and samples.labels is not None
    if classes:
        for name in task.class_names:
            _safe_folder_name(name)
    tmp = root.parent / f".{root.name}.{secrets.token_hex(4)}.tmp"
    try:
        root.parent.mkdir(parents=True, exist_ok=True)
        tmp.mkdir()  # not mkdtemp: the folder keeps the usual permissions once renamed
    except OSError as exc:
        raise output_error(root, exc) from None
    try:
        _write_all(samples, task, tmp, classes, progress)
        try:
            os.replace(tmp, root)  # POSIX renames over an empty folder
        except OSError:
            root.rmdir()
            os.replace(tmp, root)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise output_error(root, exc) from None
        raise
    fsync_dir(root.parent)
    return root / "labels.csv"


def _write_all(samples: Samples, task: Task, root: Path, classes: bool, progress: Any) -> None:
    """Write every PNG and ``labels.csv`` into ``root`` (the temporary folder)."""
    from PIL import Image

    k = len(samples)
    width = max(5, len(str(max(k - 1, 0))))
    rows: list[tuple[str, str]] = []
    step = max(1, k // 10)
    for i in range(k):
        img = samples.images[i]
        label = "" if samples.labels is None else label_text(task, samples.labels[i])
        rel = f"{label}/{i:0{width}d}.png" if classes else f"{i:0{width}d}.png"
        target = root / rel
        target.parent.mkdir(exist_ok=True)
        Image.fromarray(img[..., 0] if img.shape[2] == 1 else img).save(target)
        rows.append((rel, label))
        if progress is not None and k >= PROGRESS_FROM and ((i + 1) % step == 0 or i + 1 == k):
            print(f"  exported {i + 1}/{k} images", file=progress, flush=True)
    with open(root / "labels.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(("file", "label"))
        writer.writerows(rows)
