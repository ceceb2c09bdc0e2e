"""How many images each split of a run gets: the user's sizes, or ones that fit the dataset.

A synthetic dataset makes as many samples as asked: the defaults are 4000 training, 1000
validation and as many test images as validation ones. A dataset with a fixed number of
samples (a folder of images) is split 0.7 / 0.15 / 0.15 by default, and sizes that ask for
more than it holds are refused before anything starts, naming the flags to change. A
dataset with a fixed training / test split (``Dataset.fixed_split``: MNIST, CIFAR) tests on
all of its test part and validates on a tenth of its training part by default; the
training images are the rest of the training part, or the first ``--train-size`` of them.

Example:
    >>> split_sizes({"train_size": None, "val_size": 50, "test_size": 0}, None)
    (4000, 50, 0)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kerazoo._errors import DataError, option
from kerazoo.data._memory import check_fits

__all__ = ["check_split_memory", "split_sizes"]

#: (train, validation) when the dataset can make any number of samples.
UNLIMITED = (4000, 1000)
#: Shares of a fixed-size dataset for (train, validation, test).
SHARES = (0.7, 0.15, 0.15)
#: The share of a fixed training part that validates by default (Keras' MNIST example
#: holds out ``validation_split=0.1``).
VAL_SHARE = 0.1


def split_sizes(
    cfg: Mapping[str, Any], available: int | None, parts: tuple[int, int] | None = None
) -> tuple[int, int, int]:
    """``(train, val, test)`` sizes from the settings (``None`` = automatic).

    Args:
        cfg: the run's settings, with ``train_size``, ``val_size``, ``test_size``.
        available: what the dataset can make (``Dataset.max_samples``); ``None``: any number.
        parts: ``(train, test)`` sizes of a fixed split (``Dataset.fixed_split``), which
            then decides instead of ``available``.

    Raises:
        DataError: the sizes ask for more samples than the dataset holds.

    Example:
        >>> split_sizes({"train_size": 1000}, None, parts=(60000, 10000))
        (1000, 6000, 10000)
    """
    train, val, test = (cfg.get(k) for k in ("train_size", "val_size", "test_size"))
    if parts is not None:
        return _fixed_sizes(train, val, test, parts)
    if available is None:
        train = UNLIMITED[0] if train is None else train
        val = UNLIMITED[1] if val is None else val
        return train, val, val if test is None else test
    given = sum(v for v in (train, val, test) if v is not None)
    left = max(available - given, 0)
    auto = [i for i, v in enumerate((train, val, test)) if v is None]
    share = sum(SHARES[i] for i in auto)
    sizes = [train, val, test]
    for i in auto:  # the automatic splits share what the given ones leave, by their shares
        sizes[i] = int(left * SHARES[i] / share + 1e-9)
    if auto:  # rounding leftovers go to training
        sizes[auto[0]] += left - sum(sizes[i] for i in auto)
    train, val, test = sizes
    if train + val + test > available or train < 1 or val < 1:
        problem = (
            f"too few for {train} training + {val} validation + {test} test images"
            if train + val + test > available
            else f"split as {train} training + {val} validation + {test} test images, "
            "and a run needs at least one of each for training and validation"
        )
        raise DataError(
            f"The dataset holds {available} images: {problem}. Ask for fewer with "
            f"{option('train_size')}, {option('val_size')} and {option('test_size')} "
            "(leave them out to split what the dataset holds 0.7 / 0.15 / 0.15), or add images."
        )
    return train, val, test


def _fixed_sizes(
    train: int | None, val: int | None, test: int | None, parts: tuple[int, int]
) -> tuple[int, int, int]:
    """Sizes drawn from a fixed split: training and validation from its training part."""
    have_train, have_test = parts
    test = have_test if test is None else test
    if val is None:
        val = min(round(have_train * VAL_SHARE), max(have_train - (train or 0), 0))
    train = have_train - val if train is None else train
    flags = f"{option('train_size')} and {option('val_size')}"
    if train + val > have_train:
        raise DataError(
            f"The dataset's training part holds {have_train} images: too few for {train} "
            f"training + {val} validation images (both come from it). Ask for fewer with "
            f"{flags} (leave {option('val_size')} out to validate on a tenth of it)."
        )
    if test > have_test:
        raise DataError(
            f"The dataset's test part holds {have_test} images: too few for {test} test "
            f"images. Ask for at most {have_test} with {option('test_size')} (leave it out "
            "to test on all of them)."
        )
    if train < 1 or val < 1:
        raise DataError(
            f"The dataset's training part holds {have_train} images, split as {train} "
            f"training + {val} validation, and a run needs at least one of each. Give "
            f"{flags} that leave one of each."
        )
    return train, val, test


def check_split_memory(dataset: Any, sizes: tuple[int, int, int]) -> None:
    """Refuse splits whose images cannot fit in memory, before any is made.

    A run holds each image twice (the dataset's ``uint8`` array and the copy handed to the
    framework), with its mask and label.

    Raises:
        InvalidOptionError: the estimate, the limit, and how many images fit.

    Example:
        >>> import kerazoo
        >>> check_split_memory(kerazoo.get_dataset("shapes", size=16), (100, 20, 20))
    """
    train, val, test = sizes
    h, w, c = dataset.image_shape
    check_fits(
        train + val + test,
        dataset.sample_bytes() + h * w * c,
        what=f"{train} training + {val} validation + {test} test images of "
        f"{dataset.display_name} ({h}x{w}x{c})",
        fix=f"Ask for fewer with {option('train_size')}, {option('val_size')} and "
        f"{option('test_size')}; images in all",
    )
