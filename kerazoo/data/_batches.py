"""Batches for ``model.fit``: labels encoded for the loss, pixels laid out for the model.

:func:`make_batches` turns canonical samples (``uint8 [N, H, W, C]`` images and labels) into
batches that match a model made by :func:`kerazoo.build`, as described by
its :class:`kerazoo.ModelInfo`:

* pixels stay raw ``uint8`` (the model rescales and normalises them itself), transposed to
  ``[N, C, H, W]`` for a ``channels_first`` model;
* labels become the targets of the model's encoding (:func:`kerazoo.data._encoding.encode_labels`);
  for reconstruction the target is the (augmented) input divided by 255, ``float32``, in
  the model's layout;
* each pass over the dataset is one epoch, whose order and augmentation depend only on the
  seed and the epoch number (so a resumed run repeats them exactly);
* on TensorFlow the result is a ``tf.data.Dataset``: without augmentation the whole array is
  handed to TensorFlow once and batches are gathered by index inside ``tf.data`` (one Python
  call per epoch, none per batch); with augmentation each batch is augmented in numpy
  (:func:`kerazoo.data.augment.augment`) in a background thread, differently every epoch;
* on JAX (and any other backend) it is a ``keras.utils.PyDataset`` of numpy batches
  (:mod:`kerazoo.data._numpy_batches`): ``tf.data`` there cost 1.21x per epoch against
  ``fit`` on numpy arrays, and this path is the same numpy indexing ``fit(x, y)`` does. The
  same seed gives the same batches, bit for bit, on both paths.

Example:
    >>> import kerazoo
    >>> from kerazoo.data._batches import make_batches
    >>> model = kerazoo.build("lenet", "shapes")                          # doctest: +SKIP
    >>> train = kerazoo.get_dataset("shapes").generate(1000, seed=1)      # doctest: +SKIP
    >>> model.fit(make_batches(train, model, 64), epochs=2)              # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from kerazoo._errors import DataError, InvalidOptionError
from kerazoo._task import InputSpec, Task
from kerazoo.data._encoding import encode_labels
from kerazoo.saving._info import ModelInfo

__all__ = ["encode_inputs", "make_batches"]


def _model_info(info: Any) -> ModelInfo:
    """The :class:`kerazoo.ModelInfo` of a ModelInfo, a ``kerazoo.json`` dict or a model."""
    if isinstance(info, ModelInfo):
        return info
    if isinstance(info, InputSpec):  # enough to lay out inputs
        return ModelInfo(Task.reconstruction(), info)
    if isinstance(info, Mapping):
        return ModelInfo.from_dict(info, source="the metadata given")
    return ModelInfo.of(info)


def encode_inputs(images: Any, info: Any) -> np.ndarray:
    """Lay out canonical ``uint8 [N, H, W, C]`` images the way a model takes them.

    Args:
        images: raw pixels, ``uint8 [N, H, W, C]``.
        info: the model's :class:`kerazoo.ModelInfo` (or its ``kerazoo.json`` dict), the
            model itself, or just its :class:`kerazoo.InputSpec`.

    Returns:
        A contiguous ``uint8`` array, ``[N, H, W, C]`` or ``[N, C, H, W]``.

    Raises:
        DataError: not ``uint8``, not 4-D, or another height, width or channel count.

    Example:
        >>> spec = InputSpec(2, 3, 1, "channels_first")
        >>> encode_inputs(np.zeros((5, 2, 3, 1), np.uint8), spec).shape
        (5, 1, 2, 3)
    """
    spec = _model_info(info).input
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
    epoch: int = 0,
) -> Any:
    """Batches of ``(pixels, targets)`` for ``model.fit`` / ``evaluate``.

    Each iteration over the result is one epoch: the first is epoch ``epoch``, the next
    ``epoch + 1``, and so on. Epoch ``e``'s order and augmentation come only from
    ``numpy.random.default_rng(seed * 100_003 + e)``, so a run resumed at epoch ``e`` (a
    new ``make_batches(..., epoch=e)`` passed to ``fit(..., initial_epoch=e)``) sees
    exactly the batches an unbroken run would.

    Args:
        samples: :class:`kerazoo.Samples`, or a tuple ``(images, labels[, masks])`` with
            ``uint8 [N, H, W, C]`` images (labels may be ``None`` for reconstruction).
        info: the model's metadata (:class:`kerazoo.ModelInfo` or its dict) or the model.
        batch_size: samples per batch (the last batch may be smaller).
        shuffle: a new order every epoch.
        augment: transform names from ``kerazoo.data.augment.TRANSFORMS`` (usually the
            dataset's ``augmentations``); applied per batch, fresh every epoch.
        seed: seeds the order and the augmentation draws.
        epoch: the number of the first epoch (for a resumed run).

    Returns:
        ``(uint8 pixels, targets)`` batches whose length (``len``) is the number of batches
        in one epoch: on TensorFlow a prefetched ``tf.data.Dataset``; on JAX and the other
        backends a ``keras.utils.PyDataset`` of numpy arrays (no TensorFlow, and
        ``fit`` on JAX runs at the speed of ``fit`` on numpy arrays). Both give the same
        batches; pass ``shuffle=False`` to ``fit`` (Keras would reorder a PyDataset's
        batches, and the order is already shuffled).

    Raises:
        DataError: images or labels that do not fit the model.
        InvalidOptionError: a bad batch size or augmentation name.

    Example:
        >>> batches = make_batches(data, model, 32)                         # doctest: +SKIP
        >>> model.fit(batches, epochs=3)                                    # doctest: +SKIP
    """
    import keras

    tf_data = keras.backend.backend() == "tensorflow"
    how = {"shuffle": shuffle, "augment": augment, "seed": seed, "epoch": epoch}
    return build_batches(samples, info, batch_size, tf_data=tf_data, **how)


def build_batches(
    samples: Any,
    info: Any,
    batch_size: Any,
    *,
    shuffle: bool,
    augment: Iterable[str],
    seed: int,
    epoch: int,
    tf_data: bool,
) -> Any:
    """:func:`make_batches` as ``tf.data`` (``tf_data=True``) or numpy batches."""
    meta = _model_info(info)
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
    y = None
    if meta.encoding != "reconstruction":
        y = encode_labels(labels, meta.task, meta.encoding)
        if len(y) != n:
            raise DataError(f"Got {n} images but {len(y)} labels; give one label per image.")
    transforms = _check_augment(augment, images)
    epochs = _Epochs(n, shuffle, seed, epoch)
    channels_first = meta.input.data_format == "channels_first"
    if not tf_data:
        return _numpy_batches(images, x, y, int(batch_size), transforms, epochs, channels_first)
    import tensorflow as tf

    if transforms:
        ds = _augmented(images, y, int(batch_size), transforms, epochs, channels_first)
    else:
        ds = _gathered(x, y, int(batch_size), epochs)
    return ds.prefetch(tf.data.AUTOTUNE)


def _numpy_batches(
    images: np.ndarray,
    x: np.ndarray,
    y: np.ndarray | None,
    bs: int,
    transforms: tuple[str, ...],
    epochs: _Epochs,
    channels_first: bool,
) -> Any:
    """Numpy batches for ``fit`` on JAX and other backends: no TensorFlow, no tensors."""
    from kerazoo.data._numpy_batches import NumpyBatches

    if not transforms:
        return NumpyBatches(x, y, bs, epochs)
    from kerazoo.data.augment import augment as augment_images

    def augment(idx: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        xb = augment_images(images[idx], rng, transforms)
        return np.ascontiguousarray(xb.transpose(0, 3, 1, 2)) if channels_first else xb

    return NumpyBatches(x, y, bs, epochs, augment)


class _Epochs:
    """Hands out epoch numbers, one per pass over the data, with that epoch's generator."""

    def __init__(self, n: int, shuffle: bool, seed: int, first: int) -> None:
        self.n, self.shuffle, self.seed, self.next = n, shuffle, int(seed), int(first)

    def take(self) -> int:
        """The next epoch's number (and count it as started)."""
        self.next += 1
        return self.next - 1

    def draw(self, epoch: int) -> tuple[np.ndarray, np.random.Generator]:
        """Epoch ``epoch``'s sample order and its random generator, drawn afresh."""
        rng = np.random.default_rng(self.seed * 100_003 + epoch)
        order = rng.permutation(self.n) if self.shuffle else np.arange(self.n)
        return order, rng

    def start(self) -> tuple[np.ndarray, np.random.Generator]:
        """The next epoch's sample order and its random generator."""
        return self.draw(self.take())


def _as_float(xb: Any) -> Any:
    import tensorflow as tf

    return tf.cast(xb, tf.float32) * (1.0 / 255.0)


def _gathered(x: np.ndarray, y: np.ndarray | None, bs: int, epochs: _Epochs) -> Any:
    """Whole arrays handed to TensorFlow once; batches gathered by index inside tf.data."""
    import tensorflow as tf

    xt = tf.constant(x)
    yt = None if y is None else tf.constant(y)

    def orders() -> Iterator[np.ndarray]:
        yield epochs.start()[0]  # one Python call per epoch, none per batch

    order = tf.data.Dataset.from_generator(
        orders, output_signature=tf.TensorSpec((x.shape[0],), tf.int64)
    )
    order = order.flat_map(lambda idx: tf.data.Dataset.from_tensor_slices(idx).batch(bs))

    def gather(idx: Any) -> Any:
        xb = tf.gather(xt, idx)
        return xb, _as_float(xb) if yt is None else tf.gather(yt, idx)

    ds = order.map(gather, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return ds.apply(tf.data.experimental.assert_cardinality(-(-x.shape[0] // bs)))


def _augmented(
    images: np.ndarray,
    y: np.ndarray | None,
    bs: int,
    transforms: tuple[str, ...],
    epochs: _Epochs,
    channels_first: bool,
) -> Any:
    """Batches augmented in numpy (in tf.data's background thread), fresh every epoch."""
    import tensorflow as tf

    from kerazoo.data.augment import augment as augment_images

    n = len(images)

    def generate() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        order, rng = epochs.start()
        for start in range(0, n, bs):
            idx = order[start : start + bs]
            xb = augment_images(images[idx], rng, transforms)
            if channels_first:
                xb = np.ascontiguousarray(xb.transpose(0, 3, 1, 2))
            yield xb, (xb if y is None else y[idx])

    shape = images.shape[1:]
    x_shape = (shape[2], shape[0], shape[1]) if channels_first else shape
    x_spec = tf.TensorSpec((None, *x_shape), tf.uint8)
    y_spec = x_spec if y is None else tf.TensorSpec((None, *y.shape[1:]), tf.as_dtype(y.dtype))
    ds = tf.data.Dataset.from_generator(generate, output_signature=(x_spec, y_spec))
    ds = ds.apply(tf.data.experimental.assert_cardinality(-(-n // bs)))  # fit knows the length
    if y is None:
        ds = ds.map(lambda xb, yb: (xb, _as_float(yb)))
    return ds


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
