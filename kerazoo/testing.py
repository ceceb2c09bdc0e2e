"""Contract checks for plugins: run them in your plugin's own test suite.

kerazoo runs the same checks on every registered plugin, its built-ins included, so a new
plugin is tested the moment it is installed.

Example:
    >>> from kerazoo.testing import check_architecture, check_dataset
    >>> check_dataset("shapes", size=16)                          # doctest: +SKIP
    >>> check_architecture("lenet", "shapes", "/tmp/x", size=16)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from kerazoo._registry import get_dataset
from kerazoo._task import Task
from kerazoo.data._dataset import Dataset, Samples
from kerazoo.data.augment import TRANSFORMS, augment

__all__ = ["ContractError", "check_architecture", "check_dataset"]


class ContractError(AssertionError):
    """A plugin breaks its base class's contract (raised by the checks here)."""


def _require(ok: bool, name: str, message: str, kind: str = "dataset") -> None:
    if not ok:
        raise ContractError(f"{kind} {name!r}: {message}")


def _same(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a.dtype == b.dtype and a.shape == b.shape and bool(np.array_equal(a, b))


def _same_samples(a: Samples, b: Samples) -> bool:
    return _same(a.images, b.images) and _same(a.labels, b.labels) and _same(a.masks, b.masks)


def check_dataset(name: str | Dataset, n: int = 6, **options: Any) -> Dataset:
    """Check that a dataset keeps the Dataset contract, on a few small samples.

    Checks: the description and declared augmentations; ``task`` and ``image_shape``;
    ``generate`` gives ``uint8 [N, H, W, C]`` images, labels that fit the task (class
    indices ``int64`` in range, ``float32`` values inside the regression range, integers
    when the task says so, None for reconstruction) and ``bool [N, H, W]`` masks or None;
    the same seed gives bit-identical arrays and another seed different ones; ``n=0`` works;
    ``split`` is the seeded data cut in three disjoint parts; the options survive a JSON
    round trip (what a saved model stores) and give the same data again; the declared
    augmentations run on the images and masks.

    Args:
        name: the registered dataset name, or a Dataset object (registered or not, as
            :func:`check_architecture` takes it; ``options`` must then be empty).
        n: how many samples to make (keep it small: the check runs several times).
        **options: options for the dataset, e.g. a small ``size``.

    Returns:
        The dataset instance that was checked.

    Raises:
        ContractError: (an AssertionError) saying what is wrong.

    Example:
        >>> check_dataset("circles", size=16, max_radius=2, min_radius=1)
        <Dataset circles(...)>
        >>> import kerazoo
        >>> check_dataset(kerazoo.get_dataset("shapes", size=16)).config["size"]
        (16, 16)
    """
    ds = _dataset(name, options)
    name = ds.name or type(ds).__name__
    cls = type(ds)
    _require(bool(cls.description), name, "has no one-line description")
    aug = tuple(ds.augmentations)
    _require(set(aug) <= set(TRANSFORMS), name, f"declares unknown augmentations {aug}")
    task = ds.task
    _require(isinstance(task, Task), name, f"task is {task!r}, not a kerazoo.Task")
    shape = ds.image_shape
    _require(
        isinstance(shape, tuple)
        and len(shape) == 3
        and all(isinstance(v, (int, np.integer)) and v >= 1 for v in shape),
        name,
        f"image_shape {shape!r} is not (H, W, C) of positive ints",
    )
    h, w, c = shape

    first = ds.generate(n, seed=0)
    again = ds.generate(n, seed=0)
    other = ds.generate(n, seed=1)
    _check_samples(name, task, shape, first, n)
    _require(_same_samples(first, again), name, "the same seed gave different data")
    if len(first) >= 3 and len(other) == len(first):
        _require(not _same_samples(first, other), name, "seeds 0 and 1 gave identical data")

    empty = ds.generate(0, seed=0)
    _require(empty.images.shape == (0, h, w, c), name, f"n=0 gave {empty.images.shape}")

    if ds.fixed_split is not None:
        _check_fixed_split(ds, name, n)
    elif len(first) >= 3:
        s = ds.split(len(first) - 2, 1, 1, seed=0)
        parts = (len(s.train), len(s.val), len(s.test))
        _require(parts == (len(first) - 2, 1, 1), name, f"split sizes are {parts}")
        joined = np.concatenate([s.train.images, s.val.images, s.test.images])
        _require(_same(joined, first.images), name, "split is not the seeded data cut in 3")

    _check_suggestions(ds, name)
    stored = json.loads(json.dumps(ds.options_json()))
    again = cls(**stored).generate(n, seed=0)
    _require(_same_samples(first, again), name, "options_json() does not give the same data")

    if aug and len(first):
        rng = np.random.default_rng(0)
        if first.masks is None:
            out = augment(first.images, rng, aug)
            _require(out.shape == first.images.shape, name, "augment changed the shape")
        else:
            out, m = augment(first.images, rng, aug, masks=first.masks)
            _require(
                out.shape == first.images.shape and m.shape == first.masks.shape,
                name,
                "augment changed the shape",
            )
        _require(out.dtype == np.uint8, name, "augment changed the dtype")
    return ds


def _check_suggestions(ds: Dataset, name: str) -> None:
    """``suggested_settings`` names training settings, with values they accept."""
    from kerazoo._errors import KerazooError
    from kerazoo.training._settings import check_settings

    try:
        check_settings(ds.suggested_settings)
    except KerazooError as exc:
        _require(False, name, f"suggested_settings {ds.suggested_settings!r}: {exc}")


def _dataset(given: str | Dataset, options: dict[str, Any]) -> Dataset:
    """The dataset to check: a registered name with its options, or an object as it is."""
    if isinstance(given, Dataset):
        if options:
            raise TypeError(
                f"check_dataset() got a Dataset object and options {sorted(options)}: options "
                "apply to a name only. Configure the object instead, e.g. "
                "check_dataset(MyData(size=16)), or pass its name: check_dataset('name', size=16)."
            )
        return given
    if isinstance(given, str):
        return get_dataset(given, **options)
    raise TypeError(
        f"check_dataset() takes a dataset name or a kerazoo.Dataset object, got "
        f"{type(given).__name__} {given!r}. Example: check_dataset('shapes', size=16)."
    )


def _check_fixed_split(ds: Dataset, name: str, n: int) -> None:
    """A dataset with its own training / test parts: sizes kept, seeded, samples valid."""
    parts = ds.fixed_split
    _require(
        isinstance(parts, tuple)
        and len(parts) == 2
        and all(isinstance(v, (int, np.integer)) and v >= 0 for v in parts),
        name,
        f"fixed_split {parts!r} is not (train, test) counts",
    )
    have_train, have_test = parts
    if have_train < 2 or have_test < 1:
        return
    train = min(have_train - 1, n)
    s = ds.split(train, 1, 1, seed=0)
    sizes = (len(s.train), len(s.val), len(s.test))
    _require(sizes == (train, 1, 1), name, f"split sizes are {sizes}")
    for part, want in zip(s, (train, 1, 1), strict=True):
        _check_samples(name, ds.task, ds.image_shape, part, want)
    again = ds.split(train, 1, 1, seed=0)
    same = all(_same_samples(a, b) for a, b in zip(s, again, strict=True))
    _require(same, name, "the same seed gave a different split")


def _check_samples(name: str, task: Task, shape: tuple[int, ...], s: Samples, n: int) -> None:
    h, w, c = shape
    _require(isinstance(s, Samples), name, f"generate returned {type(s).__name__}")
    imgs = s.images
    _require(imgs.dtype == np.uint8, name, f"images are {imgs.dtype}, not uint8")
    _require(imgs.shape[1:] == (h, w, c) and imgs.shape[0] <= n, name, f"images {imgs.shape}")
    k = imgs.shape[0]
    if task.kind == "reconstruction":
        _require(s.labels is None, name, "a reconstruction dataset must give labels=None")
    else:
        lab = s.labels
        _require(lab is not None and lab.shape == (k,), name, "labels are not one per image")
        if task.kind == "classification":
            _require(lab.dtype == np.int64, name, f"class labels are {lab.dtype}, not int64")
            ok = bool(((lab >= 0) & (lab < task.num_classes)).all())
            _require(ok, name, f"class labels outside 0..{task.num_classes - 1}")
        else:
            _require(lab.dtype == np.float32, name, f"regression labels are {lab.dtype}")
            _require(bool(np.isfinite(lab).all()), name, "regression labels are not finite")
            if task.value_range is not None:
                lo, hi = task.value_range
                ok = bool(((lab >= lo) & (lab <= hi)).all())
                _require(ok, name, f"regression labels outside [{lo}, {hi}]")
            if task.integer:
                _require(bool((lab == np.round(lab)).all()), name, "labels are not integers")
    if s.masks is not None:
        _require(s.masks.dtype == np.bool_, name, f"masks are {s.masks.dtype}, not bool")
        _require(s.masks.shape == (k, h, w), name, f"masks have shape {s.masks.shape}")


def check_architecture(
    architecture: str,
    dataset: str | Dataset,
    workdir: str | os.PathLike[str],
    *,
    hyperparameters: dict[str, Any] | None = None,
    n: int = 16,
    **options: Any,
) -> Path | None:
    """Check an architecture end to end on a dataset: the path every saved model takes.

    Checks the declarations (description, tasks, a hyperparameter table that is a valid
    keras-tuner search space whose draws build), then builds a model for the dataset's task
    (or, for an autoencoder on a labelled dataset, for reconstruction), trains it a few
    steps (the loss must stay finite), saves it with its metadata, loads it back in safe
    mode (the same outputs as in memory), and decodes predictions on raw images with the
    :class:`~kerazoo.Predictor` (a class name, a value in range, or an image of the input's
    shape). A task the architecture does not support must be refused with
    ``IncompatibleError``.

    Args:
        architecture: the registered architecture name.
        dataset: a dataset name (configured by ``options``) or a Dataset object.
        workdir: a folder for the saved model.
        hyperparameters: for the architecture (default: its defaults).
        n: images to train and predict on.
        **options: dataset options, e.g. a small ``size``.

    Returns:
        The saved model's path, or ``None`` when the pair was (rightly) refused: a task the
        architecture does not support, or images below its ``min_size``.

    Raises:
        ContractError: (an AssertionError) saying what is wrong.

    Example:
        >>> check_architecture("tinynet", "stripes", tmp_path)   # doctest: +SKIP
    """
    import keras_tuner

    from kerazoo._errors import IncompatibleError
    from kerazoo._registry import get_architecture
    from kerazoo.data._batches import encode_inputs, make_batches
    from kerazoo.models._build import build
    from kerazoo.saving._info import ModelInfo
    from kerazoo.saving._keras_file import save_model
    from kerazoo.saving._load import load_model

    arch = get_architecture(architecture, **(hyperparameters or {}))
    cls, name = type(arch), architecture
    _require(bool(cls.description), name, "has no one-line description", "architecture")
    drawn = cls.search_space(keras_tuner.HyperParameters())
    _require(
        set(drawn) == set(cls.hyperparameters), name, "search_space misses names", "architecture"
    )
    cls(**drawn)  # the tuner's draws are valid hyperparameters
    ds = get_dataset(dataset, **options) if isinstance(dataset, str) else dataset
    data = ds.generate(n, seed=0)
    kind, encoding = ds.task.kind, None
    if _below_min_size(arch, ds, data.images, name):
        return None
    if kind not in cls.tasks:
        try:
            build(arch, ds, adapt=data.images)
        except IncompatibleError:
            pass
        else:
            _require(
                False, name, f"built a model for a {kind} task it does not declare", "architecture"
            )
        if "reconstruction" not in cls.tasks:
            return None
        encoding = "reconstruction"
    model = build(arch, ds, encoding=encoding, adapt=data.images)
    history = model.fit(
        make_batches(data, ModelInfo.of(model), 8, seed=0), epochs=1, verbose=0, shuffle=False
    )
    loss = history.history["loss"][-1]
    _require(bool(np.isfinite(loss)), name, f"training gave a loss of {loss}", "architecture")
    path = save_model(model, Path(workdir) / f"{name}-{ds.name or 'data'}.keras")
    loaded, _ = load_model(path)
    raw = data.images[:3]
    x = encode_inputs(raw, ModelInfo.of(model))
    same = np.allclose(np.asarray(loaded(x)), np.asarray(model(x)), atol=1e-5)
    _require(same, name, "the reloaded model gives other outputs", "architecture")
    _check_predictions(name, Path(path), raw, ModelInfo.of(loaded), ds.image_shape)
    return Path(path)


def _below_min_size(arch: Any, ds: Dataset, images: np.ndarray, name: str) -> bool:
    """Whether the dataset's images are smaller than the architecture accepts; if so, the
    build must refuse them with ``IncompatibleError``."""
    from kerazoo._errors import IncompatibleError
    from kerazoo.models._build import build

    (h, w, _), (mh, mw) = ds.image_shape, arch.min_input_size()
    if h >= mh and w >= mw:
        return False
    try:
        build(arch, ds, adapt=images)
    except IncompatibleError:
        return True
    _require(False, name, f"built a model for {h}x{w} images, below its {mh}x{mw}", "architecture")
    return True


def _check_predictions(
    name: str, path: Path, raw: np.ndarray, info: Any, image_shape: tuple[int, ...]
) -> None:
    """The Predictor decodes the saved model's outputs as its task says."""
    from kerazoo.predict._predictor import (
        ClassPrediction,
        ImagePrediction,
        Predictor,
        ValuePrediction,
    )
    from kerazoo.predict._values import ExtrapolationWarning

    with warnings.catch_warnings():  # an untrained model's values may fall anywhere
        warnings.simplefilter("ignore", ExtrapolationWarning)
        results = Predictor.load(path).predict(raw)
    _require(
        len(results) == len(raw),
        name,
        f"{len(raw)} images gave {len(results)} predictions",
        "architecture",
    )
    kind = info.task.kind
    for r in results:
        if kind == "classification":
            ok = isinstance(r, ClassPrediction) and r.label in info.task.class_names
        elif kind == "regression":
            ok = isinstance(r, ValuePrediction) and bool(np.isfinite(r.raw_value))
        else:
            ok = isinstance(r, ImagePrediction) and r.image.shape == image_shape
        _require(ok, name, f"decoded {r!r} for a {kind} task", "architecture")
