"""How a maximised image is made from what the ascent optimises (its parametrisation), and
the random transformations it must survive at every step.

After Olah et al. 2017 ("Feature visualization", Distill) and their lucid library (lucent in
PyTorch), written with ``keras.ops`` so that it runs on TensorFlow and JAX alike:

* ``fft``: the image is the real part of the inverse 2-D FFT of a spectrum whose
  coefficients are scaled by ``1 / frequency``: a step changes low frequencies as readily
  as high ones, where in pixel space the gradient is dominated by pixel-grid noise.
* decorrelated colour (RGB only): the three channels optimised are the principal axes of
  natural images' colour (lucid's ImageNet matrix), mapped to RGB, so one step does not
  paint one channel alone; grey and other channel counts are left as they are.
* a sigmoid maps the result into ``[0, 1]``.
* ``maco``: only the spectrum's phase is optimised; its magnitude stays fixed at the mean
  magnitude spectrum of the model's own training images (Fel et al. 2023, "Unlocking
  feature visualization for deeper networks with magnitude constrained optimization", who
  fix it to natural images'). An image so made keeps the contrast and the spread over
  frequencies of the data, so an ascent can only move structure around: on the shapes
  datasets it draws bright objects on a dark ground instead of textures
  (:class:`Phase`, :func:`render_phase`).
* :class:`Transforms`: every step, each image is rotated, scaled and shifted at random
  (one affine resampling) before the model sees it, so a pattern must work wherever and
  however it lands. Sizes are fractions of the input's shorter side, so an 11x27 input
  is jittered by 1 pixel and a 64x64 one by 4.

Example:
    >>> spec = Spectrum(32, 32, 1)
    >>> spec.init(range(2), seed=0)[0].shape
    (2, 1, 32, 32)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from kerazoo._errors import InvalidOptionError

__all__ = ["PARAMETRISATIONS", "Phase", "Spectrum", "Transforms", "render", "render_phase"]

#: The parametrisations :func:`kerazoo.interpret.maximize_filters` takes.
PARAMETRISATIONS = ("fft", "maco", "pixel")

#: lucid's square root of ImageNet's colour correlation (rows: R, G, B), by max column norm.
_COLOUR = np.array([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]], np.float32)
_COLOUR = _COLOUR / np.max(np.linalg.norm(_COLOUR, axis=0))


@dataclass(frozen=True)
class Spectrum:
    """A 1/frequency-scaled spectrum of ``channels`` images of ``height x width``.

    Args:
        height, width, channels: the image.
        decay: the power of ``1 / frequency`` (1: lucid's default, pink noise).
        sd: the starting coefficients' standard deviation.
    """

    height: int
    width: int
    channels: int
    decay: float = 1.0
    sd: float = 0.01

    def scale(self) -> np.ndarray:
        """``float32 [H, W]``: each coefficient's factor, ``sqrt(H W) / max(f, 1/max(H, W))``
        to the power ``decay`` (the ``sqrt(H W)`` makes the inverse FFT orthonormal)."""
        fy = np.fft.fftfreq(self.height)[:, None]
        fx = np.fft.fftfreq(self.width)[None, :]
        freq = np.sqrt(fx**2 + fy**2)
        floor = 1.0 / max(self.height, self.width)
        scale = 1.0 / np.maximum(freq, floor) ** self.decay
        return (scale * math.sqrt(self.height * self.width)).astype(np.float32)

    def init(self, ids: Any, seed: int, sd: float | None = None) -> tuple[np.ndarray, ...]:
        """``(real, imag)``, each ``float32 [len(ids), C, H, W]``: small noise, seeded per
        ``(seed, id)`` so an image starts the same alone or in a batch."""
        shape = (2, self.channels, self.height, self.width)
        sd = self.sd if sd is None else sd
        noise = [
            np.random.default_rng([seed, *np.atleast_1d(i)]).standard_normal(shape) for i in ids
        ]
        both = (sd * np.stack(noise)).astype(np.float32)
        return both[:, 0], both[:, 1]


def render(params: Any, scale: Any, offset: Any = 0.0) -> Any:
    """``[N, H, W, C]`` float images in ``[0, 1]`` (a backend tensor) from a spectrum.

    Args:
        params: ``(real, imag)`` spectra ``[N, C, H, W]``.
        scale: ``[H, W]`` from :meth:`Spectrum.scale`.
        offset: added before the sigmoid (0: an empty spectrum shows mid-grey; starting
            from the training images' background instead was measured worse for the
            model's own recognition: 0.64 against 0.93 of LeNet's 7-kind class images).
    """
    import keras

    ops = keras.ops
    real, imag = params
    image, _ = ops.ifft2((real * scale, imag * scale))  # its real part: a real image
    x = ops.transpose(image / 4.0, (0, 2, 3, 1))  # lucid divides by 4 too
    if x.shape[-1] == 3:
        x = ops.matmul(x, ops.convert_to_tensor(_COLOUR.T))
    return ops.sigmoid(x + offset)


@dataclass(frozen=True, eq=False)
class Phase:
    """The phases of a spectrum whose magnitude is fixed (``maco``).

    Args:
        magnitude: ``float32 [C, H, W]``: the mean ``|FFT|`` of the images (see
            :meth:`of`), kept as it is.
        mean: the images' mean pixel value in ``[0, 1]``: every image made has it.

    Example:
        >>> phase = Phase.of(np.zeros((4, 8, 8, 1), np.uint8))
        >>> phase.init(range(2), seed=0)[0].shape
        (2, 1, 8, 8)
    """

    magnitude: np.ndarray
    mean: float

    @classmethod
    def of(cls, images: np.ndarray) -> Phase:
        """The fixed magnitude of ``uint8 [N, H, W, C]`` canonical images."""
        x = np.transpose(np.asarray(images, np.float32) / 255.0, (0, 3, 1, 2))
        total = sum(np.abs(np.fft.fft2(x[i : i + 64])).sum(axis=0) for i in range(0, len(x), 64))
        magnitude = total / len(x)
        # the real part of a spectrum of random phases holds half its energy: sqrt(2) gives
        # the images the data's contrast back
        return cls((magnitude * math.sqrt(2)).astype(np.float32), float(x.mean()))

    @classmethod
    def of_model(cls, info: Any, samples: int = 256) -> Phase:
        """The fixed magnitude of ``samples`` fresh samples (seed 0) of the dataset a model
        was trained on (its :class:`~kerazoo.ModelInfo`).

        Raises:
            IncompatibleError: the model's metadata names no dataset.
        """
        from kerazoo._errors import IncompatibleError, option
        from kerazoo.interpret._probe import model_samples

        if info.dataset is None:
            raise IncompatibleError(
                f"{option('param', 'maco')} keeps the magnitude spectrum of the model's "
                "training images, and the model's metadata names no dataset. Use "
                f"{option('param', 'fft')} for this model."
            )
        return cls.of(model_samples(info, samples, seed=0).images)

    def scale(self) -> np.ndarray:
        """The constant the render takes: the magnitude."""
        return self.magnitude

    def init(self, ids: Any, seed: int, sd: float | None = None) -> tuple[np.ndarray, ...]:
        """``(phase,)``, ``float32 [len(ids), C, H, W]`` uniform in ``[-pi, pi)``, seeded per
        ``(seed, id)``; ``sd`` is not used (a restart draws other phases by its id)."""
        shape = self.magnitude.shape
        phases = [
            np.random.default_rng([seed, *np.atleast_1d(i)]).uniform(-np.pi, np.pi, shape)
            for i in ids
        ]
        return (np.stack(phases).astype(np.float32),)


def render_phase(params: Any, magnitude: Any, mean: Any) -> Any:
    """``[N, H, W, C]`` float images in ``[0, 1]`` (a backend tensor) from phases.

    The real part of the inverse FFT of ``magnitude * exp(i phase)``, shifted to the
    data's ``mean``, clipped to ``[0, 1]`` with the gradient passed straight through (a
    sigmoid would squeeze the contrast the magnitude fixes).

    Args:
        params: ``(phase,)``, ``[N, C, H, W]``.
        magnitude: ``[C, H, W]`` from :meth:`Phase.scale`.
        mean: the mean pixel value of the images.
    """
    import keras

    ops = keras.ops
    (phase,) = params
    image, _ = ops.ifft2((magnitude * ops.cos(phase), magnitude * ops.sin(phase)))
    image = image - ops.mean(image, axis=(2, 3), keepdims=True) + mean
    x = ops.transpose(image, (0, 2, 3, 1))
    return x + ops.stop_gradient(ops.clip(x, 0.0, 1.0) - x)


@dataclass(frozen=True)
class Transforms:
    """The random transformation applied to every image at every step of the ascent.

    Args:
        jitter: the largest shift, as a fraction of the input's shorter side (at least one
            pixel when above 0).
        scale: the largest relative zoom in or out (``0.1``: from 0.9x to 1.1x).
        rotate: the largest rotation, in degrees, either way.
        fill: what the image shows where the transformation uncovers it: ``"reflect"``,
            ``"nearest"``, or ``"grey"`` (constant 0.5, as lucid pads).

    Example:
        >>> Transforms(jitter=0, scale=0, rotate=0).active()
        False
    """

    jitter: float = 0.06
    scale: float = 0.1
    rotate: float = 10.0
    fill: str = "reflect"

    def __post_init__(self) -> None:
        for name in ("jitter", "scale", "rotate"):
            if getattr(self, name) < 0:
                raise InvalidOptionError(
                    f"Transforms.{name} must be 0 or more, got {getattr(self, name)!r}. "
                    "Use 0 to switch it off."
                )
        if self.scale >= 1:
            raise InvalidOptionError(f"Transforms.scale must be below 1, got {self.scale!r}.")
        if self.fill not in ("reflect", "nearest", "grey"):
            raise InvalidOptionError(
                f"Transforms.fill must be 'reflect', 'nearest' or 'grey', got {self.fill!r}."
            )

    def active(self) -> bool:
        """Whether any transformation is switched on."""
        return bool(self.jitter or self.scale or self.rotate)

    def pixels(self, height: int, width: int) -> int:
        """The largest shift in pixels for this input size."""
        if not self.jitter:
            return 0
        return max(1, round(self.jitter * min(height, width)))

    def draw(self, height: int, width: int, seeds: Any) -> np.ndarray:
        """``float32 [n, 8]``: one random affine transform per image, in the form of
        ``keras.ops.image.affine_transform`` (output pixel -> input pixel), seeded per
        image by ``seeds`` (one sequence of ints each: the same alone or in a batch)."""
        shift = self.pixels(height, width)
        draws = np.array([np.random.default_rng(list(s)).random(4) for s in seeds])
        n = len(draws)
        t = np.floor(draws[:, :2] * (2 * shift + 1)) - shift
        zoom = 1 - self.scale + 2 * self.scale * draws[:, 2]
        angle = np.deg2rad(self.rotate * (2 * draws[:, 3] - 1))
        cos, sin = np.cos(angle) / zoom, np.sin(angle) / zoom
        cx, cy = (width - 1) / 2, (height - 1) / 2
        out = np.zeros((n, 8), np.float32)
        out[:, 0], out[:, 1], out[:, 3], out[:, 4] = cos, -sin, sin, cos
        out[:, 2] = cx - cos * cx + sin * cy - t[:, 0]
        out[:, 5] = cy - sin * cx - cos * cy - t[:, 1]
        return out

    def apply(self, images: Any, transforms: Any) -> Any:
        """``images`` ``[N, H, W, C]`` resampled by ``transforms`` ``[N, 8]`` (bilinear)."""
        import keras

        grey = self.fill == "grey"
        return keras.ops.image.affine_transform(
            images,
            transforms,
            interpolation="bilinear",
            fill_mode="constant" if grey else self.fill,
            fill_value=0.5,
            data_format="channels_last",
        )
