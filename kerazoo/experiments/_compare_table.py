"""The comparison table: per variant the test metric's mean and spread over seeds, and a
verdict on whether its difference from the reference exceeds the seed noise.

The verdict is Welch's t-test at the 5% level, two-sided: ``t = (mean - ref_mean) / SE``
with ``SE = sqrt(s^2/n + s_ref^2/n_ref)`` (``s``: the sample standard deviation over
seeds), compared with the 97.5% quantile of Student's t at the Welch-Satterthwaite degrees
of freedom, rounded down (the safer side). Welch rather than Student: a variant may change
the spread as well as the mean. The quantiles come from a small table (:data:`T975`)
because only they are needed and scipy is not a dependency. With fewer than 2 finished
seeds on either side there is no spread to judge against: "one seed: no verdict".

Example:
    >>> welch([0.90, 0.92, 0.91], [0.80, 0.81, 0.79])["verdict"]
    'exceeds noise'
    >>> welch([0.90, 0.80], [0.86, 0.84])["verdict"]
    'within noise'
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kerazoo._files import write_text_atomic

__all__ = ["RULE", "T975", "Row", "Table", "welch"]

#: Student's t, 97.5% quantile (two-sided 5%), by degrees of freedom; above 30 the nearest
#: lower entry is used, and 1.960 beyond 120 (the normal quantile).
T975 = {
    1: 12.706,
    2: 4.303,
    3: 3.182,
    4: 2.776,
    5: 2.571,
    6: 2.447,
    7: 2.365,
    8: 2.306,
    9: 2.262,
    10: 2.228,
    11: 2.201,
    12: 2.179,
    13: 2.160,
    14: 2.145,
    15: 2.131,
    16: 2.120,
    17: 2.110,
    18: 2.101,
    19: 2.093,
    20: 2.086,
    21: 2.080,
    22: 2.074,
    23: 2.069,
    24: 2.064,
    25: 2.060,
    26: 2.056,
    27: 2.052,
    28: 2.048,
    29: 2.045,
    30: 2.042,
    40: 2.021,
    60: 2.000,
    120: 1.980,
}

RULE = (
    "verdict: Welch's t-test, two-sided at 5%: the difference from {ref} exceeds the seed "
    "noise when |t| = |mean - {ref} mean| / sqrt(s^2/n + s_{ref}^2/n_{ref}) is above "
    "Student's t quantile (97.5%) at the Welch-Satterthwaite degrees of freedom"
)


def _quantile(df: float) -> float:
    whole = max(1, math.floor(df))
    if whole > 120:
        return 1.960
    return T975[max(k for k in T975 if k <= whole)]


def welch(values: Sequence[float], reference: Sequence[float]) -> dict[str, Any]:
    """Welch's t-test of ``values`` against ``reference`` (see the module docstring).

    Returns:
        ``{"verdict", "t", "df", "critical"}``; the verdict is ``"exceeds noise"``,
        ``"within noise"`` or ``"one seed: no verdict"`` (then the numbers are ``None``).
    """
    a, b = np.asarray(values, float), np.asarray(reference, float)
    if len(a) < 2 or len(b) < 2:
        return {"verdict": "one seed: no verdict", "t": None, "df": None, "critical": None}
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    diff, se = a.mean() - b.mean(), math.sqrt(va + vb)
    if se == 0:  # every seed gave the same number on both sides
        same = diff == 0
        return {
            "verdict": "within noise" if same else "exceeds noise",
            "t": None,
            "df": None,
            "critical": None,
        }
    df = (va + vb) ** 2 / (
        (va**2 / (len(a) - 1) if va else 0) + (vb**2 / (len(b) - 1) if vb else 0)
    )
    crit, t = _quantile(df), diff / se
    verdict = "exceeds noise" if abs(t) > crit else "within noise"
    return {"verdict": verdict, "t": float(t), "df": float(df), "critical": crit}


@dataclass
class Row:
    """One variant's line of the table (``values``: the metric per finished seed)."""

    variant: str
    changes: str
    parameters: int | None
    seeds: list[int]
    values: list[float]
    status: str = "finished"
    train_seconds: float | None = None
    ms_per_image: float | None = None
    verdict: str = ""
    t: float | None = None
    df: float | None = None
    critical: float | None = None

    @property
    def mean(self) -> float | None:
        return float(np.mean(self.values)) if self.values else None

    @property
    def std(self) -> float | None:
        return float(np.std(self.values, ddof=1)) if len(self.values) > 1 else None


