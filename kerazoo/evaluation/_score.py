"""Score a model on samples it has labels for: one batched pass through the Predictor, the
metrics of the task kind, and the pictures.

The model's outputs are decoded by :class:`kerazoo.Predictor` (logits, probabilities, one
sigmoid logit, values, images: the decoding a deployed model gets), never again by hand.

Example:
    >>> import kerazoo
    >>> run = kerazoo.train("shapes", "lenet", epochs=2, data={"size": 32})   # doctest: +SKIP
    >>> test = kerazoo.get_dataset("shapes", size=32).generate(500, seed=1)   # doctest: +SKIP
    >>> result = evaluate_samples(run.model, kerazoo.ModelInfo.of(run.model), test,
    ...                           out="runs/x/evaluation")                    # doctest: +SKIP
    >>> result.metrics["accuracy"]                                            # doctest: +SKIP
    0.98
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from kerazoo._errors import DataError, InvalidOptionError
from kerazoo.data._dataset import Dataset, Samples
from kerazoo.evaluation import _draw as draw
from kerazoo.evaluation._metrics import (
    Scores,
    classification_metrics,
    reconstruction_metrics,
    regression_metrics,
)
from kerazoo.evaluation._result import Evaluation
from kerazoo.predict._values import ExtrapolationWarning
from kerazoo.saving._info import ModelInfo

__all__ = ["evaluate_samples", "score"]


def evaluate_samples(
    model: Any,
    info: ModelInfo | Mapping[str, Any] | None,
    samples: Samples,
    *,
    out: str | os.PathLike[str] | None = None,
    split: str = "test",
    batch_size: int = 64,
    top: int = 16,
    dataset: Mapping[str, Any] | None = None,
    label: str | None = None,
    source: Dataset | None = None,
) -> Evaluation:
    """Evaluate a model on labelled samples, in one batched pass; write the results.

    Args:
        model: a ``keras.Model`` (or a :class:`kerazoo.Predictor` already made for it).
        info: its :class:`kerazoo.ModelInfo` (or ``kerazoo.json`` dict); ``None``: the
            metadata attached to ``model``.
        samples: ``uint8 [N, H, W, C]`` images of the model's input size, with labels in
            the model's classes (class indices, or values; none for reconstruction).
        out: a folder for ``metrics.json`` and the pictures (``None``: write nothing).
        split: what the samples are, for the summary and ``metrics.json``.
        batch_size: images per model call.
        top: how many images the top-losses, samples and reconstructions pictures show.
        dataset: ``{"name", "options", "seed"}`` of the samples (default: the dataset the
            model's metadata records).
        label: how the summary names the data (default: the dataset's name).
        source: the :class:`kerazoo.Dataset` the samples come from: its
            :meth:`~kerazoo.Dataset.draw_predictions` pictures are added (with ``out``).

    Returns:
        The :class:`Evaluation`.

    Raises:
        DataError: images of another size than the model takes, or missing labels.

    Example:
        >>> splits = kerazoo.get_dataset("shapes", size=32).split(300, 60, 200)  # doctest: +SKIP
        >>> evaluate_samples(model, info, splits.test, out=run_dir / "evaluation")
        ...                                                                    # doctest: +SKIP
    """
    from kerazoo.predict._predictor import Predictor

    if info is None:
        info = ModelInfo.of(model)
    elif not isinstance(info, ModelInfo):
        info = ModelInfo.from_dict(info, source="the metadata given")
    predictor = model if isinstance(model, Predictor) else Predictor(model, info)
    if dataset is None and info.dataset is not None:
        dataset = {k: v for k, v in info.dataset.to_dict().items() if k != "plugin"}
    dataset = dict(dataset or {})
    label = label or str(dataset.get("name", "the samples"))
    return score(
        predictor,
        info,
        samples,
        out=out,
        split=split,
        batch_size=batch_size,
        top=top,
        dataset=dataset,
        label=label,
        source=source,
    )


def score(
    predictor: Any,
    info: ModelInfo,
    samples: Samples,
    *,
    out: str | os.PathLike[str] | None,
    split: str,
    batch_size: int,
    top: int,
    dataset: dict[str, Any],
    label: str,
    source: Dataset | None = None,
) -> Evaluation:
    """:func:`evaluate_samples` with a ready Predictor and checked metadata."""
    _check(samples, info, top)
    folder = None if out is None else Path(out)
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    kind = info.task.kind
    k = max(info.task.num_classes, 1)
    results = predictor.predict(samples.images, top_k=k, batch_size=batch_size, progress=False)
    where = f"{len(samples)} images of {label} ({split} split)"
    drawn: dict[str, Path] = {}
    if kind == "classification":
        scores = _classification(results, samples, info, folder, where, top, drawn)
    elif kind == "regression":
        scores = _regression(results, samples, info, folder, where, top, drawn)
    else:
        scores = _reconstruction(results, samples, folder, where, top, drawn)
    if source is not None and folder is not None:
        drawn.update(_sweep(source, predictor, kind, batch_size, folder))
    result = Evaluation(
        kind=kind,
        n=len(samples),
        metrics=scores.metrics,
        per_class=scores.per_class,
        dataset=dataset,
        pictures=drawn,
        split=split,
        label=label,
        confusion=None if scores.confusion is None else scores.confusion.tolist(),
        folder=folder,
        written=list(drawn.values()),
        model=_model_record(info),
    )
    if folder is not None:
        result.write_json(folder / "metrics.json")
    return result


def _sweep(
    source: Dataset, predictor: Any, kind: str, batch_size: int, folder: Path
) -> dict[str, Path]:
    """The dataset's own pictures of the model (:meth:`Dataset.draw_predictions`), its
    inputs predicted through the Predictor: values, or class indices."""
    if kind == "reconstruction":
        return {}

    def predict(images: np.ndarray) -> np.ndarray:
        with warnings.catch_warnings():  # a sweep goes outside the trained range on purpose
            warnings.simplefilter("ignore", ExtrapolationWarning)
            found = predictor.predict(images, batch_size=batch_size, progress=False)
        if kind == "regression":
            return np.array([r.raw_value for r in found], np.float64)
        return np.array([r.index for r in found], np.int64)

    return dict(source.draw_predictions(predict, folder))


def _model_record(info: ModelInfo) -> dict[str, Any]:
    """The epochs the scored model was trained for, when its metadata records them."""
    epochs = None if info.training is None else info.training.epochs
    return {} if epochs is None else {"epochs": int(epochs)}


def _check(samples: Samples, info: ModelInfo, top: int) -> None:
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise InvalidOptionError(f"top must be an integer >= 1, got {top!r}.")
    images = np.asarray(samples.images)
    spec = info.input
    want = (spec.height, spec.width, spec.channels)
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[1:] != want:
        raise DataError(
            f"The model takes uint8 images (H, W, C) = {want}; the samples are "
            f"{images.dtype} {images.shape}. Make the data at the model's size."
        )
    if len(images) == 0:
        raise DataError("There are no images to evaluate: ask for n >= 1.")
    if info.task.kind != "reconstruction" and samples.labels is None:
        raise DataError(f"A {info.task.kind} model is evaluated against labels; got none.")


def _classification(
    results: list[Any],
    samples: Samples,
    info: ModelInfo,
    folder: Path | None,
    where: str,
    top: int,
    drawn: dict[str, Path],
) -> Scores:
    names = info.task.class_names
    index = {name: i for i, name in enumerate(names)}
    probs = np.zeros((len(results), len(names)), np.float64)
    for row, result in enumerate(results):
        for name, p in result.top_k:
            probs[row, index[name]] = p
    labels = np.asarray(samples.labels).astype(np.int64).reshape(-1)
    scores = classification_metrics(probs, labels, names)
    if folder is None:
        return scores
    predicted = probs.argmax(axis=1)
    heading = f"Confusion matrix, {where}: accuracy {scores.metrics['accuracy']:.3f}"
    drawn["confusion"] = draw.draw_confusion(
        folder / "confusion.png", scores.confusion, names, heading
    )

    def caption(i: int, worst: bool) -> str:
        p = probs[i, predicted[i]]
        if worst:
            return f"true {names[labels[i]]}\npredicted {names[predicted[i]]}, p={p:.2f}"
        wrong = "" if predicted[i] == labels[i] else f"\n(true {names[labels[i]]})"
        return f"{names[predicted[i]]}, p={p:.2f}{wrong}"

    right = predicted == labels
    _grids(samples, scores, right, caption, folder, where, top, drawn)
    return scores


def _grids(
    samples: Samples,
    scores: Scores,
    right: np.ndarray | None,
    caption: Any,
    folder: Path,
    where: str,
    top: int,
    drawn: dict[str, Path],
) -> None:
    """``top_losses.png`` (worst first) and ``samples.png`` (the first images); titles
    green when ``right``, red when not (black when ``right`` is ``None``)."""
    key = "" if right is None else " (green: right, red: wrong)"
    worst = np.argsort(-scores.losses, kind="stable")[:top]
    first = np.arange(min(top, len(samples)))
    for name, rows, heading in (
        ("top_losses", worst, f"Top {len(worst)} losses of {where}, worst first{key}"),
        ("samples", first, f"The first {len(first)} of {where}: predictions{key}"),
    ):
        drawn[name] = draw.draw_grid(
            folder / f"{name}.png",
            samples.images[rows],
            [caption(i, name == "top_losses") for i in rows],
            heading,
            colors=None
            if right is None
            else [draw.RIGHT if right[i] else draw.WRONG for i in rows],
        )


def _regression(
    results: list[Any],
    samples: Samples,
    info: ModelInfo,
    folder: Path | None,
    where: str,
    top: int,
    drawn: dict[str, Path],
) -> Scores:
    raw = np.array([r.raw_value for r in results], np.float64)
    true = np.asarray(samples.labels, np.float64).reshape(-1)
    integer = info.task.integer
    rounded = np.array([r.value for r in results], np.float64) if integer else None
    scores = regression_metrics(raw, true, rounded)
    if folder is None:
        return scores
    m = scores.metrics
    exact = f", exact {m['exact']:.3f}" if integer else ""
    drawn["predicted_vs_true"] = draw.draw_scatter(
        folder / "predicted_vs_true.png",
        true,
        raw,
        f"Predicted vs true, {where}: MAE {m['mae']:.3f}, RMSE {m['rmse']:.3f}{exact}",
        integer=integer,
        what="count" if integer else "value",
    )
    right = None if rounded is None else rounded == true

    def caption(i: int, worst: bool) -> str:
        shown = f"{rounded[i]:g} (raw {raw[i]:.2f})" if rounded is not None else f"{raw[i]:.3g}"
        return f"true {true[i]:g}\npredicted {shown}" if worst else f"{shown}\ntrue {true[i]:g}"

    _grids(samples, scores, right, caption, folder, where, top, drawn)
    return scores


def _reconstruction(
    results: list[Any],
    samples: Samples,
    folder: Path | None,
    where: str,
    top: int,
    drawn: dict[str, Path],
) -> Scores:
    outputs = np.stack([r.image for r in results])
    scores = reconstruction_metrics(outputs, samples.images)
    if folder is None:
        return scores
    worst = np.argsort(-scores.losses, kind="stable")[: min(top, 8)]
    m = scores.metrics
    drawn["reconstructions"] = draw.draw_reconstructions(
        folder / "reconstructions.png",
        samples.images[worst],
        outputs[worst],
        [f"mse {scores.losses[i]:.4f}" for i in worst],
        f"The {len(worst)} worst reconstructions of {where}, worst first "
        f"(mean squared error: mean {m['mse']:.4f}, worst {m['worst_mse']:.4f})",
    )
    return scores
