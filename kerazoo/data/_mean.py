"""The mean image of a dataset: overall, per class (or per band of values), and its spread.

The classic first look before training: the mean circle, the mean square... and what
per-pixel normalisation subtracts. Computed from the dataset's canonical ``uint8``
``[N, H, W, C]`` samples, summed in ``float64`` a chunk of images at a time, so the float
copy stays a few megabytes whatever ``n`` is. Drawing it is :mod:`kerazoo.data._mean_picture`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kerazoo._errors import DataError, InvalidOptionError, option
from kerazoo._task import Task
from kerazoo.data._dataset import Dataset
from kerazoo.data._memory import check_fits

__all__ = ["CHUNK_BYTES", "DatasetMean", "dataset_mean", "value_bands"]

#: The float copy summed at once: this many bytes of ``float64`` pixels (a chunk of images).
CHUNK_BYTES = 16 * 2**20


@dataclass(frozen=True)
class DatasetMean:
    """The mean image of a dataset's samples, with its spread and its groups' means.

    Pixel values are on the ``uint8`` scale (0 to 255), as ``float64`` arrays.

    Attributes:
        dataset: the dataset's registered name (titles and messages).
        task: the dataset's task.
        count: how many samples were averaged.
        seed: the seed they were drawn with.
        mean: ``[H, W, C]``: each pixel's mean over the samples.
        std: ``[H, W, C]``: each pixel's standard deviation over the samples.
        channel_mean: ``[C]``: each channel's mean over all pixels of all samples (what
            per-channel normalisation subtracts).
        channel_std: ``[C]``: each channel's standard deviation over all pixels of all
            samples (what it divides by).
        group_names: one name per group: the class names (classification), bands of values
            such as ``"1 to 5"`` (regression), none (reconstruction).
        group_means: ``[G, H, W, C]``: each group's mean image; ``NaN`` for a group with no
            sample.
        group_counts: ``[G]``: how many samples each group holds.
    """

    dataset: str
    task: Task
    count: int
    seed: int
    mean: np.ndarray
    std: np.ndarray
    channel_mean: np.ndarray
    channel_std: np.ndarray
    group_names: tuple[str, ...]
    group_means: np.ndarray
    group_counts: np.ndarray

    def summary(self) -> str:
        """One line: the mean pixel value (and spread) of each channel.

        Example:
            >>> import kerazoo
            >>> kerazoo.dataset_mean("shapes", n=50).summary()  # doctest: +SKIP
            'mean pixel value per channel: 24.1 (std 62.3)'
        """
        names = _channel_names(len(self.channel_mean))
        parts = [
            f"{name}{m:.1f} (std {s:.1f})"
            for name, m, s in zip(names, self.channel_mean, self.channel_std, strict=True)
        ]
        return "mean pixel value per channel: " + ", ".join(parts)

    def save_picture(self, path: str | Path) -> Path:
        """Draw the mean, the spread and each group's mean side by side, and save them.

        Args:
            path: the picture, in the format its suffix names (``.png``, ``.svg``, ...).

        Returns:
            The path written.

        Example:
            >>> import kerazoo
            >>> kerazoo.dataset_mean("shapes").save_picture("mean.png")  # doctest: +SKIP
        """
        from kerazoo.data._mean_picture import draw_mean

        return draw_mean(self, path)


def _channel_names(channels: int) -> list[str]:
    if channels == 1:
        return [""]
    if channels == 3:
        return ["R ", "G ", "B "]
    return [f"{i}: " for i in range(channels)]


def dataset_mean(
    dataset: Dataset | str, n: int = 1000, seed: int = 0, bands: int = 4
) -> DatasetMean:
    """The mean image of ``n`` samples of a dataset, overall and per class (or per band of
    values for regression), with each pixel's standard deviation.

    The samples are ``dataset.generate(n, seed)``: the same as ``kerazoo data preview`` and
    ``export`` show for that seed.

    Args:
        dataset: a :class:`kerazoo.Dataset`, or a registered name (default options).
        n: how many samples to average (a folder dataset may hold fewer: all of them).
        seed: the seed they are drawn with.
        bands: for regression, into how many bands of equal width the value range is cut
            (each of its values, for a count with that many values or fewer).

    Returns:
        A :class:`DatasetMean`; ``.save_picture(path)`` draws it.

    Raises:
        InvalidOptionError: ``n`` or ``bands`` below 1, or more samples than fit in memory.
        UnknownNameError: no dataset has that name.
        DataError: the dataset made no sample.

    Example:
        >>> import kerazoo
        >>> m = kerazoo.dataset_mean("shapes", n=30)
        >>> m.mean.shape, m.group_names
        ((64, 64, 1), ('circle', 'square', 'triangle'))
    """
    if isinstance(dataset, str):
        from kerazoo._registry import get_dataset

        dataset = get_dataset(dataset)
    for name, value in (("n", n), ("bands", bands)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise InvalidOptionError(f"{option(name)} must be an integer >= 1, got {value!r}.")
    dataset.check_size(int(n))
    data = dataset.generate(int(n), seed=seed)
    if len(data) == 0:
        raise DataError(f"{dataset.display_name} made no sample: there is nothing to average.")
    task = dataset.task
    names, groups = _groups(task, data.labels, int(bands))
    h, w, c = data.images.shape[1:]
    check_fits(
        len(names) + 4,
        h * w * c * 8,
        what=f"The mean images of {len(names)} groups ({dataset.display_name}, {h}x{w}x{c})",
        fix="Ask for fewer bands, or a smaller image size",
    )
    return _average(dataset.name or type(dataset).__name__, task, seed, data.images, names, groups)


def _groups(task: Task, labels: Any, bands: int) -> tuple[tuple[str, ...], np.ndarray | None]:
    """The group names and each sample's group index (``None``: no groups)."""
    if task.kind == "classification":
        return task.class_names, np.asarray(labels, dtype=np.int64)
    if task.kind == "regression":
        values = np.asarray(labels, dtype=np.float64).reshape(len(labels), -1)[:, 0]
        low, high = task.value_range or (float(values.min()), float(values.max()))
        starts, names = value_bands(low, high, bands, task.integer)
        index = np.searchsorted(starts[1:], values, side="right")
        return names, index
    return (), None


