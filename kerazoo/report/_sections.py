"""The sections of a run's report, each made from what a :class:`RunFolder` holds.

Every function returns markup, or ``""`` when the folder has nothing for that section (a
run killed before its first epoch has settings and a status, and nothing else).

Example:
    >>> from kerazoo.report._folder import read_run_folder
    >>> settings(read_run_folder("runs/shapes-lenet"))[:30]             # doctest: +SKIP
    '<section id="settings"><h2>Set'
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kerazoo._errors import KerazooError
from kerazoo.report._folder import EvaluationFile, Picture, RunFolder
from kerazoo.report._markup import figure, fmt, gallery, key_values, section, table, text
from kerazoo.report._state import latest_command, older_note, resumes, training_loss

__all__ = [
    "curves",
    "evaluation_pictures",
    "files",
    "header",
    "inside",
    "inside_groups",
    "lr_finder",
    "metrics",
    "other_evaluations",
    "problems",
    "settings",
    "title",
]

#: Evaluation pictures by their key in metrics.json: anchor and heading, in report order.
EVALUATION_PICTURES = {
    "confusion": ("confusion", "Confusion matrix"),
    "top_losses": ("top-losses", "Top losses"),
    "samples": ("samples", "Sample predictions"),
    "predicted_vs_true": ("predicted-vs-true", "Predicted against true"),
    "reconstructions": ("reconstructions", "Reconstructions"),
}
#: Pictures recorded while training, grouped by folder or by the first word of their name:
#: heading and a line on what they show. The installed look views add theirs after these
#: (:meth:`kerazoo.View.groups`: ``maps-conv1.png`` is a picture of ``maps``).
TRAINING_GROUPS = {
    "snapshots": (
        "Snapshots over training",
        "A layer's maps on one fixed image, recorded "
        "while the network learned; the GIFs play in a loop.",
    ),
    "activation_stats": (
        "Activation statistics",
        "Per layer and epoch: dead or exploding units show up here first.",
    ),
}
#: Pictures that have their own section, not "Looking inside".
OWN_SECTIONS = ("curves.png", "lr_find.png")
_STATUS = {"finished": "ok", "diverged": "bad", "interrupted": "warn", "running": "info"}


def title(folder: RunFolder) -> str:
    """``"DATASET / ARCHITECTURE"`` of the run (plain text, not escaped)."""
    data, arch = _part(folder.run, "dataset"), _part(folder.run, "architecture")
    return f"{data.get('name', '?')} / {arch.get('name', '?')}"


def header(folder: RunFolder) -> str:
    """The title: dataset, architecture, status and date."""
    status, inferred = _status(folder)
    badge = f'<span class="status {_STATUS.get(status, "warn")}">{text(status)}</span>'
    if inferred:
        badge += ' <span class="note">(not in run.json; read from the files)</span>'
    facts = [
        f"status {badge}",
        f"{text(_date(folder))}",
        f"{len(folder.history)} epochs recorded" if folder.history else "no epoch recorded",
    ]
    starts = [r.get("from_epoch") for r in resumes(folder.run)]
    if starts:
        at = ", ".join(text(fmt(s)) for s in starts)
        facts.append(f"resumed at epoch{'s' if len(starts) > 1 else ''} {at}")
    return (
        f"<header><h1>{text(title(folder))}</h1>"
        f'<p class="facts">{" &middot; ".join(facts)}</p>'
        f'<p class="note">{text(folder.path)}</p></header>'
    )


def _part(run: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = run.get(key)
    return value if isinstance(value, dict) else {}


def _status(folder: RunFolder) -> tuple[str, bool]:
    """``(status, inferred)``: run.json's status, or a guess from the files when it has none."""
    status = folder.run.get("status")
    if isinstance(status, str) and status:
        return status, False
    return ("finished" if (folder.path / "model.keras").is_file() else "unfinished"), True


def _date(folder: RunFolder) -> str:
    for key in ("ended", "finished", "started", "date"):
        value = folder.run.get(key)
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M")
            except ValueError:
                return value
    stamp = (folder.path / "run.json").stat().st_mtime
    return datetime.fromtimestamp(stamp).strftime("%Y-%m-%d %H:%M")


def settings(folder: RunFolder) -> str:
    """Tables of the run's settings, dataset, architecture, model and versions."""
    run = folder.run
    data, arch = _part(run, "dataset"), _part(run, "architecture")
    resolved = _part(run, "resolved")
    task, spec = _part(resolved, "task"), _part(resolved, "input")
    versions = {k: run[k] for k in ("kerazoo", "keras", "backend", "python") if k in run}
    command = latest_command(run)
    if command:
        versions["command"] = command
    if resumes(run) and run.get("command"):
        versions["first command"] = run["command"]
    model = {f"task {k}": v for k, v in task.items()}
    if spec:
        size = "x".join(str(spec.get(k, "?")) for k in ("height", "width", "channels"))
        model["input"] = f"{size} {spec.get('dtype', '')}, {spec.get('data_format', '')}"
    model.update(_part(resolved, "compile"))
    cards = [
        key_values("Training", _part(run, "settings")),
        key_values(
            f"Dataset {data.get('name', '')}",
            {"seed": data.get("seed"), **_part(data, "options"), "plugin": data.get("plugin")},
        ),
        key_values(
            f"Architecture {arch.get('name', '')}",
            {**_part(arch, "hyperparameters"), "plugin": arch.get("plugin")},
        ),
        key_values("Model", model),
        key_values("Versions", versions),
    ]
    other = {k: v for k, v in run.items() if k not in _SHOWN_ELSEWHERE}
    cards.append(key_values("More from run.json", other))
    body = '<div class="cards">' + "".join(cards) + "</div>"
    return section("settings", "Settings", body)


