"""``kerazoo look stats`` as one call: per-layer activation statistics of a saved model as a
table, a warning for dead or exploding layers, and a run's recorded picture redrawn
(:mod:`kerazoo.interpret._stats` computes and draws).

Example:
    >>> print("\\n".join(look_stats("runs/shapes-lenet").lines))        # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["StatsLook", "look_stats", "stats_table"]


@dataclass
class StatsLook:
    """What :func:`look_stats` found and wrote.

    Attributes:
        lines: what ``kerazoo look stats`` prints: the table, notes, pictures written.
        warning: the dead or exploding layers (also issued as an ``ActivationWarning``), or
            ``None``.
        written: the pictures written.
        note: which file of a run folder was read, when it was not ``model.keras``.
    """

    lines: list[str] = field(default_factory=list)
    warning: str | None = None
    written: list[Path] = field(default_factory=list)
    note: str | None = None


def stats_table(stats: dict[str, Any]) -> list[str]:
    """The first record of :func:`~kerazoo.interpret.layer_stats` as table lines: per
    layer, values per image, mean, std, gain over its input's std, zero and dead shares."""
    lines = [
        f"{'layer':<16} {'values/image':>12} {'mean':>10} {'std':>10} {'gain':>8} "
        f"{'zero':>6} {'dead':>6} {'units':>6}"
    ]
    for i, name in enumerate(stats["layers"]):
        given = stats["input_std"][0, i]
        gain = f"{stats['std'][0, i] / given:.3g}x" if given > 0 else "-"
        lines.append(
            f"{str(name):<16} {int(stats['size'][i]):>12} {stats['mean'][0, i]:>10.4g} "
            f"{stats['std'][0, i]:>10.4g} {gain:>8} {stats['near_zero'][0, i]:>6.0%} "
            f"{stats['dead_units'][0, i]:>6.0%} {int(stats['units'][i]):>6}"
        )
    lines.append(
        "gain: std over the std of the layer's input; zero: share of activations with "
        "|a| <= 1e-06; dead: share of units zero on every image"
    )
    return lines


def look_stats(
    model: str | Path,
    *,
    layers: Sequence[str] | None = None,
    images: Sequence[str | Path] | None = None,
    count: int = 64,
    seed: int = 1,
    out: str | Path | None = None,
) -> StatsLook:
    """Activation statistics of a saved model; for a run folder trained with ``stats``, its
    recorded picture redrawn too.

    Args:
        model: a saved model, or a run folder (its ``model.keras``; an unfinished run has
            only its recorded statistics).
        layers: the layers to look at (default: those with weights or an activation).
        images, count, seed: image files, or ``count`` fresh samples of the model's dataset.
        out: the picture: the run's recorded statistics redrawn (default: its
            ``activation_stats.png``), or else these statistics as histograms, before and
            after each activation function (default: none).

    Returns:
        A :class:`StatsLook`; a dead or exploding layer is also an ``ActivationWarning``.
    """
    from kerazoo.interpret._stats import FILE, ActivationWarning

    path = Path(model)
    recorded = path / FILE if path.is_dir() and (path / FILE).is_file() else None
    done = StatsLook()
    if recorded is None or (path / "model.keras").is_file():
        done.warning = _live(path, done, (layers, images, count, seed), out, recorded is None)
    else:
        done.lines.append(f"note: {path} has no model.keras yet (the run did not finish)")
    if recorded is not None:
        _redraw(path, recorded, done, out)
    if done.warning:
        warnings.warn(done.warning, ActivationWarning, stacklevel=2)
    return done


def _title(path: Path) -> str:
    return f"Activations of {path.name if path.is_dir() else path}"


def _live(path: Path, done: StatsLook, which: tuple, out: Any, draw: bool) -> str | None:
    """The statistics of the saved model on the images; their table into ``done``."""
    from kerazoo.interpret import _probe as probe
    from kerazoo.interpret._look_images import look_images
    from kerazoo.interpret._stats import activation_warning, draw_activation_stats, layer_stats
    from kerazoo.saving._load import model_file

    layers, files, count, seed = which
    found, done.note = model_file(path)
    model, info = probe.load(found)
    pixels, _, notes = look_images(info, files, count, seed)
    done.lines += [f"note: {n}" for n in notes]
    stats = layer_stats(model, pixels, list(layers) if layers else None)
    done.lines += stats_table(stats)
    if out and draw:
        written = draw_activation_stats(stats, out, title=_title(path))
        done.written.append(written)
        done.lines.append(f"Wrote {written}")
    return activation_warning(stats)


def _redraw(path: Path, recorded: Path, done: StatsLook, out: Any) -> None:
    from kerazoo.interpret._stats import PICTURE, draw_activation_stats, read_stats

    target = Path(out) if out else path / PICTURE
    history = read_stats(recorded)
    draw_activation_stats(history, target, title=_title(path))
    done.written.append(target)
    done.lines.append(f"Redrew {target} from {recorded} ({len(history['step'])} records)")
