"""``kerazoo.evaluate``: a saved model on fresh data, its own or shifted, with the
in-distribution reference beside a shifted evaluation.

Example:
    >>> import kerazoo
    >>> result = kerazoo.evaluate("runs/shapes-lenet", "shapes", options={"noise": 0.3},
    ...                           out="runs/shapes-lenet/evaluation-noise")  # doctest: +SKIP
    >>> print(result.gap_line())                                             # doctest: +SKIP
    accuracy 0.410 on shapes(noise=0.3) vs 0.980 in distribution (shapes(size=32)): -0.570
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from kerazoo._errors import IncompatibleError, InvalidOptionError
from kerazoo._params import check_seed
from kerazoo.data._dataset import Dataset, Samples
from kerazoo.evaluation._data import (
    check_fits,
    describe,
    load_keras_model,
    own_dataset,
    read_for_evaluation,
    resolve_data,
)
from kerazoo.evaluation._result import Evaluation
from kerazoo.evaluation._score import score
from kerazoo.saving._info import ModelInfo

__all__ = ["default_seed", "evaluate"]


def default_seed(info: ModelInfo | None) -> int:
    """The seed fresh images are drawn from: one training never used for the model's data.

    Training draws its train / validation / test splits from one ``generate`` call with
    ``info.dataset.seed``; evaluation draws from that seed ``+ 1`` (``1`` when the model
    records no seed).

    Example:
        >>> default_seed(None)
        1
    """
    seed = None if info is None or info.dataset is None else info.dataset.seed
    return 1 if seed is None else int(seed) + 1


def _check_counts(*, seed: int | None, **counts: Any) -> int | None:
    """Refuse a count below 1 or a bad seed before anything is loaded; return the seed."""
    for name, value in counts.items():
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise InvalidOptionError(f"{name} must be an integer >= 1, got {value!r}.")
    return None if seed is None else check_seed(seed)


def evaluate(
    model: Any,
    data: str | os.PathLike[str] | Dataset | None = None,
    *,
    options: Mapping[str, Any] | None = None,
    n: int = 500,
    seed: int | None = None,
    out: str | os.PathLike[str] | None = None,
    batch_size: int = 64,
    top: int = 16,
    reference: bool = True,
) -> Evaluation:
    """Evaluate a model on fresh images: its own kind of data, or shifted data.

    When the data differs from what the model was trained on (another dataset, other
    options, a folder), the model is also evaluated on ``n`` fresh images of its own
    training dataset and options (the in-distribution reference), and the summary shows
    both figures and the gap.

    Args:
        model: a ``.keras`` file, a run folder (its ``model.keras``; an unfinished run's
            ``best.keras`` or ``checkpoint.keras``, with a warning), or a loaded model
            with kerazoo metadata (from :func:`kerazoo.build` or :func:`kerazoo.load_model`).
        data: ``None`` (the model's own dataset and options, from its metadata), a
            dataset name (the model's own dataset name starts from its training options;
            ``options`` change some), a :class:`kerazoo.Dataset`, or a folder with one
            sub-folder of images per class (read at the model's input size).
        options: dataset options, e.g. ``{"noise": 0.3}``.
        n: how many images (a folder may have fewer: all of them are used).
        seed: the images' seed. Default: the training seed + 1 (training drew its
            train / validation / test splits from one call with its own seed), so the
            images are fresh; see :func:`default_seed`.
        out: a folder for ``metrics.json`` and the pictures (the reference's pictures go
            in ``out/reference/``); ``None``: write nothing. :func:`evaluation_folder`
            gives the folder ``kerazoo evaluate`` writes to by default.
        batch_size: images per model call.
        top: how many images the top-losses and samples pictures show.
        reference: also evaluate in distribution when the data is shifted.

    Returns:
        The :class:`Evaluation` (``.reference`` set for shifted data).

    Raises:
        IncompatibleError: data of another size, channel count or task than the model,
            classes it does not know, or a model without metadata and no ``data``.
        UnknownNameError: an unknown dataset name (the message suggests close ones).
        DataError: a folder that is not one, or has no class sub-folders.

    Example:
        >>> r = kerazoo.evaluate("runs/shapes-lenet/model.keras", n=200)   # doctest: +SKIP
        >>> print(r.summary())                                             # doctest: +SKIP
    """
    from kerazoo.predict._predictor import Predictor
    from kerazoo.predict._shift import warn_shift

    seed = _check_counts(n=n, batch_size=batch_size, top=top, seed=seed)
    model, info, source = read_for_evaluation(model)
    model_arg = model
    dataset = resolve_data(data, options, info)
    if info is not None:
        check_fits(dataset, info)  # before keras starts: a wrong size is refused at once
    model = load_keras_model(model)
    if info is None:
        info = _plain_info(Predictor(model, None, source=source), dataset)
    label_map = check_fits(dataset, info)
    seed = default_seed(info) if seed is None else seed
    own, why = own_dataset(info) if reference else (None, "")
    if own is not None and _same(own, dataset):
        own = None
    predictor = Predictor(model, info, source=source, check_shift=False)
    folder = None if out is None else Path(out)
    samples = _relabel(dataset.generate(n, seed=seed), label_map)
    warn_shift(info, samples.images, where="evaluate", stacklevel=3)
    base = own.options_json() if own is not None and type(own) is type(dataset) else None
    kw = {"split": "fresh", "batch_size": batch_size, "top": top}
    result = score(
        predictor,
        info,
        samples,
        out=folder,
        dataset=_record(dataset, seed),
        label=describe(dataset, base),
        source=dataset,
        **kw,
    )
    if isinstance(model_arg, Path):
        result.model["file"] = model_arg.name
    if len(samples) < n:
        result.notes.append(f"{result.label} has {len(samples)} images (n={n} asked): all used")
    if own is not None:
        _score_reference(
            result, predictor, info, own, n=len(samples), seed=seed, folder=folder, **kw
        )
    elif reference and why and not _same_record(info, dataset):
        result.notes.append(f"no in-distribution reference: {why}")
    if folder is not None:
        result.write_json(folder / "metrics.json")
    return result


def _score_reference(
    result: Evaluation,
    predictor: Any,
    info: ModelInfo,
    own: Dataset,
    *,
    n: int,
    seed: int,
    folder: Path | None,
    **kw: Any,
) -> None:
    """Score ``n`` fresh images of the model's own data into ``result.reference``, or say
    in ``result.notes`` why there is no in-distribution reference."""
    try:
        own_map = check_fits(own, info)
    except IncompatibleError as exc:
        result.notes.append(f"no in-distribution reference: {exc}")
        return
    ref = _relabel(own.generate(n, seed=seed), own_map)
    result.reference = score(
        predictor,
        info,
        ref,
        out=None if folder is None else folder / "reference",
        dataset=_record(own, seed),
        label=describe(own),
        **kw,
    )
    result.reference.model = dict(result.model)


def _plain_info(predictor: Any, dataset: Dataset) -> ModelInfo:
    """Metadata for a plain Keras model (no ``kerazoo.json``), from the data named for it:
    its classes are the dataset's, in index order, when their number matches."""
    task, spec = predictor.task, predictor.input_spec
    if task.kind == dataset.task.kind and task.num_classes == dataset.task.num_classes:
        task = dataset.task
    return ModelInfo(task, spec, predictor.encoding, predictor.output)


def _same(a: Dataset, b: Dataset) -> bool:
    return type(a) is type(b) and a.options_json() == b.options_json()


def _same_record(info: ModelInfo, dataset: Dataset) -> bool:
    own = info.dataset
    return own is not None and own.name == dataset.name and own.options == (dataset.options_json())


def _record(dataset: Dataset, seed: int) -> dict[str, Any]:
    name = dataset.name or type(dataset).__name__
    return {"name": name, "options": dataset.options_json(), "seed": seed}


def _relabel(samples: Samples, label_map: np.ndarray | None) -> Samples:
    """The dataset's class indices as the model's (classes matched by name)."""
    if label_map is None or samples.labels is None:
        return samples
    labels = label_map[np.asarray(samples.labels, np.int64)]
    return Samples(samples.images, labels, samples.masks)