#: The run.json keys that have their own place in the report.
_SHOWN_ELSEWHERE = {
    "kerazoo",
    "keras",
    "backend",
    "python",
    "command",
    "dataset",
    "architecture",
    "resolved",
    "settings",
    "status",
    "test",
    "ended",
    "finished",
    "started",
    "date",
    "resumed",
}


def curves(folder: RunFolder) -> str:
    """The training curves, and the history table (folded) below them."""
    parts = []
    if "curves.png" in folder.pictures:
        parts.append(figure(folder.pictures["curves.png"], "curves.png: train and validation"))
    if folder.history:
        columns = list(folder.history[0])
        rows = [[_number(row.get(c)) for c in columns] for row in folder.history]
        parts.append(
            f"<details><summary>history.csv: {len(rows)} epochs</summary>"
            f"{table(rows, columns)}</details>"
        )
    return section("curves", "Curves", "".join(parts))


def _number(value: Any) -> Any:
    """A number read as text (from a CSV) as a number, to be right-aligned; else the text."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    return int(number) if number.is_integer() and "." not in str(value) else number


def metrics(folder: RunFolder) -> str:
    """The test metrics (run.json ``test`` and evaluation/metrics.json) and the per-class table."""
    test = _part(folder.run, "test")
    main = _main_evaluation(folder)
    doc = main.doc if main else {}
    body = _metrics_tables(doc, test)
    note = _describe(doc, "held-out test split", folder.run)
    loss = training_loss(folder.run)
    if loss and body:
        note += ("; " if note else "") + text(f"training loss: {loss} (the curves' loss)")
    older = older_note(folder, main) if main else ""
    title = "Test metrics (older model)" if older else "Test metrics"
    return section("metrics", title, body, note + (f" {text(older)}" if older else ""))


def _metrics_tables(doc: Mapping[str, Any], extra: Mapping[str, Any] | None = None) -> str:
    values = {**(extra or {}), **_part(doc, "metrics")}
    if not values:
        return ""
    reference = _part(_part(doc, "reference"), "metrics")
    if reference:
        rows = [(k, v, reference.get(k), _gap(v, reference.get(k))) for k, v in values.items()]
        header = ("metric", "value", "in distribution", "difference")
    else:
        rows, header = list(values.items()), ("metric", "value")
    parts = [table(rows, header, cls="metrics", fixed=True)]
    per_class = _part(doc, "per_class")
    if per_class:
        columns: list[str] = []
        for scores in per_class.values():
            if isinstance(scores, dict):
                columns += [c for c in scores if c not in columns]
        rows = [
            [name, *(scores.get(c) if isinstance(scores, dict) else None for c in columns)]
            for name, scores in per_class.items()
        ]
        rows = _counts_as_integers(rows)
        parts.append(
            table(rows, ["class", *columns], caption="Per class", cls="metrics", fixed=True)
        )
    return "".join(parts)


def _counts_as_integers(rows: list[list[Any]]) -> list[list[Any]]:
    """A column of whole numbers (a support written as ``16.0``) shown as integers."""
    whole = [
        all(isinstance(v, (int, float)) and float(v).is_integer() for v in column)
        for column in zip(*rows, strict=True)
    ]
    return [[int(v) if w else v for v, w in zip(row, whole, strict=True)] for row in rows]


def _gap(value: Any, reference: Any) -> Any:
    try:
        return float(value) - float(reference)
    except (TypeError, ValueError):
        return None


def _describe(doc: Mapping[str, Any], default: str, run: Mapping[str, Any]) -> str:
    """One escaped line: how many images of which data the evaluation used."""
    if not doc:
        return ""
    data, trained = _part(doc, "dataset"), _part(run, "dataset")
    options = _part(data, "options")
    same = data.get("name") == trained.get("name") and options == _part(trained, "options")
    shown = " with the run's options" if same and options else f"({fmt(options)})"
    what = f"{text(data.get('name', '?'))}{shown}" if data else text(default)
    seed = f", seed {fmt(data.get('seed'))}" if data.get("seed") is not None else ""
    count = f"{fmt(doc['n'])} images" if "n" in doc else "images"
    split = f" ({text(doc['split'])} split)" if doc.get("split") else ""
    return f"{count} of {what}{seed}{split}; {text(doc.get('kind', ''))}"


def _main_evaluation(folder: RunFolder) -> EvaluationFile | None:
    first = folder.evaluations[0] if folder.evaluations else None
    return first if first is not None and first.folder == "evaluation" else None


def evaluation_pictures(folder: RunFolder) -> list[str]:
    """One section per picture of the test evaluation: confusion, top losses, samples..."""
    main = _main_evaluation(folder)
    if main is None:
        return []
    out = []
    for key, picture in _ordered(main.pictures):
        anchor, title = EVALUATION_PICTURES.get(key, (f"eval-{key}", _title(key)))
        out.append(section(anchor, title, figure(picture)))
    return out


def _ordered(pictures: Mapping[str, Picture]) -> list[tuple[str, Picture]]:
    order = list(EVALUATION_PICTURES)
    return sorted(pictures.items(), key=lambda kv: (kv[0] not in order, _index(order, kv[0])))


def _index(order: list[str], key: str) -> int:
    return order.index(key) if key in order else 0


def _title(key: str) -> str:
    return str(key).replace("_", " ").replace("-", " ").capitalize()


def other_evaluations(folder: RunFolder) -> list[str]:
    """A section per other ``evaluation*`` folder (``kerazoo evaluate``, shifted data)."""
    out = []
    for evaluation in folder.evaluations:
        if evaluation.folder == "evaluation":
            continue
        shots = [figure(p, f"{_title(k)}: {p.name}") for k, p in _ordered(evaluation.pictures)]
        body = _metrics_tables(evaluation.doc) + '<div class="gallery">' + "".join(shots)
        anchor = "eval-" + "".join(c if c.isalnum() else "-" for c in evaluation.folder)
        note = _describe(evaluation.doc, evaluation.folder, folder.run)
        title = f"Evaluation: {evaluation.folder}"
        older = older_note(folder, evaluation)
        if older:
            title, note = f"{title} (older model)", f"{note} {text(older)}"
        out.append(section(anchor, title, body + "</div>", note))
    return out


def lr_finder(folder: RunFolder) -> str:
    """The learning-rate finder's picture (``--lr find``)."""
    picture = folder.pictures.get("lr_find.png")
    return section("lr-finder", "Learning-rate finder", figure(picture) if picture else "")