def value_bands(
    low: float, high: float, bands: int, integer: bool = False
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Cut ``[low, high]`` into ``bands`` bands: their starts and names.

    A count (``integer``) is cut at whole numbers, one band per value when it has ``bands``
    values or fewer; a value outside the range falls into the first or last band.

    Example:
        >>> value_bands(1, 20, 4, integer=True)[1]
        ('1 to 5', '6 to 10', '11 to 15', '16 to 20')
        >>> value_bands(1, 5, 4, integer=True)[1]
        ('1', '2', '3', '4 to 5')
        >>> value_bands(0, 1, 2)[1]
        ('0 to 0.5', '0.5 to 1')
    """
    if integer:
        low, high = round(low), round(high)
        values = high - low + 1
        if values <= bands:
            starts = np.arange(low, high + 1, dtype=np.float64)
            return starts, tuple(str(int(v)) for v in starts)
        first = low + (np.arange(bands) * values) // bands
        last = [*(first[1:] - 1), high]
        names = tuple(str(a) if a == b else f"{a} to {b}" for a, b in zip(first, last, strict=True))
        return first.astype(np.float64), names
    edges = np.linspace(low, high, bands + 1)
    names = tuple(f"{a:.3g} to {b:.3g}" for a, b in zip(edges[:-1], edges[1:], strict=True))
    return edges[:-1], names


def _average(
    name: str,
    task: Task,
    seed: int,
    images: np.ndarray,
    group_names: tuple[str, ...],
    groups: np.ndarray | None,
) -> DatasetMean:
    """Sum pixels and squared pixels a chunk at a time; the means and spreads from them."""
    n, h, w, c = images.shape
    size = h * w * c
    g = len(group_names)
    total, squares = np.zeros(size), np.zeros(size)
    group_sums = np.zeros((g, size))
    step = max(1, CHUNK_BYTES // (size * 8))
    for start in range(0, n, step):
        x = images[start : start + step].reshape(-1, size).astype(np.float64)
        total += x.sum(axis=0)
        squares += np.einsum("ij,ij->j", x, x)
        if groups is not None:
            members = groups[start : start + step, None] == np.arange(g)
            group_sums += members.T.astype(np.float64) @ x
    mean = total / n
    var = np.maximum(squares / n - mean**2, 0.0)
    per_channel = squares.reshape(-1, c).sum(axis=0) / (n * h * w)
    channel_mean = mean.reshape(-1, c).mean(axis=0)
    counts = np.bincount(groups, minlength=g) if groups is not None else np.zeros(0, np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        group_means = group_sums / counts[:, None]
    return DatasetMean(
        dataset=name,
        task=task,
        count=n,
        seed=seed,
        mean=mean.reshape(h, w, c),
        std=np.sqrt(var).reshape(h, w, c),
        channel_mean=channel_mean,
        channel_std=np.sqrt(np.maximum(per_channel - channel_mean**2, 0.0)),
        group_names=group_names,
        group_means=group_means.reshape(g, h, w, c),
        group_counts=counts,
    )
