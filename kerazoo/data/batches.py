"""Batches for ``model.fit``: labels encoded for the loss, pixels laid out for the model.

:func:`make_batches` turns canonical samples (``uint8 [N, H, W, C]`` images and labels) into
a ``tf.data.Dataset`` that matches a model made by :func:`kerazoo.build`, as described by
its :func:`kerazoo.models.build.info`:

* pixels stay raw ``uint8`` (the model rescales and normalises them itself), transposed to
  ``[N, C, H, W]`` for a ``channels_first`` model;
* labels become the targets of the model's encoding (:func:`kerazoo.data.encoding.encode_labels`);
  for reconstruction the target is the (augmented) input divided by 255, ``float32``, in
  the model's layout;
* without augmentation the whole array is handed to TensorFlow once and batches are
  gathered by shuffled index inside ``tf.data`` (no Python per sample or per batch); with
  augmentation each batch is augmented in numpy (:func:`kerazoo.data.augment.augment`) in a
  background thread, differently every epoch.

Example:
    >>> import kerazoo
    >>> from kerazoo.data.batches import make_batches
    >>> model = kerazoo.build("lenet", "shapes")                          # doctest: +SKIP
    >>> train = kerazoo.get_dataset("shapes").generate(1000, seed=1)      # doctest: +SKIP
    >>> model.fit(make_batches(train, model, 64), epochs=2)              # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from kerazoo.data.encoding import encode_labels
from kerazoo.errors import DataError, InvalidOptionError
from kerazoo.task import InputSpec, Task

__all__ = ["encode_inputs", "make_batches"]


def _info(info: Any) -> Mapping[str, Any]:
    if isinstance(info, Mapping):
        return info
    from kerazoo.models.build import info as model_info

    return model_info(info)


def encode_inputs(images: Any, info: Any) -> np.ndarray:
    """Lay out canonical ``uint8 [N, H, W, C]`` images the way a model takes them.

    Args:
        images: raw pixels, ``uint8 [N, H, W, C]``.
        info: the model's metadata (:func:`kerazoo.models.build.info`, or ``kerazoo.json``'s
            content), or the model itself.

    Returns:
        A contiguous ``uint8`` array, ``[N, H, W, C]`` or ``[N, C, H, W]``.

    Raises:
        DataError: not ``uint8``, not 4-D, or another height, width or channel count.

    Example:
        >>> meta = {"input": {"height": 2, "width": 3, "channels": 1,
        ...                   "data_format": "channels_first"}}
        >>> encode_inputs(np.zeros((5, 2, 3, 1), np.uint8), meta).shape
        (5, 1, 2, 3)
    """
    spec = InputSpec.from_dict(_info(info)["input"])
    arr = np.asarray(images)
    want = (spec.height, spec.width, spec.channels)
    if arr.dtype != np.uint8:
        raise DataError(
            f"The model takes raw uint8 pixels (0-255), got dtype {arr.dtype}. Convert "
            "images in [0, 1] with (x * 255).round().astype(np.uint8)."
        )
    if arr.ndim != 4 or arr.shape[1:] != want:
        raise DataError(
            f"The model takes images [N, H, W, C] with (H, W, C) = {want}, got shape "
            f"{arr.shape}. Resize the images or add the batch axis with x[None]."
        )
    if spec.data_format == "channels_first":
        return np.ascontiguousarray(arr.transpose(0, 3, 1, 2))
    return np.ascontiguousarray(arr)


def make_batches(
    samples: Any,
    info: Any,
    batch_size: int,
    *,
    shuffle: bool = True,
    augment: Iterable[str] = (),
    seed: int = 0,
) -> Any:
    """Batches of ``(pixels, targets)`` for ``model.fit`` / ``evaluate``.

    Args:
        samples: :class:`kerazoo.Samples`, or a tuple ``(images, labels[, masks])`` with
            ``uint8 [N, H, W, C]`` images (labels may be ``None`` for reconstruction).
        info: the model's metadata (:func:`kerazoo.models.build.info`) or the model itself.
        batch_size: samples per batch (the last batch may be smaller).
        shuffle: a new order every epoch (each iteration of the dataset).
        augment: transform names from ``kerazoo.data.augment.TRANSFORMS`` (usually the
            dataset's ``augmentations``); applied per batch, fresh every epoch.
        seed: seeds the order and the augmentation draws.

    Returns:
        A ``tf.data.Dataset`` yielding ``(uint8 pixels, targets)`` batches, prefetched.

    Raises:
        DataError: images or labels that do not fit the model.
        InvalidOptionError: a bad batch size or augmentation name.

    Example:
        >>> batches = make_batches(data, kerazoo.models.build.info(model), 32)   # doctest: +SKIP
        >>> model.fit(batches, epochs=3)                                    # doctest: +SKIP
    """
    import tensorflow as tf

    meta = _info(info)
    images, labels = _unpack(samples)
    images = np.asarray(images)
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
        raise InvalidOptionError(f"batch_size must be a positive integer, got {batch_size!r}.")
    if batch_size < 1:
        raise InvalidOptionError(f"batch_size must be a positive integer, got {batch_size!r}.")
    x = encode_inputs(images, meta)
    n = len(x)
    if n == 0:
        raise DataError("make_batches got no samples; give at least one image.")
    task = Task.from_dict(meta["task"])
    encoding = meta["task"]["encoding"]
    recon = encoding == "reconstruction"
    y = None if recon else encode_labels(labels, task, encoding)
    if y is not None and len(y) != n:
        raise DataError(f"Got {n} images but {len(y)} labels; give one label per image.")
    transforms = _check_augment(augment, images)
    bs = int(batch_size)

    def target(xb: Any) -> Any:
        return tf.cast(xb, tf.float32) * (1.0 / 255.0)

    if not transforms:
        xt = tf.constant(x)
        yt = None if y is None else tf.constant(y)
        order = tf.data.Dataset.range(n)
        if shuffle:
            order = order.shuffle(n, seed=seed, reshuffle_each_iteration=True)
        order = order.batch(bs)

        def gather(idx: Any) -> Any:
            xb = tf.gather(xt, idx)
            return xb, target(xb) if yt is None else tf.gather(yt, idx)

        return order.map(gather, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)

    from kerazoo.data.augment import augment as augment_images

    rng = np.random.default_rng(seed)
    channels_first = meta["input"]["data_format"] == "channels_first"

    def generate() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        order = rng.permutation(n) if shuffle else np.arange(n)
        for start in range(0, n, bs):
            idx = order[start : start + bs]
            xb = augment_images(images[idx], rng, transforms)
            if channels_first:
                xb = np.ascontiguousarray(xb.transpose(0, 3, 1, 2))
            yield xb, (xb if y is None else y[idx])

    y_spec = (
        tf.TensorSpec((None, *x.shape[1:]), tf.uint8)
        if y is None
        else tf.TensorSpec((None, *y.shape[1:]), tf.as_dtype(y.dtype))
    )
    ds = tf.data.Dataset.from_generator(
        generate, output_signature=(tf.TensorSpec((None, *x.shape[1:]), tf.uint8), y_spec)
    )
    ds = ds.apply(tf.data.experimental.assert_cardinality(-(-n // bs)))  # fit knows the length
    if recon:
        ds = ds.map(lambda xb, yb: (xb, target(yb)))
    return ds.prefetch(tf.data.AUTOTUNE)


def _unpack(samples: Any) -> tuple[np.ndarray, Any]:
    if hasattr(samples, "images") and hasattr(samples, "labels"):
        return samples.images, samples.labels
    if isinstance(samples, (tuple, list)) and len(samples) in (2, 3):
        return samples[0], samples[1]
    raise DataError(
        "make_batches takes kerazoo.Samples or a tuple (images, labels[, masks]), got "
        f"{type(samples).__name__}."
    )


def _check_augment(augment: Iterable[str], images: np.ndarray) -> tuple[str, ...]:
    """Validate the transforms now (one image), not in the middle of ``fit``."""
    transforms = (augment,) if isinstance(augment, str) else tuple(augment or ())
    if not transforms:
        return ()
    from kerazoo.data.augment import augment as augment_images

    augment_images(np.asarray(images)[:1], np.random.default_rng(0), transforms)
    return transforms
