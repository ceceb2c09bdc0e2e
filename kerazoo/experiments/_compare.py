"""Variants side by side over seeds: every (variant, seed) an ordinary run folder, then one
table, overlaid curves and the looking-inside pictures (first-layer filters, and the classes).

``OUT/<variant>/seed-<n>/`` is trained with :func:`kerazoo.train` (``seed=n``: the seed fixes
the data and the weights, so every variant of a seed sees the same images unless it changes
a dataset option). A run whose ``run.json`` says ``finished`` (or ``diverged``) is reused and
any other is resumed, so running the same comparison again continues where it stopped and
ends with the same table. Train time is the sum of the run's completed epochs
(``OUT/times.json``); inference is :class:`kerazoo.Predictor` on a fixed batch.

Example:
    >>> result = compare("shapes", "chopped_vgg", ["half: width=0.5"], seeds=2,
    ...                  epochs=1, data={"size": 16}, train_size=100)  # doctest: +SKIP
    >>> print(result)                                                  # doctest: +SKIP
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from kerazoo._errors import DivergedError, InvalidOptionError, option
from kerazoo._extensions import make_callbacks
from kerazoo._files import write_text_atomic
from kerazoo.experiments._compare_table import Row, Table
from kerazoo.experiments._variants import (
    BASELINE,
    Variant,
    check_variant,
    key_tables,
    locate,
    make_variants,
    parse_seeds,
)
from kerazoo.interpret._maximize_pictures import STEPS
from kerazoo.training._tracking import tracked_comparison

__all__ = ["Comparison", "compare", "default_dir"]

#: The test metric per task kind, and whether higher is better.
METRICS = {
    "classification": ("accuracy", True),
    "regression": ("mae", False),
    "reconstruction": ("mse", False),
}
_DONE = ("finished", "diverged")


@dataclass
class Comparison:
    """What :func:`compare` made: the table and where its files are.

    Attributes:
        dir: the comparison folder (``OUT``).
        table: the :class:`~kerazoo.experiments._compare_table.Table`; ``str()`` prints it.
        files: ``comparison.csv``, ``comparison.json``, ``curves.png``, (conv layers)
            ``inside.png`` and (classification) ``classes.png``.
        notes: why a picture asked for was not drawn (``"No inside.png: the models have
            no convolution layer."``), one line each.
    """

    dir: Path
    table: Table
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return self.table.text()


@dataclass(frozen=True)
class _Plan:
    dataset: str
    architecture: str
    variants: list[Variant]
    seeds: list[int]
    checked: dict[str, tuple[Any, Any, dict[str, Any]]]
    out: Path
    say: Callable[[str], None]


def compare(
    dataset: str,
    architecture: str,
    variants: Mapping[str, Mapping[str, Any]] | Iterable[str] = (),
    *,
    seeds: int | str | Iterable[int] = 3,
    data: Mapping[str, Any] | None = None,
    hp: Mapping[str, Any] | None = None,
    shared: Mapping[str, Any] | None = None,
    out: str | Path | None = None,
    baseline: bool = True,
    verbose: bool = True,
    inside_steps: int = 64,
    classes_steps: int = STEPS,
    callbacks: Iterable[Any] = (),
    track: str | None = None,
    **settings: Any,
) -> Comparison:
    """Train every variant over every seed, then tabulate and draw the comparison.

    Args:
        dataset, architecture: names, as for :func:`kerazoo.train`.
        variants: ``["half: width=0.5", ...]`` or ``{"half": {"width": 0.5}}``; each key a
            hyperparameter, dataset option or training setting (``hp.``/``data.``/
            ``train.`` where two share a name).
        seeds: a count (3: seeds 0, 1, 2) or the seeds.
        data, hp: dataset options and hyperparameters for every variant.
        shared: changes for every variant in variant syntax (keys found as for a variant).
        out: the comparison folder (default ``runs/compare-DATASET-ARCH-TIME``); an
            existing one is continued.
        baseline: include ``baseline`` (no changes) first and judge the others against it.
        verbose: print a progress line per run and the table.
        inside_steps: gradient-ascent steps of ``inside.png``'s maximised images (0: none).
        classes_steps: gradient-ascent steps of ``classes.png``'s images, each class's
            logit maximised as ``kerazoo look maximize --classes`` does (0: none; the
            default is that command's).
        callbacks: Keras callbacks, or names of installed ones (made fresh for each run),
            added to every run.
        track: an MLflow tracking URI (as for :func:`kerazoo.train`; default
            ``KERAZOO_TRACKING_URI``): one parent run for the comparison, one child per run.
        **settings: training settings for every variant (``epochs``, ``train_size``, ...).

    Returns:
        A :class:`Comparison`.

    Raises:
        UnknownNameError, InvalidOptionError: a key or value that does not fit, named with
            its variant, or negative steps, before anything trains.
    """
    from kerazoo.experiments._compare_draw import check_steps

    check_steps(inside=inside_steps, classes=classes_steps)
    plan = _plan(
        dataset, architecture, variants, seeds, data, hp, shared, out, baseline, verbose, settings
    )
    callbacks = list(callbacks)
    make_callbacks(callbacks)  # an unknown name is refused before anything trains
    total = len(plan.variants) * len(plan.seeds)
    plan.say(
        f"compare: {len(plan.variants)} variants x {len(plan.seeds)} seeds = {total} "
        f"runs in {plan.out}"
    )
    k = 0
    with tracked_comparison(track, plan.dataset, plan.architecture, plan.out, plan):
        for seed in plan.seeds:  # seed by seed: the first full table needs one pass
            for variant in plan.variants:
                k += 1
                label = f"[{k}/{total}] {variant.name} seed {seed}"
                _run_one(plan, variant, seed, label, callbacks)
        return _finish(plan, inside_steps, classes_steps)


def default_dir(dataset: str, architecture: str) -> Path:
    """``runs/compare-DATASET-ARCH-YYYYmmdd-HHMMSS``."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"compare-{dataset}-{architecture}-{stamp}"


def _plan(
    dataset, architecture, variants, seeds, data, hp, shared, out, baseline, verbose, settings
) -> _Plan:
    if "seed" in settings:
        seed = settings["seed"]
        raise InvalidOptionError(
            f"compare runs every variant over {option('seeds')}; got {option('seed', seed)}. "
            f"Give {option('seeds', 3)} (seeds 0, 1, 2) or {option('seeds', seed)}."
        )
    tables = key_tables(dataset, architecture)
    common: dict[str, dict[str, Any]] = {"hp": {}, "data": {}, "train": {}}
    for key, value in (shared or {}).items():
        prefix, name = locate(key, tables, "shared")
        common[prefix][name] = value
    common["hp"].update(hp or {})
    common["data"].update(data or {})
    common["train"].update(settings)
    found = make_variants(variants, tables, baseline)
    checked = {v.name: check_variant(v, dataset, architecture, common) for v in found}
    for name, (_, _, cfg) in checked.items():
        if cfg["test_size"] == 0:
            raise InvalidOptionError(
                f"compare judges each variant by its held-out test metric, but {name!r} has "
                f"{option('test_size', 0)}: give a test split (the default is as many images "
                "as the validation split)."
            )
    folder = Path(out) if out is not None else default_dir(dataset, architecture)
    say = (lambda line: print(line, flush=True)) if verbose else (lambda line: None)
    return _Plan(dataset, architecture, found, parse_seeds(seeds), checked, folder, say)


def _run_one(plan: _Plan, variant: Variant, seed: int, label: str, callbacks: list[Any]) -> None:
    """Train, resume or reuse ``OUT/<variant>/seed-<n>``."""
    from kerazoo.training._run import train

    run_dir = plan.out / variant.folder / f"seed-{seed}"
    ds, arch, settings = plan.checked[variant.name]
    settings = {**settings, "seed": seed}
    saved = _saved(run_dir)
    if saved is not None:
        _check_same(run_dir, saved, ds, arch, settings)
        if saved.get("status") in _DONE and saved["settings"]["epochs"] == settings["epochs"]:
            plan.say(f"{label}: {saved['status']} earlier, reused{_result(saved)}")
            return
    plan.say(
        f"{label}: {'resuming (' + str(saved.get('status')) + ')' if saved else 'training'} ..."
    )
    clock = _clock()
    extra = [clock, *callbacks]
    try:
        if saved is not None:
            train(None, None, out=run_dir, resume=True, verbose=0, callbacks=extra, **settings)
        else:
            train(ds, arch, out=run_dir, verbose=0, callbacks=extra, **settings)
    except DivergedError:
        pass  # run.json says diverged: the table shows it
    finally:
        _add_time(plan.out, run_dir, sum(clock.epoch_seconds))
    done = _saved(run_dir) or {}
    plan.say(f"{label}: {done.get('status')}{_result(done)} in {sum(clock.epoch_seconds):.1f} s")


def _saved(run_dir: Path) -> dict[str, Any] | None:
    path = run_dir / "run.json"
    return json.loads(path.read_text()) if path.is_file() else None


def _result(saved: Mapping[str, Any]) -> str:
    test = (saved.get("test") or {}).items()
    shown = ", ".join(f"test {k} {v:.4g}" for k, v in test if k not in ("loss", "cross_entropy"))
    return f" ({shown})" if shown else ""


def _check_same(
    run_dir: Path, saved: Mapping[str, Any], ds: Any, arch: Any, settings: Mapping[str, Any]
) -> None:
    """Refuse to reuse a run made with other options: the table would mix experiments."""
    from kerazoo.training._settings import SETTINGS

    differ = [
        f"dataset option {k}: run {v!r}, now {ds.options_json().get(k)!r}"
        for k, v in saved["dataset"]["options"].items()
        if ds.options_json().get(k) != v
    ]
    own = arch.hyperparameters_json()
    differ += [
        f"hyperparameter {k}: run {v!r}, now {own.get(k)!r}"
        for k, v in saved["architecture"]["hyperparameters"].items()
        if own.get(k) != v
    ]
    differ += [
        f"setting {k}: run {saved['settings'].get(k)!r}, now {v!r}"
        for k, v in settings.items()
        if k != "epochs" and v is not None and k in saved["settings"] and saved["settings"][k] != v
    ]
    before, now = saved["settings"].get("epochs", 0), settings["epochs"]
    if before > now or (before < now == SETTINGS["epochs"].default):
        # kerazoo.train(resume=True) reads epochs equal to the default as "not given"
        differ.append(f"epochs: run {before}, now {now}")
    if differ:
        raise InvalidOptionError(
            f"{run_dir} was trained with other options than this comparison asks for "
            f"({'; '.join(differ)}). Continue a comparison with the same variants and "
            "settings (epochs may grow), or give another --out."
        )


def _clock() -> Any:
    """A Keras callback that records each completed epoch's seconds."""
    import keras

    class EpochClock(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.epoch_seconds: list[float] = []
            self.start = 0.0

        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            self.epoch_seconds.append(time.perf_counter() - self.start)

    return EpochClock()


def _add_time(out: Path, run_dir: Path, seconds: float) -> None:
    if not run_dir.is_dir():
        return
    times = _times(out)
    key = run_dir.relative_to(out).as_posix()
    times[key] = times.get(key, 0.0) + seconds
    write_text_atomic(out / "times.json", json.dumps(times, indent=2, sort_keys=True) + "\n")


def _times(out: Path) -> dict[str, float]:
    path = out / "times.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def _finish(plan: _Plan, inside_steps: int, classes_steps: int) -> Comparison:
    """The table, its files and the pictures."""
    from kerazoo.experiments._compare_draw import draw_curves, draw_pictures

    table, models = _table(plan)
    files = list(table.write(plan.out))
    runs = {v.name: [plan.out / v.folder / f"seed-{s}" for s in plan.seeds] for v in plan.variants}
    files.append(draw_curves(plan.out / "curves.png", runs, table))
    kind = plan.checked[plan.variants[0].name][0].task.kind
    steps = {"inside": inside_steps, "classes": classes_steps}
    drawn, notes = draw_pictures(plan.out, models, table, kind, steps)
    files += drawn
    plan.say("\n" + table.text())
    plan.say("Files: " + ", ".join(str(f) for f in files))
    for note in notes:
        plan.say(note)
    if _write_hparams(plan):
        plan.say(
            f"TensorBoard (HParams tab: every variant and seed): tensorboard --logdir {plan.out}"
        )
    return Comparison(plan.out, table, files, notes)


def _write_hparams(plan: _Plan) -> list[Path]:
    """TensorBoard's HParams data of every run that writes event files (see
    :mod:`kerazoo.experiments._compare_hparams`)."""
    from kerazoo.experiments._compare_hparams import Trial, write_hparams

    data = tuple(dict.fromkeys(k for v in plan.variants for k in v.data))
    settings = tuple(dict.fromkeys(k for v in plan.variants for k in v.settings))
    trials = [
        Trial(plan.out / v.folder / f"seed-{seed}", v.name, seed, (data, settings))
        for v in plan.variants
        for seed in plan.seeds
        if plan.checked[v.name][2].get("tensorboard", True)
    ]
    return write_hparams(plan.out, trials)


def _table(plan: _Plan) -> tuple[Table, dict[str, Path]]:
    """The judged table, and each variant's first finished model (for the pictures)."""
    kind = plan.checked[plan.variants[0].name][0].task.kind
    metric, higher = METRICS.get(kind, ("loss", False))
    reference = plan.variants[0].name if plan.variants[0].name == BASELINE else None
    table = Table(plan.dataset, plan.architecture, metric, higher, reference)
    times, models = _times(plan.out), {}
    for v in plan.variants:
        row = Row(v.name, v.describe(), None, [], [])
        spent, statuses = [], []
        for seed in plan.seeds:
            run_dir = plan.out / v.folder / f"seed-{seed}"
            saved = _saved(run_dir) or {}
            statuses.append(saved.get("status", "missing"))
            if statuses[-1] == "finished" and metric in (saved.get("test") or {}):
                row.seeds.append(seed)
                row.values.append(float(saved["test"][metric]))
                models.setdefault(v.name, run_dir / "model.keras")
            if run_dir.relative_to(plan.out).as_posix() in times:
                spent.append(times[run_dir.relative_to(plan.out).as_posix()])
        bad = [s for s in statuses if s != "finished"]
        row.status = "finished" if not bad else f"{len(bad)} of {len(statuses)} {bad[0]}"
        row.train_seconds = sum(spent) / len(spent) if spent else None
        if v.name in models:
            row.parameters, row.ms_per_image = _measure(models[v.name], plan.checked[v.name][0])
        table.rows.append(row)
    table.judge()
    return table, models


def _measure(model_path: Path, dataset: Any, n: int = 64, repeats: int = 3) -> tuple[int, float]:
    """Parameters, and the best of ``repeats`` timings of a Predictor on ``n`` fixed images."""
    import logging

    from kerazoo.predict._predictor import Predictor

    predictor = Predictor.load(model_path, check_shift=False)
    images = dataset.generate(n, seed=12345).images
    tf_log = logging.getLogger("tensorflow")
    level = tf_log.level
    tf_log.setLevel(logging.ERROR)  # one Predictor per model: TF warns that it retraces
    try:
        predictor.predict(images, batch_size=n)  # the first call builds the serving function
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            predictor.predict(images, batch_size=n)
            best = min(best, time.perf_counter() - start)
    finally:
        tf_log.setLevel(level)
    return int(predictor.model.count_params()), 1000 * best / n
