"""``kerazoo.lr_find``: the learning-rate finder on the model a run would start from.

Kept apart from :mod:`kerazoo.training._lr_find` (the finder itself), which the run's
``--lr find`` uses: this module builds through the run's own value, its ``RunSpec``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from kerazoo.training._lr_find import LRFinding, _check_ramp, find_learning_rate

__all__ = ["lr_find"]


def lr_find(
    dataset: Any,
    architecture: Any,
    *,
    data: dict[str, Any] | None = None,
    hp: dict[str, Any] | None = None,
    batch_size: int = 64,
    train_size: int | None = None,
    seed: int = 0,
    out: str | os.PathLike[str] | None = None,
    start: float = 1e-7,
    end: float = 10.0,
    steps: int = 100,
    method: str = "valley",
    verbose: int = 0,
    **options: Any,
) -> LRFinding:
    """Build a model exactly as :func:`kerazoo.train` would, and find its learning rate.

    The run's training split, builder settings and seeded weights (the same model as
    ``kerazoo.train`` with these settings starts from); then :func:`find_learning_rate`
    ramps the rate over at most ``steps`` batches; the picture is written to ``out``.

    Args:
        dataset: a dataset name (configured by ``data``) or a :class:`kerazoo.Dataset`.
        architecture: an architecture name (configured by ``hp``) or an Architecture.
        data: dataset options, e.g. ``{"size": 32}``.
        hp: architecture hyperparameters.
        batch_size: images per batch (default 64; the rate that suits depends on it: use the
            run's).
        train_size: training images, cycled if the ramp needs more batches (default: the
            run's own, 4000 or 0.7 of a folder; the normalisation adapts on them).
        seed: seeds the data, the weights and the batch order, as in a run (default 0).
        out: write the picture there, in the format its suffix names (``.png``, ``.jpg``...).
        start: the first rate of the ramp.
        end: the last rate of the ramp.
        steps: the most batches in the ramp.
        method: which suggestion is ``suggestion``: one of :data:`METHODS`.
        verbose: 1 prints progress.
        **options: the other training settings of
            :data:`~kerazoo.training._settings.SETTINGS`, as :func:`kerazoo.train` takes them:
            ``optimizer``, ``encoding``, ``augment``, ``val_size``, ``schedule``, ...

    Returns:
        An :class:`LRFinding` (``path`` set when ``out`` was given).

    Raises:
        UnknownNameError, InvalidOptionError, IncompatibleError: as :func:`kerazoo.train`.

    Example:
        >>> f = kerazoo.lr_find("shapes", "lenet", out="lr.png")  # doctest: +SKIP
        >>> f.suggestion                                          # doctest: +SKIP
        0.0021
    """
    from kerazoo.training._run import resolve_plugins
    from kerazoo.training._session import seeded
    from kerazoo.training._settings import SETTINGS, check_run_compatible, check_settings
    from kerazoo.training._sizes import check_split_memory, split_sizes

    named = locals()  # the settings are the parameters that SETTINGS names, and **options
    given = {k: named[k] for k in SETTINGS if k in named and named[k] is not None}
    cfg = check_settings({**given, **options})
    _check_ramp(start, end, steps, 0.98, 4.0, method)
    ds, arch = resolve_plugins(dataset, architecture, data or {}, hp or {}, "lr_find")
    check_run_compatible(arch, ds, cfg)  # before TensorFlow starts
    if out is not None:
        from kerazoo._files import check_output_file
        from kerazoo.data._preview import picture_format

        picture_format(out)  # a picture name it cannot write is refused before the ramp,
        check_output_file(out)  # and so is a device, FIFO or folder there
    cfg["train_size"], cfg["val_size"], cfg["test_size"] = split_sizes(
        cfg, ds.max_samples, ds.fixed_split
    )
    check_split_memory(ds, (cfg["train_size"], cfg["val_size"], cfg["test_size"]))
    with seeded(int(cfg["seed"]), cfg["deterministic"]):
        model, batches = _model_and_batches(ds, arch, cfg)
        finding = find_learning_rate(
            model, batches, start=start, end=end, steps=steps, method=method, verbose=verbose
        )
    finding.title = f"{arch.name} on {ds.name}, {cfg['optimizer']}, batch {cfg['batch_size']}"
    if out is not None:
        from kerazoo.training._lr_find_draw import draw_lr_find

        draw_lr_find(finding, out)
    return finding


def _model_and_batches(ds: Any, arch: Any, cfg: dict[str, Any]) -> tuple[Any, Any]:
    """The model and training batches of a run with these settings (as the run builds)."""
    from kerazoo.saving._info import ModelInfo
    from kerazoo.training._spec import RunSpec

    run = RunSpec.create(ds, arch, cfg, Path("."))
    model = run.build_model(cfg["learning_rate"])
    return model, run.train_batches(ModelInfo.of(model), 0)
