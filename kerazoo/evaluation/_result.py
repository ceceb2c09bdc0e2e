"""An evaluation's result: the numbers, the pictures, and the in-distribution reference.

:class:`Evaluation` prints as the table ``kerazoo evaluate`` shows and turns into the
``metrics.json`` a run folder holds (``RUN/evaluation/metrics.json``):

.. code-block:: json

    {"split": "test", "n": 200, "kind": "classification", "label": "shapes(size=32)",
     "metrics": {"accuracy": 0.97, "cross_entropy": 0.1, "macro_f1": 0.97},
     "per_class": {"circle": {"precision": 1.0, "recall": 0.95, "f1": 0.97, "support": 66}},
     "confusion": [[63, 2, 1], ...],
     "dataset": {"name": "shapes", "options": {"size": 32}, "seed": 0},
     "model": {"file": "model.keras", "epochs": 5},
     "pictures": {"confusion": "confusion.png", "top_losses": "top_losses.png"},
     "notes": [], "reference": null}

Picture names are relative to the folder ``metrics.json`` is in (the reference's lie in
its ``reference/`` sub-folder).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kerazoo._files import atomic_file
from kerazoo._naming import printable

__all__ = ["HEADLINE", "Evaluation"]

#: The one number the summary compares between shifted data and the reference, per kind.
HEADLINE = {"classification": "accuracy", "regression": "mae", "reconstruction": "mse"}


@dataclass
class Evaluation:
    """What evaluating a model on some data gives.

    Attributes:
        kind: the task kind: ``"classification"``, ``"regression"`` or ``"reconstruction"``.
        n: how many images were evaluated.
        metrics: flat ``name -> value``: ``accuracy``, ``cross_entropy`` (``-log p(true
            class)``, whatever loss the model was trained with), ``macro_f1``
            (classification); ``mae``, ``rmse``, ``mse``, ``bias``, ``exact`` (regression;
            ``exact`` for counts); ``mse``, ``worst_mse``, ``mae`` (reconstruction, in
            pixel units of ``[0, 1]``).
        per_class: ``class -> {"precision", "recall", "f1", "support"}`` (classification).
        dataset: ``{"name", "options", "seed"}``: enough to make the same images again.
        pictures: picture name (``"confusion"``, ``"top_losses"``, ``"samples"``,
            ``"predicted_vs_true"``, ``"reconstructions"``) -> the PNG written.
        reference: the same model on its own training data (dataset and options), same
            ``n``, when this evaluation's data differs from it; else ``None``.
        split: ``"test"`` (the held-out split of a run) or ``"fresh"`` (images drawn for
            this evaluation).
        label: how the summary names the data, e.g. ``"shapes(noise=0.3)"``.
        confusion: counts ``[true][predicted]`` (classification), else ``None``.
        folder: where ``metrics.json`` and the pictures were written (``None``: nowhere).
        written: every file this evaluation wrote (``metrics.json`` and the pictures), in
            the order written; :meth:`files` adds the reference's.
        model: what the model was when it was scored: ``{"file", "epochs"}`` (the file's
            name and the epochs it was trained for, each when known), so that a report can
            tell an evaluation of an earlier state of a run's model.
        notes: what the reader should know (fewer images than asked, no reference ...).

    Example:
        >>> result = kerazoo.evaluate("runs/shapes-lenet", "shapes", options={"noise": 0.3})
        ...                                                            # doctest: +SKIP
        >>> print(result.summary())                                    # doctest: +SKIP
        >>> result.metrics["accuracy"], result.reference.metrics["accuracy"]  # doctest: +SKIP
        (0.41, 0.98)
    """

    kind: str
    n: int
    metrics: dict[str, float]
    per_class: dict[str, dict[str, float]] = field(default_factory=dict)
    dataset: dict[str, Any] = field(default_factory=dict)
    pictures: dict[str, Path] = field(default_factory=dict)
    reference: Evaluation | None = None
    split: str = "test"
    label: str = ""
    confusion: list[list[int]] | None = None
    folder: Path | None = None
    notes: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    model: dict[str, Any] = field(default_factory=dict)

    def files(self) -> list[Path]:
        """Every file written for this evaluation, its reference's included, once each.

        Example:
            >>> Evaluation("regression", 2, {"mae": 0.5}).files()
            []
        """
        out: list[Path] = []
        for path in [*self.written, *(self.reference.files() if self.reference else [])]:
            if path not in out:
                out.append(path)
        return out

    # -- the metrics.json form -------------------------------------------------------------
    def to_dict(self, root: Path | None = None) -> dict[str, Any]:
        """The ``metrics.json`` dict (see the module docstring); JSON-ready.

        Args:
            root: picture paths are written relative to it (default: :attr:`folder`).

        Example:
            >>> Evaluation("regression", 2, {"mae": 0.5}).to_dict()["metrics"]
            {'mae': 0.5}
        """
        root = root if root is not None else self.folder
        out: dict[str, Any] = {
            "split": self.split,
            "n": self.n,
            "kind": self.kind,
            "label": self.label,
            "metrics": dict(self.metrics),
        }
        if self.kind == "classification":
            out["per_class"] = {k: dict(v) for k, v in self.per_class.items()}
            out["confusion"] = self.confusion
        out["dataset"] = dict(self.dataset)
        if self.model:
            out["model"] = dict(self.model)
        out["pictures"] = {k: _relative(p, root) for k, p in self.pictures.items()}
        out["notes"] = list(self.notes)
        out["reference"] = None if self.reference is None else self.reference.to_dict(root)
        return out

    def write_json(self, path: str | Path) -> Path:
        """Write :meth:`to_dict` as JSON to ``path``, atomically; return the path (also
        added to :attr:`written`)."""
        path = Path(path)
        text = json.dumps(self.to_dict(path.parent), indent=2) + "\n"
        atomic_file(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        if path not in self.written:
            self.written.append(path)
        return path

    # -- the text table --------------------------------------------------------------------
    def summary(self) -> str:
        """The table ``kerazoo evaluate`` prints: the metrics, beside the reference's and
        the gap when there is one, then per-class figures, then one line on the shift.

        Example:
            >>> print(Evaluation("regression", 2, {"mae": 0.5}, label="circles").summary())
            regression on 2 images of circles (test split)
              metric  value
              mae     0.500
        """
        split = f"{self.split} split"
        lines = [f"{self.kind} on {self.n} images of {self.label or '?'} ({split})"]
        ref = self.reference
        if ref is None:
            rows = [["metric", "value"]] + [[k, _fmt(v)] for k, v in self.metrics.items()]
        else:
            rows = [["metric", self.label, "in distribution", "gap"]]
            for k, v in self.metrics.items():
                r = ref.metrics.get(k)
                rows.append([k, _fmt(v), _fmt(r), "" if r is None else _fmt(v - r, sign=True)])
        lines += _table(rows)
        if self.per_class:
            lines.append("per class")
            rows = [["class", "precision", "recall", "f1", "support"]]
            for name, c in self.per_class.items():
                rows.append([name, *(_fmt(c[k]) for k in ("precision", "recall", "f1"))])
                rows[-1].append(str(int(c["support"])))
            lines += _table(rows)
        if ref is not None:
            lines.append(self.gap_line())
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(printable(line) for line in lines)

    def gap_line(self) -> str:
        """One sentence on the shift, e.g. ``"accuracy 0.410 on shapes(noise=0.3) vs 0.980
        in distribution: -0.570"``; ``""`` without a reference."""
        ref = self.reference
        key = HEADLINE.get(self.kind, "")
        if ref is None or key not in self.metrics or key not in ref.metrics:
            return ""
        v, r = self.metrics[key], ref.metrics[key]
        return (
            f"{key} {_fmt(v)} on {self.label} vs {_fmt(r)} in distribution "
            f"({ref.label}): {_fmt(v - r, sign=True)}"
        )


def _relative(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return Path(path).relative_to(root).as_posix()
        except ValueError:
            pass
    return str(path)


def _fmt(value: float | None, sign: bool = False) -> str:
    """3 decimals, or 3 significant digits in scientific notation for tiny values."""
    if value is None:
        return "-"
    text = f"{value:+.3f}" if sign else f"{value:.3f}"
    if value != 0 and abs(value) < 0.01:
        text = f"{value:+.2e}" if sign else f"{value:.2e}"
    return text


def _table(rows: list[list[str]]) -> list[str]:
    """Left-aligned columns, two spaces apart, indented by two."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [
        "  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    ]
