"""The comparison's pictures: overlaid validation curves (``curves.png``), the first
convolution's maximised filters of each variant side by side (``inside.png``) and, drawn by
:mod:`kerazoo.experiments._compare_classes`, each variant's class images (``classes.png``).

Example:
    >>> draw_curves("runs/cmp/curves.png", {"baseline": [Path("runs/cmp/baseline/seed-0")]},
    ...             table)                                              # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from kerazoo._errors import InvalidOptionError, option
from kerazoo.data._figure_text import figure_text
from kerazoo.experiments._compare_grid import draw_rows
from kerazoo.experiments._compare_table import Table
from kerazoo.interpret._pictures import save_figure
from kerazoo.training._rundir import read_history

__all__ = ["check_steps", "draw_curves", "draw_inside", "draw_pictures"]

#: Marker shapes of the variants' mean curves, in turn.
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
#: Filters shown per variant in ``inside.png``.
INSIDE_FILTERS = 8


def draw_curves(path: Path, runs: Mapping[str, Sequence[Path]], table: Table) -> Path:
    """Validation metric per epoch: one colour per variant, each seed a thin line, their
    mean a thick one (over the epochs every seed reached).

    Args:
        path: the PNG to write.
        runs: variant name -> its run folders, one per seed.
        table: the comparison (its metric names the curve).

    Returns:
        ``path``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 4.5))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    wanted = shown = f"val_{table.metric}"
    longest = 1
    for i, (name, dirs) in enumerate(runs.items()):
        colour, marker = f"C{i % 10}", _MARKERS[i % len(_MARKERS)]
        curves = []
        for run_dir in dirs:
            history = read_history(run_dir)
            key = wanted if wanted in history else "val_loss"
            shown = key if key != wanted else shown
            if history.get(key):
                curves.append(history[key])
                epochs = np.arange(1, len(curves[-1]) + 1)
                ax.plot(epochs, curves[-1], color=colour, lw=0.8, alpha=0.45)
        if curves:
            short = min(len(c) for c in curves)
            longest = max(longest, max(len(c) for c in curves))
            mean = np.mean([c[:short] for c in curves], axis=0)
            seeds = f"{len(curves)} seed{'s' if len(curves) > 1 else ''}"
            # hollow markers of different shapes: variants on the same point stay visible
            ax.plot(
                np.arange(1, short + 1),
                mean,
                color=colour,
                lw=2.6,
                marker=marker,
                ms=9,
                mfc="none",
                mew=1.8,
                label=figure_text(f"{name} ({seeds})"),
            )
    if longest <= 20:
        ax.set_xticks(range(1, longest + 1))
    else:
        ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("epoch")
    ax.set_ylabel(figure_text(shown.replace("_", " ")))
    ax.grid(alpha=0.3)
    ax.set_title(
        figure_text(
            f"{table.architecture} on {table.dataset}: {shown.replace('_', ' ')} per epoch "
            "(thin: one seed, thick: mean)"
        ),
        fontsize=10,
    )
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    return save_figure(fig, path)


def draw_inside(
    path: Path, models: Mapping[str, Path], table: Table, steps: int = 64
) -> Path | None:
    """One row per variant: images maximising the first convolution's filters
    (:func:`kerazoo.interpret.maximize_filters`) of the variant's first finished seed; of
    the first ``2 * INSIDE_FILTERS``, the ``INSIDE_FILTERS`` whose images vary most.

    Args:
        path: the PNG to write.
        models: variant name -> model file.
        table: the comparison (for the heading).
        steps: gradient-ascent steps.

    Returns:
        ``path``, or ``None`` when the models have no convolution layer (nothing drawn).
    """
    from kerazoo.interpret import _probe as probe
    from kerazoo.interpret._maximize import maximize_filters

    rows: list[list[np.ndarray | None]] = []
    titles: list[list[str]] = []
    labels: list[str] = []
    layers: set[str] = set()
    for name, file in models.items():
        model, _ = probe.load(file)
        convs = [
            n for n in probe.feature_layers(model) if "Conv" in type(model.get_layer(n)).__name__
        ]
        if not convs:
            continue
        width = int(model.get_layer(convs[0]).filters)
        chosen = list(range(min(2 * INSIDE_FILTERS, width)))
        images = maximize_filters(model, convs[0], chosen, steps=steps, seed=0)
        # a flat image (often all white: the filter likes brightness anywhere) says
        # little: show the filters whose images vary most, in filter order
        spread = images.reshape(len(images), -1).std(axis=1)
        keep = sorted(np.argsort(-spread, kind="stable")[:INSIDE_FILTERS].tolist())
        blank = INSIDE_FILTERS - len(keep)  # a variant with fewer filters: blank tiles
        rows.append([*images[keep], *[None] * blank])
        titles.append([*(f"#{i}" for i in keep), *[""] * blank])
        labels.append(f"{name} ({width})")
        layers.add(convs[0])
    if not rows:
        return None
    heading = (
        f"{table.architecture} on {table.dataset}: images that most excite the first "
        f"convolution's filters ({', '.join(sorted(layers))}, each variant's first finished "
        f"seed): of filters 0-{2 * INSIDE_FILTERS - 1}, the {INSIDE_FILTERS} whose images vary "
        "most; #: filter index; the variant's filter count in brackets"
    )
    return draw_rows(path, rows, titles, labels, heading)


def check_steps(**steps: int) -> None:
    """Refuse negative ascent steps of a picture (``inside=64, classes=200``) before
    anything trains.

    Raises:
        InvalidOptionError: steps that are not a whole number, 0 or more.
    """
    for word, value in steps.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidOptionError(
                f"{option(f'{word}_steps', value)}: the gradient-ascent steps of {word}.png "
                f"must be a whole number, 0 or more; 0 leaves out {word}.png."
            )


def draw_pictures(
    out: Path, models: Mapping[str, Path], table: Table, kind: str, steps: Mapping[str, int]
) -> tuple[list[Path], list[str]]:
    """``inside.png`` and ``classes.png``, each asked for by its steps (0: left out).

    Args:
        out: the comparison folder.
        models: variant name -> its first finished seed's model file.
        table: the comparison (for the headings).
        kind: the task kind (to say why a classless task has no ``classes.png``).
        steps: ``{"inside": N, "classes": M}``: gradient-ascent steps per picture.

    Returns:
        ``(pictures written, notes)``: a note per picture asked for and not drawn, saying
        why (``"No inside.png: the models have no convolution layer."``).
    """
    from kerazoo.experiments._compare_classes import draw_classes

    asked = {
        "inside": (draw_inside, "the models have no convolution layer"),
        "classes": (draw_classes, f"a {kind} task has no classes to maximise"),
    }
    files, notes = [], []
    for word, (draw, why) in asked.items():
        if not steps.get(word):
            continue
        path = draw(out / f"{word}.png", models, table, steps[word]) if models else None
        files += [path] if path else []
        if path is None:
            why = why if models else "no variant has a finished run"
            notes.append(f"No {word}.png: {why}.")
    return files, notes