@dataclass
class Table:
    """The comparison: rows in variant order, the metric and the rule of the verdict."""

    dataset: str
    architecture: str
    metric: str
    higher_is_better: bool
    reference: str | None
    rows: list[Row] = field(default_factory=list)

    @property
    def rule(self) -> str:
        if self.reference is None:
            return "verdict: none (no baseline to compare with)"
        return RULE.format(ref=self.reference)

    def judge(self) -> None:
        """Fill each row's verdict against the reference row."""
        ref = next((r for r in self.rows if r.variant == self.reference), None)
        for row in self.rows:
            if ref is None or row is ref:
                row.verdict = "reference" if row is ref else "-"
                continue
            result = welch(row.values, ref.values)
            row.t, row.df, row.critical = result["t"], result["df"], result["critical"]
            row.verdict = result["verdict"]
            if row.verdict == "exceeds noise" and row.mean is not None and ref.mean is not None:
                better = (row.mean > ref.mean) == self.higher_is_better
                row.verdict = f"{'better' if better else 'worse'}: exceeds noise"

    def to_dict(self) -> dict[str, Any]:
        """What ``comparison.json`` holds."""
        rows = [{**asdict(r), "mean": r.mean, "std": r.std} for r in self.rows]
        return {
            "dataset": self.dataset,
            "architecture": self.architecture,
            "metric": f"test {self.metric}",
            "higher_is_better": self.higher_is_better,
            "reference": self.reference,
            "rule": self.rule,
            "rows": rows,
        }

    def csv_text(self) -> str:
        """What ``comparison.csv`` holds: one line per variant."""
        buf = io.StringIO()
        names = [
            "variant",
            "changes",
            "parameters",
            "metric",
            "mean",
            "std",
            "n_seeds",
            "values",
            "verdict",
            "t",
            "df",
            "critical",
            "status",
            "train_seconds",
            "ms_per_image",
        ]
        out = csv.DictWriter(buf, names, lineterminator="\n")
        out.writeheader()
        for r in self.rows:
            out.writerow(
                {
                    **{k: getattr(r, k) for k in names if hasattr(r, k)},
                    "metric": f"test_{self.metric}",
                    "n_seeds": len(r.values),
                    "values": " ".join(f"{v:.6g}" for v in r.values),
                    "mean": _g(r.mean),
                    "std": _g(r.std),
                }
            )
        return buf.getvalue()

    def write(self, folder: Path) -> tuple[Path, Path]:
        """Write ``comparison.csv`` and ``comparison.json`` into ``folder``."""
        doc = json.dumps(self.to_dict(), indent=2) + "\n"
        return (
            write_text_atomic(folder / "comparison.csv", self.csv_text()),
            write_text_atomic(folder / "comparison.json", doc),
        )

    def text(self) -> str:
        """The table as aligned text, the rule below it."""
        head = [
            "variant",
            "changes",
            "params",
            f"test {self.metric}",
            "verdict",
            "train s",
            "ms/image",
        ]
        lines = [head] + [_cells(r) for r in self.rows]
        widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
        right = {2, 5, 6}
        text = [
            "  ".join(
                c.rjust(w) if i in right else c.ljust(w)
                for i, (c, w) in enumerate(zip(line, widths, strict=True))
            ).rstrip()
            for line in lines
        ]
        text.insert(1, "-" * len(text[0]))
        better = "higher" if self.higher_is_better else "lower"
        note = f"test {self.metric}: mean +- standard deviation over seeds ({better} is better)"
        return "\n".join([*text, "", note, self.rule + "."])


def _g(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


def _cells(r: Row) -> list[str]:
    if r.mean is None:
        metric = "-"
    else:
        spread = f" +- {r.std:.4f}" if r.std is not None else ""
        metric = f"{r.mean:.4f}{spread} (n={len(r.values)})"
    verdict = r.verdict
    if r.t is not None:
        verdict += f" (t={r.t:+.2f}, crit {r.critical:.2f})"
    if r.status != "finished":
        verdict += f" [{r.status}]"
    return [
        r.variant,
        r.changes,
        _count(r.parameters),
        metric,
        verdict,
        "-" if r.train_seconds is None else f"{r.train_seconds:.1f}",
        "-" if r.ms_per_image is None else f"{r.ms_per_image:.3f}",
    ]


def _count(n: int | None) -> str:
    if n is None:
        return "-"
    if n >= 1_000_000:
        return f"{n / 1e6:.2f}M"
    return f"{n / 1e3:.1f}k" if n >= 10_000 else str(n)
