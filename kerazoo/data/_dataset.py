"""The Dataset base class: what a dataset plugin promises.

A dataset says what it is before it makes anything (its :class:`~kerazoo.Task`, its image
shape, its options with defaults) and then makes canonical, backend-free data: ``uint8``
pixels ``[N, H, W, C]``, labels, and optional per-image masks, bit-identical for the same
options and seed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, NamedTuple

import numpy as np

from kerazoo._errors import DataError, InvalidOptionError, KerazooError, PluginError, option
from kerazoo._params import Param, check_seed, resolve
from kerazoo._task import Task
from kerazoo.data._memory import check_fits, format_bytes

__all__ = ["Dataset", "Samples", "Splits"]


class Samples(NamedTuple):
    """Images with their labels and masks.

    Attributes:
        images: ``uint8`` array ``[N, H, W, C]``.
        labels: class indices (``int64``) for classification, ``float32`` values for
            regression, ``None`` for reconstruction (the target is the image).
        masks: ``bool`` array ``[N, H, W]`` marking the objects, or ``None``.
    """

    images: np.ndarray
    labels: np.ndarray | None
    masks: np.ndarray | None

    def __len__(self) -> int:  # NamedTuple's len would be 3
        return int(self.images.shape[0])

    def take(self, index: Any) -> Samples:
        """The samples at ``index`` (a slice or an index array)."""
        return Samples(
            self.images[index],
            None if self.labels is None else self.labels[index],
            None if self.masks is None else self.masks[index],
        )


class Splits(NamedTuple):
    """Train, validation and test samples drawn from one seed, with no overlap."""

    train: Samples
    val: Samples
    test: Samples


class Dataset:
    """Base class of every dataset plugin.

    Subclasses set ``options`` (a table of :class:`~kerazoo.Param`), and implement
    ``task``, ``image_shape`` and ``make``. Everything else comes from here.

    Example:
        >>> import kerazoo
        >>> ds = kerazoo.get_dataset("shapes", size=32)
        >>> data = ds.generate(10, seed=0)
        >>> data.images.shape, data.images.dtype
        ((10, 32, 32, 1), dtype('uint8'))
    """

    #: The registered name of this instance: the registry gives each instance it makes the
    #: name of the entry point it was made from (an alias gets the alias). The class never
    #: changes; a name declared here is only the default of an instance made without the
    #: registry.
    name: str = ""
    #: ``"distribution version"`` of the package whose entry point made this instance.
    plugin: str = ""
    #: One line for ``kerazoo list``.
    description: ClassVar[str] = ""
    #: The options this dataset accepts, with defaults: config as data.
    options: ClassVar[dict[str, Param]] = {}
    #: Transforms that keep every label of this dataset true, from
    #: ``kerazoo.data.augment.TRANSFORMS`` (a flip can change a label, so each dataset says).
    #: An instance may narrow it from its options (no ``rot90`` for non-square sizes).
    augmentations: tuple[str, ...] = ()
    #: Training settings this dataset trains well with, used where the user gives none
    #: (``{"epochs": 10}`` for a small dataset that 5 epochs leave half-trained); a run says
    #: when it uses one. Names and values are those of ``kerazoo.train``'s settings.
    suggested_settings: ClassVar[dict[str, Any]] = {}

    def __init__(self, **options: Any) -> None:
        self.config: dict[str, Any] = resolve(type(self).options, options, self.display_name)
        self.check_options()

    # -- what a plugin implements -------------------------------------------------------
    def check_options(self) -> None:
        """Validate options against each other; raise ``InvalidOptionError``. Optional."""

    @property
    def task(self) -> Task:
        """The meaning of the labels (class names, value range, or reconstruction)."""
        raise NotImplementedError

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """``(height, width, channels)`` of every image made with these options."""
        raise NotImplementedError

    def make(self, n: int, rng: np.random.Generator) -> Samples:
        """Make ``n`` samples using only ``rng`` for randomness."""
        raise NotImplementedError

    @property
    def max_samples(self) -> int | None:
        """How many distinct samples this dataset can make: ``None`` (as many as asked, the
        synthetic datasets) or a count (a folder holds that many images). Training sizes
        its splits from it when the user gives none. Optional."""
        return None

    @property
    def fixed_split(self) -> tuple[int, int] | None:
        """``(train, test)``: how many samples the dataset's own training and test parts
        hold, when it comes with a fixed split (MNIST's 60,000 and 10,000); ``None`` (the
        default) when any sample may go to any split. Optional.

        A dataset that gives it implements :meth:`make_part`. :meth:`split` then draws the
        training and validation samples from the training part and the test samples from
        the test part, and training sizes its splits from it (all of the test part, a tenth
        of the training part for validation, unless the user says otherwise).

        Example:
            >>> import kerazoo
            >>> kerazoo.get_dataset("shapes").fixed_split is None
            True
        """
        return None

    def make_part(self, part: str, n: int, rng: np.random.Generator) -> Samples:
        """Up to ``n`` samples of the fixed ``part`` (``"train"`` or ``"test"``), drawn
        without replacement using only ``rng``. Only for a dataset with :attr:`fixed_split`."""
        raise NotImplementedError

    def draw_predictions(self, predict: Any, folder: Path) -> dict[str, Path]:
        """Pictures of what a model makes of this dataset's whole input space, beside the
        truth, for a dataset that can draw them; the evaluation adds them to its own.
        Optional: by default there are none.

        ``function`` draws the fitted curve over the true one, outside the trained interval
        too; a dataset of images has no such space to sweep, and keeps the default.

        Args:
            predict: ``uint8 [N, H, W, C]`` images -> the model's values ``float [N]``
                (regression) or class indices ``int [N]`` (classification), through the
                :class:`kerazoo.Predictor` (as a deployed model decodes them).
            folder: where to write the pictures (it exists).

        Returns:
            picture name -> the PNG written (the name titles it in the report).

        Example:
            >>> import kerazoo
            >>> kerazoo.get_dataset("shapes").draw_predictions(None, ".")
            {}
        """
        return {}

    # -- what every dataset gets ---------------------------------------------------------
    @property
    def display_name(self) -> str:
        """How messages name this dataset: its kind and registered name, e.g. ``"dataset 'x'"``.

        Use it in a plugin's own error messages, so they read like kerazoo's.

        Example:
            >>> message = f"{self.display_name} needs 3 channels"  # doctest: +SKIP
        """
        return f"dataset {self.name or type(self).__name__!r}"

    def invalid(self, message: str) -> InvalidOptionError:
        """An ``InvalidOptionError`` prefixed with this dataset's name, for ``check_options``."""
        return InvalidOptionError(f"Invalid options for {self.display_name}: {message}")

    def generate(self, n: int, seed: int = 0) -> Samples:
        """Make ``n`` samples from ``seed``: the same options and seed give the same bits.

        ``generate(n, seed)`` is not a prefix of ``generate(m, seed)``: take splits from one
        call (``split``) rather than from calls of different sizes.

        Args:
            n: number of samples (a folder dataset may return fewer: all it has).
            seed: any non-negative integer.

        Returns:
            :class:`Samples` with ``images`` ``uint8 [N, H, W, C]``, ``labels``, ``masks``.
        """
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise InvalidOptionError(f"n must be a non-negative integer, got {n!r}.")
        seed = check_seed(seed)
        self.check_size(int(n))
        return self._made(int(n), lambda: self.make(int(n), np.random.default_rng(seed)))

    def _made(self, n: int, make: Any) -> Samples:
        """``make()``'s samples, checked against the contract; its errors worded."""
        try:
            samples = make()
        except KerazooError:
            raise  # a deliberate, already-worded error (an unreadable image, a bad option)
        except MemoryError:
            raise InvalidOptionError(
                f"{self.display_name} ran out of memory making {n} samples (the images alone "
                f"take about {format_bytes(n * self.sample_bytes())}): the request is too "
                f"large for this machine. Ask for fewer with {option('n')}."
            ) from None
        except Exception as exc:
            source = self.plugin or type(self).__module__
            raise PluginError(
                f"{self.display_name} from {source} failed in make(): {type(exc).__name__}: "
                f"{exc}. This is a bug in that plugin: report it to its package, with the "
                "traceback above."
            ) from exc
        self._check_samples(samples, n)
        return samples

    def sample_bytes(self) -> int:
        """The bytes one sample takes: its ``uint8`` pixels, a mask and a label.

        Example:
            >>> import kerazoo
            >>> kerazoo.get_dataset("shapes", size=32).sample_bytes()
            2056
        """
        h, w, c = self.image_shape
        return h * w * c + h * w + 8

    def check_size(self, n: int, setting: str = "n", work: int = 0) -> None:
        """Refuse ``n`` samples that cannot fit in memory, before any is made.

        Args:
            n: the number of samples asked for.
            setting: how the message names the count (``--n``, ``--count``, ...).
            work: more bytes per sample the caller will spend on them (a float copy
                through a model, a picture tile).

        Raises:
            InvalidOptionError: a count that is not a non-negative integer; or the estimate,
                the limit and how many fit.

        Example:
            >>> import kerazoo
            >>> kerazoo.get_dataset("shapes", size=32).check_size(100)
        """
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise InvalidOptionError(
                f"{option(setting)} must be a non-negative integer, got {n!r}."
            )
        h, w, c = self.image_shape
        check_fits(
            int(n),
            self.sample_bytes() + work,
            what=f"{option(setting, n)} ({self.display_name}, {h}x{w}x{c} samples)",
            fix=f"Ask for fewer with {option(setting)}",
        )

    def split(self, train: int, val: int = 0, test: int = 0, seed: int = 0) -> Splits:
        """Train / validation / test samples from one seed, disjoint by construction.

        A dataset with a :attr:`fixed_split` gives its training and validation samples from
        its training part and its test samples from its test part (:meth:`make_part`).

        Example:
            >>> import kerazoo
            >>> s = kerazoo.get_dataset("shapes").split(100, 20, seed=1)
            >>> len(s.train), len(s.val), len(s.test)
            (100, 20, 0)
        """
        if self.fixed_split is not None:
            return self._split_fixed(train, val, test, seed)
        total = train + val + test
        data = self.generate(total, seed=seed)
        if len(data) < total:
            raise DataError(
                f"{self.display_name} has {len(data)} samples but the split asks for "
                f"{train} train + {val} validation + {test} test = {total}. "
                "Ask for fewer samples."
            )
        return Splits(
            data.take(slice(0, train)),
            data.take(slice(train, train + val)),
            data.take(slice(train + val, total)),
        )

    def _split_fixed(self, train: int, val: int, test: int, seed: int) -> Splits:
        """Training and validation from the fixed training part, test from the test part."""
        sizes = {"train_size": train, "val_size": val, "test_size": test}
        for setting, n in sizes.items():
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
                raise InvalidOptionError(
                    f"{option(setting)} must be a non-negative integer, got {n!r}."
                )
        have_train, have_test = self.fixed_split or (0, 0)
        if train + val > have_train or test > have_test:
            raise DataError(
                f"{self.display_name} has a fixed split of {have_train} training and "
                f"{have_test} test samples, but the split asks for {train} train + {val} "
                f"validation (from the training part) and {test} test. Ask for fewer samples."
            )
        self.check_size(train + val + test)
        rng = np.random.default_rng(check_seed(seed))
        first = self._made(train + val, lambda: self.make_part("train", train + val, rng))
        last = self._made(test, lambda: self.make_part("test", test, rng))
        for got, want, part in ((first, train + val, "training"), (last, test, "test")):
            if len(got) != want:
                raise PluginError(
                    f"{self.display_name} broke the Dataset contract: make_part() gave "
                    f"{len(got)} of the {want} samples asked from its {part} part, which "
                    "fixed_split says it holds."
                )
        return Splits(first.take(slice(0, train)), first.take(slice(train, None)), last)

    def options_json(self) -> dict[str, Any]:
        """The options as JSON values: with the seed, enough to make the same data again."""
        table = type(self).options
        return {k: table[k].dump(v) for k, v in self.config.items()}

    def __repr__(self) -> str:
        opts = ", ".join(f"{k}={v!r}" for k, v in self.options_json().items())
        return f"<Dataset {self.name or type(self).__name__}({opts})>"

    def _check_samples(self, s: Samples, n: int) -> None:
        bad = None
        h, w, c = self.image_shape
        if not isinstance(s, Samples):
            bad = f"make() returned {type(s).__name__}, not kerazoo.Samples"
        elif not isinstance(s.images, np.ndarray) or s.images.dtype != np.uint8:
            bad = f"images must be a uint8 numpy array, got {getattr(s.images, 'dtype', s.images)}"
        elif s.images.ndim != 4 or s.images.shape[1:] != (h, w, c):
            bad = f"images have shape {s.images.shape}, expected (N, {h}, {w}, {c})"
        elif len(s) > n:
            bad = f"asked for {n} samples, got {len(s)}"
        elif self.task.kind != "reconstruction" and (s.labels is None or len(s.labels) != len(s)):
            bad = "labels are missing or not one per image"
        elif s.masks is not None and s.masks.shape != s.images.shape[:3]:
            bad = f"masks have shape {s.masks.shape}, expected {s.images.shape[:3]}"
        elif self.task.kind == "classification":
            bad = _class_label_problem(s.labels, self.task.class_names)
        if bad:
            raise PluginError(f"{self.display_name} broke the Dataset contract: {bad}.")


def _class_label_problem(labels: Any, class_names: tuple[str, ...]) -> str | None:
    """Why ``labels`` are not class indices into ``class_names``, or ``None``."""
    labels = np.asarray(labels)
    if not np.issubdtype(labels.dtype, np.integer):
        return f"class labels must be integers (indices into the class names), got {labels.dtype}"
    top = len(class_names) - 1
    out = labels[(labels < 0) | (labels > top)]
    if out.size:
        return (
            f"class labels must be in 0..{top} ({len(class_names)} classes: "
            f"{', '.join(class_names)}), got {out.flat[0]}"
        )
    return None
