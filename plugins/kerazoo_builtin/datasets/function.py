"""``function``: learn a function of one or two numbers (a sine, a polynomial, a bump).

A network fitting ``y = sin(x)`` is the classic way to see what it can approximate, and
what it does outside the interval it was trained on. kerazoo's data path carries ``uint8``
pixels, so the numbers travel as pixels: ``x`` is the brightness of a 1x1 grey image (two
pixels side by side, ``x`` and ``y``, for ``dims=2``). The 256 grey levels are spread evenly
over the trained interval ``low..high`` widened by half its length on each side; the
training, validation and test samples use only the levels inside ``low..high`` (128 of
them), so the levels outside are inputs the model has never seen, and
:meth:`Function.draw_predictions` draws the fitted curve over the true one across all 256.
Each label is the function at its level's exact ``x``, so the grid loses nothing: the model
is asked for ``f`` at 128 points (``dims=1``) or 128 x 128 (``dims=2``).

The functions are a fixed menu, chosen by name with numeric parameters; no user text is
ever evaluated.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from kerazoo import Dataset, Param, Samples, Task

#: The functions on the menu, by name.
FUNCTIONS = ("sin", "cos", "poly", "gauss")
#: Grey levels, each one value of ``x``.
LEVELS = 256

__all__ = ["Function"]


class Function(Dataset):
    """One number in, one out: ``y = f(x)`` (``dims=1``) or ``z = f(r)``, ``r`` the distance
    of ``(x, y)`` from the origin (``dims=2``, a radial ripple, bowl or bump).

    ``f`` is ``sin`` / ``cos`` (``amplitude * sin(frequency * x)``), ``poly`` (``coef``:
    ``c0,c1,c2,...`` of ``c0 + c1 x + c2 x^2 + ...``) or ``gauss`` (``amplitude *
    exp(-x^2 / (2 width^2))``). ``noise`` adds Gaussian noise of that standard deviation to
    every label (the test labels too, so the test MAE cannot go below about ``0.8 * noise``).

    Example:
        >>> import kerazoo
        >>> ds = kerazoo.get_dataset("function", f="sin")
        >>> data = ds.generate(3, seed=0)
        >>> data.images.shape, ds.task.kind, [round(v, 3) for v in ds.task.value_range]
        ((3, 1, 1, 1), 'regression', [-1.0, 1.0])
        >>> x = ds.values(data.images)[:, 0]
        >>> bool(np.allclose(data.labels, np.sin(x)))
        True
    """

    description = "fit y = f(x) (sin, cos, polynomial, gaussian bump; 1-D or radial 2-D)"
    options: ClassVar[dict[str, Param]] = {
        "f": Param("sin", str, choices=FUNCTIONS, help="the function: sin, cos, poly, gauss"),
        "dims": Param(1, int, choices=(1, 2), help="1: y = f(x); 2: z = f(r), r = sqrt(x^2 + y^2)"),
        "low": Param(-math.pi, float, low=-1e6, high=1e6, help="start of the trained interval"),
        "high": Param(math.pi, float, low=-1e6, high=1e6, help="end of the trained interval"),
        "amplitude": Param(1.0, float, low=-1e6, high=1e6, help="sin, cos, gauss: the height"),
        "frequency": Param(1.0, float, low=0.0, high=1e3, help="sin, cos: radians per unit x"),
        "width": Param(1.0, float, low=1e-6, high=1e6, help="gauss: the standard deviation"),
        "coef": Param(
            "0,0,1", str, help="poly: coefficients c0,c1,c2,... of c0 + c1 x + c2 x^2 + ..."
        ),
        "noise": Param(
            0.0, float, low=0.0, high=1e6, help="std of Gaussian noise added to each label"
        ),
    }

    # 4,000 samples a run: mlp (2 x 64 relu) fits sin to test MAE 0.10 in 5 epochs, 0.005 in 30
    suggested_settings: ClassVar[dict[str, Any]] = {"epochs": 30}

    def check_options(self) -> None:
        """Check the interval and the coefficients, and that ``f`` varies on the interval."""
        c = self.config
        if c["low"] >= c["high"]:
            raise self.invalid(
                f"low={c['low']:g} is not below high={c['high']:g}; give low < high "
                "(e.g. low=-3.14 high=3.14)."
            )
        self.coefficients = _coefficients(c["coef"], self)
        y = self.function(self.values(self._grid()))
        if float(np.ptp(y)) == 0.0:
            raise self.invalid(
                f"f={c['f']} is constant ({float(y[0]):g}) on {c['low']:g}..{c['high']:g}: "
                "there would be nothing to learn. Change its parameters or the interval."
            )

    @property
    def task(self) -> Task:
        """Regression over the values ``f`` takes on the trained interval."""
        y = self.function(self.values(self._grid()))
        return Task.regression(float(y.min()), float(y.max()))

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """``(1, dims, 1)``: one grey pixel per input number."""
        return (1, self.config["dims"], 1)

    def make(self, n: int, rng: np.random.Generator) -> Samples:
        """``n`` inputs drawn uniformly from the trained levels, their values as labels."""
        dims = self.config["dims"]
        levels = rng.choice(self.trained_levels(), size=(n, dims)).astype(np.uint8)
        images = levels.reshape(n, 1, dims, 1)
        labels = self.function(self.values(images))
        if self.config["noise"]:
            labels = labels + rng.normal(0.0, self.config["noise"], size=n)
        return Samples(images, labels.astype(np.float32), None)

    # -- the mapping between grey levels and numbers ---------------------------------------
    @property
    def shown(self) -> tuple[float, float]:
        """The interval the 256 levels cover: the trained one, widened by half on each side."""
        lo, hi = self.config["low"], self.config["high"]
        half = (hi - lo) / 2
        return lo - half, hi + half

    def level_values(self) -> np.ndarray:
        """``float64 [256]``: the number each grey level stands for."""
        a, b = self.shown
        return a + np.arange(LEVELS) * ((b - a) / (LEVELS - 1))

    def trained_levels(self) -> np.ndarray:
        """The grey levels inside ``low..high``: the only ones training data holds."""
        x = self.level_values()
        eps = 1e-9 * (self.shown[1] - self.shown[0])
        return np.flatnonzero((x >= self.config["low"] - eps) & (x <= self.config["high"] + eps))

    def images(self, xs: Any) -> np.ndarray:
        """The images that stand for the numbers ``xs`` (``[N]`` or ``[N, dims]``): each
        number becomes its nearest grey level, ``uint8 [N, 1, dims, 1]``. Numbers beyond the
        256 levels' interval (:attr:`shown`) are refused: no level stands for them.

        Example:
            >>> import kerazoo
            >>> ds = kerazoo.get_dataset("function")
            >>> image = ds.images([1.0])
            >>> image.shape, round(float(ds.values(image)[0, 0]), 3)
            ((1, 1, 1, 1), 1.01)
        """
        xs = np.asarray(xs, np.float64).reshape(-1, self.config["dims"])
        a, b = self.shown
        if xs.size and (xs.min() < a or xs.max() > b):
            raise self.invalid(
                f"x from {xs.min():g} to {xs.max():g} is beyond the {LEVELS} grey levels, "
                f"which stand for {a:g}..{b:g}; give numbers in that interval (or widen "
                "low..high)."
            )
        levels = np.rint((xs - a) * ((LEVELS - 1) / (b - a))).astype(np.uint8)
        return levels.reshape(len(xs), 1, self.config["dims"], 1)

    def values(self, images: np.ndarray) -> np.ndarray:
        """``float64 [N, dims]``: the numbers that ``uint8 [N, 1, dims, 1]`` images stand for."""
        levels = np.asarray(images).reshape(len(images), self.config["dims"]).astype(np.intp)
        return self.level_values()[levels]

    def function(self, xs: np.ndarray) -> np.ndarray:
        """``f`` of ``xs`` (``[N, dims]``): of ``x`` itself, or of the radius for 2 dims."""
        c = self.config
        r = xs[:, 0] if xs.shape[1] == 1 else np.sqrt((xs**2).sum(axis=1))
        if c["f"] == "sin":
            return c["amplitude"] * np.sin(c["frequency"] * r)
        if c["f"] == "cos":
            return c["amplitude"] * np.cos(c["frequency"] * r)
        if c["f"] == "gauss":
            return c["amplitude"] * np.exp(-(r**2) / (2 * c["width"] ** 2))
        return np.polynomial.polynomial.polyval(r, self.coefficients)

    def _grid(self) -> np.ndarray:
        """Every trained input as ``uint8 [M, 1, dims, 1]`` images (128 or 128^2 of them)."""
        levels = self.trained_levels()
        if self.config["dims"] == 1:
            return levels.astype(np.uint8).reshape(-1, 1, 1, 1)
        gx, gy = np.meshgrid(levels, levels, indexing="ij")
        return np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.uint8).reshape(-1, 1, 2, 1)

    # -- pictures of a model's predictions ---------------------------------------------------
    def draw_predictions(self, predict: Any, folder: Path) -> dict[str, Path]:
        """``fit.png``: the model's curve over the true one across all 256 levels, the
        trained interval shaded (``dims=2``: true, predicted and error maps)."""
        from kerazoo_builtin.datasets._function_draw import draw_fit

        return {"fit": draw_fit(self, predict, Path(folder) / "fit.png")}


def _coefficients(text: str, ds: Dataset) -> np.ndarray:
    """``"c0,c1,..."`` as floats; refused (with the fix) when any is not a number."""
    parts = [p.strip() for p in str(text).split(",")]
    try:
        coef = np.array([float(p) for p in parts], np.float64)
    except ValueError:
        raise ds.invalid(
            f"coef={text!r} is not a list of numbers; give c0,c1,c2,... of c0 + c1 x + "
            "c2 x^2 + ... (e.g. coef=0,0,1 for x^2)."
        ) from None
    if not np.all(np.isfinite(coef)) or len(coef) > 12:
        raise ds.invalid(f"coef={text!r}: give at most 12 finite coefficients.")
    return coef