def inside(folder: RunFolder) -> str:
    """Every other picture: snapshots, statistics and the ``kerazoo look`` views, grouped."""
    headings = inside_groups()
    groups: dict[str, list[Picture]] = {}
    names = set(folder.pictures)
    for name, picture in folder.pictures.items():
        if name in OWN_SECTIONS:
            continue
        parts = name.split("/")
        stem = parts[-1].rsplit(".", 1)[0]
        if name.endswith(".png") and name[:-4] + ".gif" in names and parts[0] == "snapshots":
            continue  # a snapshot's PNG is the last frame of its GIF
        key = "snapshots" if parts[0] == "snapshots" else stem.split("-")[0]
        groups.setdefault(key if key in headings else "", []).append(picture)
    parts = []
    for key in [*headings, ""]:
        if key in groups:
            title, what = headings.get(key, ("Other pictures", "Pictures in the folder."))
            parts.append(f'<h3>{text(title)}</h3><p class="note">{text(what)}</p>')
            parts.append(gallery(groups[key]))
    return section("inside", "Looking inside", "".join(parts))


def inside_groups() -> dict[str, tuple[str, str]]:
    """Word -> (heading, note) of the looking-inside pictures: those recorded while
    training, then each installed look view's, in ``kerazoo look`` order. A view that cannot
    be used (a broken or contested package) adds none; ``kerazoo plugins`` reports it."""
    from kerazoo._extensions import get_view
    from kerazoo._registry import PluginWarning, current, natural_key

    groups = dict(TRAINING_GROUPS)
    names = sorted({e.name for e in current().entries("view")}, key=natural_key)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PluginWarning)
        for name in names:
            with contextlib.suppress(KerazooError):
                for word, heading in get_view(name).groups().items():
                    groups.setdefault(word, heading)
    return groups


def files(folder: RunFolder) -> str:
    """The files in the run folder, with sizes and times."""
    rows = [
        (name, _size(size), datetime.fromtimestamp(mtime).strftime("%Y-%m-%d %H:%M:%S"))
        for name, size, mtime in folder.files
    ]
    body = table(rows, ("file", "size", "modified"), cls="files", right=(1,)) if rows else ""
    return section("files", "Files in the folder", body)


def _size(size: int) -> str:
    if size < 1000:
        return f"{size} B"
    return f"{size / 1e3:.1f} kB" if size < 1_000_000 else f"{size / 1e6:.1f} MB"


def problems(folder: RunFolder) -> str:
    """A box naming the files that could not be read (empty when all were)."""
    if not folder.problems:
        return ""
    items = "".join(f"<li>{text(p)}</li>" for p in folder.problems)
    return f'<aside class="problems"><strong>Left out:</strong><ul>{items}</ul></aside>'
