"""How many images each split of a run gets: the user's sizes, or ones that fit the dataset.

A synthetic dataset makes as many samples as asked: the defaults are 4000 training, 1000
validation and as many test images as validation ones. A dataset with a fixed number of
samples (a folder of images) is split 0.7 / 0.15 / 0.15 by default, and sizes that ask for
more than it holds are refused before anything starts, naming the flags to change.

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


def split_sizes(cfg: Mapping[str, Any], available: int | None) -> tuple[int, int, int]:
    """``(train, val, test)`` sizes from the settings (``None`` = automatic).

    Args:
        cfg: the run's settings, with ``train_size``, ``val_size``, ``test_size``.
        available: what the dataset can make (``Dataset.max_samples``); ``None``: any number.

    Raises:
        DataError: the sizes ask for more samples than the dataset holds.
    """
    train, val, test = (cfg.get(k) for k in ("train_size", "val_size", "test_size"))
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
