"""TensorBoard's HParams tab for an experiment of several runs (a comparison, a search): each
run a session, its hyperparameters against its metrics.

A :class:`Session` is one trial: its folder gets the HParams plugin's session summary (the
hyperparameters) and, in the folder itself or in subfolders (``test``, ``train``,
``validation``), scalars written with it. The experiment's own folder gets the experiment
summary: the hyperparameters shown (with the values seen as their domain where they are
strings or booleans, or ``key`` names) and the metrics, each a scalar tag in a session's
folder or one of its subfolders (``group``); the tab shows a metric's last value.

The hyperparameters shown are those that tell the trials apart: the ``key`` names
(compare's ``variant`` and ``seed``) and those whose values differ between sessions (all of
them when there is one session). A value every trial shares stays in each session's summary
but is no column: TensorBoard shows the first five hyperparameters by name, so shared values
would hide the ones that differ.

Written with ``tf.summary`` and ``tensorboard.plugins.hparams.api``; writing again replaces
the event files directly in each folder written, so an experiment written twice shows each
trial once. Used by :mod:`kerazoo.experiments._compare_hparams` and
:mod:`kerazoo.experiments._tune_hparams`.

Example:
    >>> s = Session(Path("r/a"), "a", {"lr": 0.1}, {"test": {"epoch_loss": [(1, 0.5)]}})
    >>> write_sessions(Path("r"), [s], [Metric("epoch_loss", "test")])  # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Metric", "Session", "plain", "write_sessions"]

#: A scalar's points: ``[(step, value), ...]``.
Points = Sequence[tuple[int, float]]


@dataclass(frozen=True)
class Session:
    """One trial of the HParams tab.

    Attributes:
        dir: its folder (TensorBoard's run holding the session summary).
        trial_id: the name the tab gives the trial.
        values: its hyperparameters, as :func:`plain` makes them.
        scalars: subfolder (``""``: ``dir`` itself) -> tag -> points, written with it.
    """

    dir: Path
    trial_id: str
    values: Mapping[str, bool | int | float | str]
    scalars: Mapping[str, Mapping[str, Points]] = field(default_factory=dict)


@dataclass(frozen=True)
class Metric:
    """A metric of the tab: the scalar ``tag`` in each session's subfolder ``group``
    (``""``: the session's folder), shown as ``display`` (default ``"GROUP NAME"``)."""

    tag: str
    group: str = ""
    display: str = ""


def plain(value: Any) -> bool | int | float | str:
    """A hyperparameter as the HParams plugin takes it (``None`` is ``"auto"``).

    Example:
        >>> plain(None), plain(0.5), plain([1, 2])
        ('auto', 0.5, '[1, 2]')
    """
    if isinstance(value, bool | int | float | str):
        return value
    return "auto" if value is None else json.dumps(value)


def write_sessions(
    out: Path, sessions: Iterable[Session], metrics: Iterable[Metric], key: Iterable[str] = ()
) -> list[Path]:
    """Write every session and, when there is one, the experiment into ``out``; return the
    sessions' folders (none without ``tf.summary``).

    Args:
        out: the experiment's folder.
        sessions: the trials.
        metrics: the metrics the tab shows.
        key: names that identify a trial: always shown, their values a discrete domain.
    """
    from kerazoo.training._tensorboard import summaries_available

    if not summaries_available():
        return []
    import tensorflow as tf
    from tensorboard.plugins.hparams import api as hp

    written, seen = [], {}
    for session in sessions:
        for name, value in session.values.items():
            seen.setdefault(name, []).append(value)
        own = session.scalars.get("", {})
        _write(
            tf,
            session.dir,
            lambda s=session, o=own: (
                hp.hparams(dict(s.values), trial_id=s.trial_id),
                _scalars(tf, o),
            ),
        )
        for sub, tags in session.scalars.items():
            if sub:
                _write(tf, session.dir / sub, lambda t=tags: _scalars(tf, t))
        written.append(session.dir)
    if written:
        key = list(key)
        shown = [n for n in seen if n in key or len(written) == 1 or len(set(seen[n])) > 1]
        params = [hp.HParam(n, _domain(hp, seen[n], n in key)) for n in shown]
        results = [
            hp.Metric(m.tag, group=m.group or None, display_name=m.display or _display(m))
            for m in dict.fromkeys(metrics)
        ]
        _write(tf, out, lambda: hp.hparams_config(hparams=params, metrics=results))
    return written


def _display(metric: Metric) -> str:
    name = metric.tag.removeprefix("epoch_")
    return f"{metric.group} {name}" if metric.group else name


def _domain(hp: Any, values: list[Any], discrete: bool) -> Any:
    """The values seen as a discrete domain, where they are strings or booleans (or the
    name is a key) and of one type; else none (TensorBoard shows the values)."""
    kinds = {type(v) for v in values}
    if len(kinds) == 1 and (discrete or kinds <= {str, bool}):
        return hp.Discrete(sorted(set(values)))
    return None


def _scalars(tf: Any, tags: Mapping[str, Points]) -> None:
    for tag, points in tags.items():
        for step, value in points:
            tf.summary.scalar(tag, float(value), step=int(step))


def _write(tf: Any, folder: Path, summaries: Any) -> None:
    """Replace the event files directly in ``folder`` by what ``summaries()`` writes."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("events.out.tfevents.*"):
        old.unlink()
    writer = tf.summary.create_file_writer(str(folder))
    with writer.as_default():
        summaries()
    writer.close()
