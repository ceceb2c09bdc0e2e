"""``report.html``: one self-contained page per run, written into the run folder.

Pictures are inline (base64 ``data:`` URIs) and the CSS is in the page, so the one file can
be mailed, attached to an issue or opened years later: it fetches nothing, and needs no
JavaScript. It is built with the standard library (``html``, ``base64``): the page is a
dozen sections of tables and pictures, not enough to be worth a template engine.

Example:
    >>> import kerazoo
    >>> kerazoo.write_report("runs/shapes-lenet")                         # doctest: +SKIP
    PosixPath('runs/shapes-lenet/report.html')
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path

from kerazoo import __version__
from kerazoo._files import write_text_atomic
from kerazoo.report import _sections as sections
from kerazoo.report._folder import RunFolder, read_run_folder
from kerazoo.report._markup import text

__all__ = ["REPORT_NAME", "write_report"]

#: The report's file name in the run folder.
REPORT_NAME = "report.html"

_CSS = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: #1d2330; background: #f6f7f9; margin: 0; }
main { max-width: 1080px; margin: 0 auto; padding: 1.2em 1.5em 3em; background: #fff; }
h1 { margin: .2em 0; font-size: 1.7em; }
h2 { margin-top: 1.8em; border-bottom: 2px solid #e3e6ea; padding-bottom: .2em; }
h3 { margin: 1.2em 0 .3em; font-size: 1.05em; }
.facts { font-size: 1.05em; margin: .2em 0; }
.note { color: #5b6472; font-size: .9em; margin: .2em 0 .6em; }
.status { padding: .05em .55em; border-radius: .8em; font-weight: 600; color: #fff; }
.status.ok { background: #2e7d32; } .status.bad { background: #c62828; }
.status.warn { background: #ef6c00; } .status.info { background: #1565c0; }
nav { margin: .8em 0; font-size: .92em; }
nav a { margin-right: .9em; color: #1565c0; text-decoration: none; white-space: nowrap; }
table { border-collapse: collapse; margin: .4em 0 1em; font-size: .92em; }
caption { text-align: left; font-weight: 600; padding: .3em 0; }
th, td { padding: .22em .7em; border-bottom: 1px solid #e3e6ea; text-align: left;
  vertical-align: top; }
th { background: #f0f2f5; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.kv { width: 100%; }
table.kv td:first-child { color: #5b6472; white-space: nowrap; width: 40%; }
table.kv td { overflow-wrap: anywhere; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr));
  gap: 0 1.4em; }
.card h3 { margin-bottom: 0; }
figure { margin: .5em 0 1em; }
figure img { max-width: calc(100% - 2px); height: auto; border: 1px solid #e3e6ea; }
img.pixels { image-rendering: pixelated; }
figcaption { color: #5b6472; font-size: .85em; overflow-wrap: anywhere; }
.gallery { display: flex; flex-wrap: wrap; gap: .4em 1.2em; align-items: flex-start; }
.gallery figure { margin: .3em 0; max-width: 100%; }
details summary { cursor: pointer; color: #1565c0; margin: .3em 0; }
.problems { background: #fff4e5; border-left: 4px solid #ef6c00; padding: .4em 1em;
  margin: 1em 0; }
footer { margin-top: 3em; color: #5b6472; font-size: .85em; }
"""


def write_report(
    run_dir: str | os.PathLike[str], out: str | os.PathLike[str] | None = None
) -> Path:
    """Write a run's report: one HTML file with its settings, curves, metrics and pictures.

    Reads only the files in the run folder (``run.json``, ``history.csv``, ``curves.png``,
    ``evaluation*/metrics.json`` and their pictures, ``lr_find.png``, ``snapshots/``,
    ``activation_stats.png`` and every other PNG or GIF there) and writes the report
    atomically. A section whose files are missing is left out; a file that cannot be read
    is named in a box at the top. Text from the files is escaped: a class name such as
    ``<script>`` is shown, never run.

    Args:
        run_dir: a run folder (with a ``run.json``), as ``kerazoo train`` writes, or
            ``"zoo:NAME"``, a zoo entry (read from the installed package).
        out: where to write the report (default: ``report.html`` in the run folder;
            ``zoo-NAME/report.html`` in the current folder for a zoo entry).

    Returns:
        The path written.

    Raises:
        InvalidOptionError: ``run_dir`` is not a run folder (no ``run.json``).
        DataError: its ``run.json`` cannot be read.

    Example:
        >>> import kerazoo
        >>> run = kerazoo.train("shapes", "lenet", epochs=2)                # doctest: +SKIP
        >>> kerazoo.write_report(run.dir)                                   # doctest: +SKIP
        PosixPath('runs/shapes-lenet-20250101-120000/report.html')
    """
    run_path, home = _run_folder(run_dir)
    target = Path(out) if out is not None else home / REPORT_NAME
    skip = _inside(run_path, target)
    folder = read_run_folder(run_path, skip=(skip,) if skip else ())
    return write_text_atomic(target, render(folder))


def _run_folder(run_dir: str | os.PathLike[str]) -> tuple[Path, Path]:
    """``(folder to read, folder to write into)``: the same folder, except for a zoo model
    (``zoo:NAME``), which is read from its installed entry and written to ``zoo-NAME`` in the
    current folder (an installed package is read-only)."""
    from kerazoo.saving._zoo import local_folder, zoo_entry, zoo_name

    name = zoo_name(run_dir)
    if name is not None:
        return zoo_entry(name).folder, Path.cwd() / f"zoo-{name}"
    path = Path(run_dir)
    return path, local_folder(path) or path


def _inside(run_path: Path, target: Path) -> str | None:
    """``target``'s name inside the run folder (to leave it out of the list), or None."""
    try:
        return target.resolve().relative_to(run_path.resolve()).as_posix()
    except ValueError:
        return None


def render(folder: RunFolder) -> str:
    """The report's HTML for a folder already read (see :func:`read_run_folder`)."""
    body = [
        sections.header(folder),
        sections.problems(folder),
        sections.settings(folder),
        sections.curves(folder),
        sections.metrics(folder),
        *sections.evaluation_pictures(folder),
        *sections.other_evaluations(folder),
        sections.lr_finder(folder),
        sections.inside(folder),
        sections.files(folder),
    ]
    body = [b for b in body if b]
    contents = "".join(
        f'<a href="#{anchor}">{title}</a>'
        for part in body
        for anchor, title in re.findall(r'<section id="([^"]*)"><h2>(.*?)</h2>', part)
    )  # anchors and titles here are already escaped
    made = datetime.now().strftime("%Y-%m-%d %H:%M")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{text(sections.title(folder))}: kerazoo run report</title>"
        f"<style>{_CSS}</style></head><body><main>"
        + body[0]
        + f"<nav>{contents}</nav>"
        + "".join(body[1:])
        + f"<footer>Made by kerazoo {text(__version__)} on {made} from the files in this run "
        "folder; rebuild it with <code>kerazoo report RUN</code>.</footer>"
        "</main></body></html>\n"
    )
