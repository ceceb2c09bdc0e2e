"""``folder``: your own images, one sub-folder per class (PNG or JPEG, any size)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from kerazoo import DataError, Dataset, Param, Samples, Task, natural_key
from kerazoo.data.augment import TRANSFORMS, applicable, check_transforms
from kerazoo.errors import InvalidOptionError

#: File name endings read as images (case does not matter).
EXTENSIONS = (".png", ".jpg", ".jpeg")
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
    the same on every machine. Every image is converted to the chosen ``channels`` (alpha is
    composited onto black, 16-bit greys scaled to 8 bits, EXIF rotation applied) and
    resized to ``size`` (``fit``: stretch, centre-crop or pad to the aspect ratio; bilinear).

    ``generate(n, seed)`` returns up to ``n`` images drawn without replacement by a seeded
    permutation of the file list, decoded on demand. Only the class folders are scanned
    when the dataset is made (to know its classes); files lying directly in ``PATH`` (such
    as ``labels.csv``) and names starting with "." are ignored. A file that is not a
    readable PNG or JPEG, or that is larger than Pillow's decompression-bomb limit
    (``PIL.Image.MAX_IMAGE_PIXELS``), is an error naming the file, or is skipped with a
    warning with ``on_error=skip``. Masks are None.

    Example:
        >>> import kerazoo
        >>> ds = kerazoo.get_dataset("folder", path="photos", size=32)  # doctest: +SKIP
        >>> ds.task.class_names                                         # doctest: +SKIP
        ('cat', 'dog')
    """

    description = "your images: one sub-folder per class, PNG/JPEG of any size"
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
        try:
            wanted = [t.strip() for t in self.config["augment"].split(",") if t.strip()]
            self.augmentations = applicable(check_transforms(wanted), self.image_shape)
        except InvalidOptionError as exc:
            raise self.invalid(f"augment={self.config['augment']!r}: {exc}") from None

    @property
    def task(self) -> Task:
        """Classification over the sub-folder names."""
        return Task.classification(self.class_names)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """``(H, W, channels)`` from the options."""
        h, w = self.config["size"]
        return (h, w, self.config["channels"])

    def make(self, n: int, rng: np.random.Generator) -> Samples:
        """Decode up to ``n`` files in a seeded random order (bad files per ``on_error``)."""
        order = rng.permutation(len(self.files))
        h, w, ch = self.image_shape
        images = np.zeros((min(n, len(order)), h, w, ch), dtype=np.uint8)
        labels = np.zeros(images.shape[0], dtype=np.int64)
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
            BadImageError: (a DataError) naming the file, when it is not a PNG/JPEG that
                Pillow can decode, or is above the decompression-bomb limit (then it is
                not decoded at all).
        """
        from PIL import Image, ImageOps, UnidentifiedImageError

        path = Path(path)
        if path.suffix.lower() not in EXTENSIONS:
            raise BadImageError(
                f"{str(path)!r} is not a PNG or JPEG file (by its name: {', '.join(EXTENSIONS)})."
            )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(path) as img:
                    img.load()
                    img = ImageOps.exif_transpose(img)
                    return self._convert(img)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise BadImageError(
                f"{str(path)!r} is refused unread, above the decompression-bomb limit: {exc}",
                "Shrink the image, raise PIL.Image.MAX_IMAGE_PIXELS if you trust it, or pass "
                "on_error=skip.",
            ) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise BadImageError(
                f"{str(path)!r} cannot be read as an image ({type(exc).__name__}: {exc})."
            ) from None

    def _convert(self, img: Any) -> np.ndarray:
        from PIL import Image, ImageOps

        h, w, ch = self.image_shape
        if img.mode in ("I;16", "I;16B", "I;16L", "I"):
            raw = np.asarray(img, dtype=np.int64)
            img = Image.fromarray((np.clip(raw, 0, 65535) >> 8).astype(np.uint8), "L")
        if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
            rgba = img.convert("RGBA")
            img = Image.alpha_composite(Image.new("RGBA", rgba.size, (0, 0, 0, 255)), rgba)
        img = img.convert("L" if ch == 1 else "RGB")
        method = Image.Resampling.BILINEAR
        if self.config["fit"] == "crop":
            img = ImageOps.fit(img, (w, h), method=method)
        elif self.config["fit"] == "pad":
            img = ImageOps.pad(img, (w, h), method=method, color=0)
        elif img.size != (w, h):
            img = img.resize((w, h), method)
        out = np.asarray(img, dtype=np.uint8)
        return out.reshape(h, w, ch)
