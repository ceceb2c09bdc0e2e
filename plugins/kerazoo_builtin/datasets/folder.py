"""``folder``: your own images, one sub-folder per class (PNG, JPEG, ..., any size)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import ClassVar

import numpy as np

from kerazoo import DataError, Dataset, InvalidOptionError, Param, Samples, Task, natural_key
from kerazoo.data.augment import TRANSFORMS, applicable, check_transforms
from kerazoo.data.decode import (
    IMAGE_SUFFIXES,
    ImageFileError,
    conform,
    convert_channels,
    read_image,
)

#: File name endings read as images (case does not matter): the decoder's one list.
EXTENSIONS = IMAGE_SUFFIXES
_SKIP_HINT = "Remove or replace it, or pass on_error=skip to skip bad files with a warning."


class BadImageError(DataError):
    """One image file that cannot be used; ``reason`` names the file and says why."""

    def __init__(self, reason: str, hint: str = _SKIP_HINT) -> None:
        super().__init__(f"{reason} {hint}")
        self.reason = reason


#: How each ``fit`` mode turns an image of any size into the chosen size.
FITS = ("stretch", "crop", "pad")


class Folder(Dataset):
    """Images from a folder with one sub-folder per class: ``PATH/<class>/<image>.png``.

    Class names are the sub-folder names in natural order ("2" before "10"); files are
    looked for in each class folder and its sub-folders, sorted by path, so the dataset is
    the same on every machine. Every image is decoded by :mod:`kerazoo.data.decode`, as the
    Predictor decodes it (EXIF rotation applied, first frame, alpha composited onto black,
    16-bit greys scaled to 8 bits), converted to the chosen ``channels`` and brought to
    ``size`` (``fit``: stretch, centre-crop or pad to the aspect ratio; bilinear).
    ``fit=stretch`` gives exactly the pixels the Predictor gives a model of that size.

    ``generate(n, seed)`` returns up to ``n`` images drawn without replacement by a seeded
    permutation of the file list, decoded on demand. Only the class folders are scanned
    when the dataset is made (to know its classes); files lying directly in ``PATH`` (such
    as ``labels.csv``) and names starting with "." are ignored. A file whose name does not
    end in one of ``IMAGE_SUFFIXES``, one Pillow cannot decode, or one that is larger than
    Pillow's decompression-bomb limit (``PIL.Image.MAX_IMAGE_PIXELS``) is an error naming
    the file, or is skipped with a warning with ``on_error=skip``. Masks are None.

    ``target=count`` reads numeric sub-folder names ("0", "1", ..., "50") as each image's
    count (or any value): the task is then a regression over their range, as ``circles``
    with ``target=count`` gives, for counting images drawn by other tools.

    Example:
        >>> import kerazoo
        >>> ds = kerazoo.get_dataset("folder", path="photos", size=32)  # doctest: +SKIP
        >>> ds.task.class_names                                         # doctest: +SKIP
        ('cat', 'dog')
    """

    description = "your images: one sub-folder per class, PNG/JPEG/... of any size"
    options: ClassVar[dict[str, Param]] = {
        "path": Param(None, str, required=True, help="folder with one sub-folder per class"),
        "size": Param(64, "size", help="size every image is resized to: N or HxW"),
        "channels": Param(3, int, choices=(1, 3), help="1 (grey) or 3 (RGB)"),
        "fit": Param("stretch", str, choices=FITS, help="how to reach the size"),
        "on_error": Param(
            "raise",
            str,
            choices=("raise", "skip"),
            help="a bad file is an error, or skipped with a warning",
        ),
        "target": Param(
            "class",
            str,
            choices=("class", "count"),
            help="class: one class per sub-folder; count: sub-folder names are numbers "
            "(0, 1, ..., 50) and the task is a regression on them",
        ),
        "augment": Param(
            "",
            str,
            help="comma-separated augmentations that keep your labels true, from: "
            + ", ".join(TRANSFORMS),
        ),
    }

    def check_options(self) -> None:
        """Scan the class folders (names only) and check the augmentations."""
        root = Path(self.config["path"]).expanduser()
        self.root = root
        if not root.is_dir():
            what = "is not a folder" if root.exists() else "does not exist"
            raise DataError(f"The folder dataset's path {str(root)!r} {what}.")
        classes = sorted(
            (p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")),
            key=lambda p: natural_key(p.name),
        )
        if not classes:
            raise DataError(
                f"The folder {str(root)!r} has no class sub-folders. Put the images of each "
                f"class in its own sub-folder: {root / 'CLASS' / 'image.png'}."
            )
        if len(classes) < 2:
            raise DataError(
                f"The folder {str(root)!r} has only one class sub-folder "
                f"({classes[0].name!r}); a classification dataset needs at least 2 classes."
            )
        files: list[Path] = []
        labels: list[int] = []
        for index, folder in enumerate(classes):
            found = sorted(
                (
                    p
                    for p in folder.rglob("*")
                    if p.is_file()
                    and not any(part.startswith(".") for part in p.relative_to(root).parts)
                ),
                key=lambda p: p.relative_to(root).as_posix(),
            )
            if not found:
                raise DataError(
                    f"The class folder {str(folder)!r} has no files. Add images or remove it."
                )
            files += found
            labels += [index] * len(found)
        self.class_names = tuple(p.name for p in classes)
        self.files = files
        self.labels = np.array(labels, dtype=np.int64)
        if self.config["target"] == "count":
            self.values = self._folder_numbers(root)
            self.labels = self.values[self.labels]
        try:
            wanted = [t.strip() for t in self.config["augment"].split(",") if t.strip()]
            self.augmentations = applicable(check_transforms(wanted), self.image_shape)
        except InvalidOptionError as exc:
            raise self.invalid(f"augment={self.config['augment']!r}: {exc}") from None

    def _folder_numbers(self, root: Path) -> np.ndarray:
        """The sub-folder names as numbers, for ``target=count`` (refused if one is not)."""
        values = []
        for name in self.class_names:
            try:
                values.append(float(name))
            except ValueError:
                raise self.invalid(
                    "target=count reads each sub-folder name as the count of its images, but "
                    f"the sub-folder {name!r} of {str(root)!r} is not a number. Name the "
                    "sub-folders by count (0, 1, ..., 50), or use target=class for named classes."
                ) from None
        array = np.array(values, dtype=np.float64)
        if np.all(array == np.round(array)):
            return array.astype(np.int64)
        return array

    @property
    def task(self) -> Task:
        """Classification over the sub-folder names, or with ``target=count`` a regression
        over their values (integer when all are whole numbers)."""
        if self.config["target"] == "count":
            v = self.values
            return Task.regression(v.min(), v.max(), integer=v.dtype.kind == "i")
        return Task.classification(self.class_names)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """``(H, W, channels)`` from the options."""
        h, w = self.config["size"]
        return (h, w, self.config["channels"])

    @property
    def max_samples(self) -> int:
        """The number of files in the class folders."""
        return len(self.files)

    def make(self, n: int, rng: np.random.Generator) -> Samples:
        """Decode up to ``n`` files in a seeded random order (bad files per ``on_error``)."""
        order = rng.permutation(len(self.files))
        h, w, ch = self.image_shape
        images = np.zeros((min(n, len(order)), h, w, ch), dtype=np.uint8)
        labels = np.zeros(images.shape[0], dtype=self.labels.dtype)
        got = 0
        for i in order:
            if got == images.shape[0]:
                break
            try:
                images[got] = self.load(self.files[i])
            except BadImageError as exc:
                if self.config["on_error"] == "raise":
                    raise
                warnings.warn(f"Skipped: {exc.reason}", UserWarning, stacklevel=3)
                continue
            labels[got] = self.labels[i]
            got += 1
        return Samples(images[:got], labels[:got], None)

    def load(self, path: str | Path) -> np.ndarray:
        """Read one image file as ``uint8 [H, W, C]`` in this dataset's size and channels.

        Raises:
            BadImageError: (a DataError) naming the file, when its name does not end in one
                of ``IMAGE_SUFFIXES``, Pillow cannot decode it, or it is above the
                decompression-bomb limit (then it is not decoded at all).
        """
        path = Path(path)
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            raise BadImageError(
                f"{str(path)!r} is not an image file by its name (expected one of "
                f"{', '.join(IMAGE_SUFFIXES)})."
            )
        try:
            pixels, _ = read_image(path)
        except ImageFileError as exc:
            if exc.too_large:
                raise BadImageError(
                    f"{str(path)!r} is refused unread, above the decompression-bomb limit: "
                    f"{exc.reason}",
                    "Shrink the image, raise PIL.Image.MAX_IMAGE_PIXELS if you trust it, or "
                    "pass on_error=skip.",
                ) from None
            raise BadImageError(
                f"{str(path)!r} cannot be read as an image ({exc.reason})."
            ) from None
        return self._fit(pixels)

    def _fit(self, pixels: np.ndarray) -> np.ndarray:
        """Decoded ``uint8 [h, w, 1 or 3]`` -> this dataset's channels and size, per ``fit``."""
        from PIL import Image, ImageOps

        h, w, ch = self.image_shape
        if self.config["fit"] == "stretch":  # exactly what the Predictor does
            return conform(pixels[None], h, w, ch, [])[0]
        pixels = convert_channels(pixels[None], ch, [])[0]
        img = Image.fromarray(pixels[..., 0] if ch == 1 else pixels)
        method = Image.Resampling.BILINEAR
        if self.config["fit"] == "crop":
            img = ImageOps.fit(img, (w, h), method=method)
        else:
            img = ImageOps.pad(img, (w, h), method=method, color=0)
        return np.asarray(img, dtype=np.uint8).reshape(h, w, ch)
