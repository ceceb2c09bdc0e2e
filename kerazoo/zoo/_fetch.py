"""A zoo entry as a run folder of one's own (:func:`fetch_zoo`), and its recipe checked
again (:func:`verify_zoo`).

Example:
    >>> import kerazoo
    >>> kerazoo.fetch_zoo("lenet-shapes", "runs/lenet")                # doctest: +SKIP
    PosixPath('runs/lenet')
    >>> kerazoo.verify_zoo("lenet-traffic-lights", seeds=2).within     # doctest: +SKIP
    True
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from kerazoo._errors import InvalidOptionError, OutputError
from kerazoo.saving._zoo import CARD_NAME, zoo_model
from kerazoo.zoo._card import get_zoo
from kerazoo.zoo._recipe import RecipeRun, run_recipe

__all__ = ["RELATIVE_FLOOR", "ZooVerification", "fetch_zoo", "verify_zoo"]

#: The card's sd counts as at least this share of its mean (a metric every seed gets
#: exactly, such as 100% accuracy, still allows a tiny difference).
RELATIVE_FLOOR = 0.01
_FILES = ("run.json", "history.csv", CARD_NAME)


def fetch_zoo(name: str, out: str | os.PathLike[str]) -> Path:
    """Copy zoo entry ``name`` into the run folder ``out``: ``model.keras`` (hash checked),
    ``run.json``, ``history.csv``, ``card.json``, then ``evaluation/`` (an evaluation on
    500 fresh images of its own data) and ``report.html``.

    Raises:
        UnknownNameError: no such entry.
        ModelFileError: the shipped file does not match its card.
        OutputError: ``out`` exists and is not an empty folder.

    Example:
        >>> kerazoo.fetch_zoo("lenet-shapes", "runs/lenet")            # doctest: +SKIP
        PosixPath('runs/lenet')
    """
    from kerazoo.evaluation._evaluate import evaluate
    from kerazoo.report._write import write_report

    card = get_zoo(name)
    model = zoo_model(card.name)
    target = Path(out)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise OutputError(
            f"'{target}' exists and is not an empty folder: zoo get writes a new run folder. "
            "Choose another --out, or remove that one.",
            target,
        )
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(model, target / "model.keras")
    for file in _FILES:
        shutil.copyfile(card.folder / file, target / file)
    evaluate(target, out=target / "evaluation")
    write_report(target)
    return target


@dataclass(frozen=True)
class ZooVerification:
    """A recipe trained again and compared with its card.

    Attributes:
        name: the entry.
        metric: the metric's name (``"test.accuracy"``).
        card_mean, card_sd: the card's mean and sd over its seeds.
        values: this verification's values, one per seed (0, 1, ...).
        mean: their mean.
        allowed: the largest difference of means that passes: 2 x max(card sd,
            :data:`RELATIVE_FLOOR` x card mean).
        within: whether ``|mean - card_mean| <= allowed``.
        runs: the run folders trained.
    """

    name: str
    metric: str
    card_mean: float
    card_sd: float
    values: list[float]
    mean: float
    allowed: float
    within: bool
    runs: list[Path] = field(default_factory=list)

    def lines(self) -> list[str]:
        """What ``kerazoo zoo verify`` prints."""
        verdict = "within" if self.within else "NOT within"
        return [
            f"{self.metric} per seed: {', '.join(f'{v:.4f}' for v in self.values)}",
            f"mean {self.mean:.4f}; card {self.card_mean:.4f} +- {self.card_sd:.4f}: "
            f"{verdict} 2 sd (difference {abs(self.mean - self.card_mean):.4f}, "
            f"allowed {self.allowed:.4f})",
        ]


def verify_zoo(
    name: str, seeds: int = 5, out: str | os.PathLike[str] | None = None
) -> ZooVerification:
    """Train zoo entry ``name`` again by its card's recipe for seeds ``0 .. seeds-1`` and
    compare the mean of its test metric with the card's.

    Args:
        name: the entry (with or without ``zoo:``).
        seeds: how many seeds to train (1 to 5 is what the card has).
        out: where the runs go (``out/seed-N``); default: a temporary folder, removed.

    Raises:
        InvalidOptionError: ``seeds`` below 1.
        DataError: a run failed.

    Example:
        >>> kerazoo.verify_zoo("counter-quads-circles-1-20", seeds=1)  # doctest: +SKIP
        ZooVerification(name='counter-quads-circles-1-20', ..., within=True, ...)
    """
    if seeds < 1:
        raise InvalidOptionError(f"seeds must be 1 or more, got {seeds}. Example: seeds=2")
    card = get_zoo(name)
    metric = card.metric
    with tempfile.TemporaryDirectory(prefix="kerazoo-verify-") as tmp:
        base = Path(out) if out is not None else Path(tmp)
        runs = [_seed(card.recipe, metric["name"], s, base) for s in range(seeds)]
    values = [r.value for r in runs]
    mean = statistics.fmean(values)
    allowed = 2 * max(metric["sd"], RELATIVE_FLOOR * abs(metric["mean"]))
    return ZooVerification(
        name=card.name,
        metric=metric["name"],
        card_mean=metric["mean"],
        card_sd=metric["sd"],
        values=values,
        mean=mean,
        allowed=allowed,
        within=abs(mean - metric["mean"]) <= allowed,
        runs=[r.dir for r in runs] if out is not None else [],
    )


def _seed(recipe: str, metric: str, seed: int, base: Path) -> RecipeRun:
    return run_recipe(recipe, metric, seed, base / f"seed-{seed}")
