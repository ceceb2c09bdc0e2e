"""Snapshots over training: a layer's feature maps (or an autoencoder's reconstruction) on one
fixed image, or a layer's kernel (``weights:LAYER``), recorded while the network learns and
written as an animated GIF per name.

This module decides when frames are taken and written and records the maps; the kernels'
frames are :mod:`._snapshot_weights`, and turning frames into labelled GIFs and PNGs is
:mod:`._snapshot_gif`. Cheap by design: the sub-model over the chosen layers is built once per
``fit``, a snapshot is one call on one image (a kernel: one read of its weights), and frames
are tiled in numpy and labelled with Pillow.

Example:
    >>> from kerazoo.interpret import Snapshots
    >>> kerazoo.train("polkadots", "autoencoder",
    ...               callbacks=[Snapshots(["enc1_conv1", "output"])])  # doctest: +SKIP
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np

from kerazoo._errors import IncompatibleError, InvalidOptionError, option
from kerazoo.data._batches import encode_inputs
from kerazoo.interpret import _probe as probing, _snapshot_weights as weights
from kerazoo.interpret._maps import check_map_layers
from kerazoo.interpret._pictures import tile
from kerazoo.interpret._snapshot_gif import STRIP, labelled, tile_frames, write_gif_and_png
from kerazoo.saving._info import ModelInfo

__all__ = ["OUTPUT", "STRIP", "Snapshots"]

#: The special layer name for the model's output image (an autoencoder's reconstruction).
OUTPUT = "output"
#: Most frames one GIF may hold: all frames' maps are kept in memory until the GIF is written.
MAX_FRAMES = 500
#: Writing GIFs at epoch ends may take at most this share of the time since training began;
#: an epoch end that would go over it is skipped (the first and the last are always written).
WRITE_SHARE = 0.01


class Snapshots(keras.callbacks.Callback):
    """Record layers' maps on a fixed probe image, or their kernels, while training; write a
    GIF per name.

    One frame is taken before training, one every ``every`` batches, and one at the end of
    training when the last batch was not already one. Each frame is labelled with its epoch
    and batch. For every name, ``NAME.gif`` (all frames) and ``NAME.png`` (the last frame)
    are written into ``out`` (for ``weights:LAYER``: ``weights-LAYER.gif`` and ``.png``),
    atomically, at the end of epochs: the first, the last, and every other one as long as
    writing has taken at most :data:`WRITE_SHARE` (1%) of the time since training began. A
    killed run thus keeps a GIF of the epochs it finished (in a run of many short epochs, of
    all but the last few), and writing, which grows with the number of frames, never costs
    much of a long run. The maps (or kernels) of every frame are kept in memory until the
    end (float32; at most :data:`MAX_FRAMES` frames).

    Scale: a map is drawn in grey on one range for all the frames of a GIF, the lowest and
    highest value that map took in any frame so far (dark = low). A map that grows while the
    network learns therefore brightens instead of flickering between per-frame ranges. The
    name ``"output"`` shows the probe image beside the model's output image, both on the fixed
    pixel scale ``[0, 1]`` (black to white).

    Weights: ``"weights:LAYER"`` records the layer's kernel (no probe image is needed for it),
    one tile per filter of a 2-D convolution, or one image of the input's size per unit of a
    Dense layer on the flattened image; one channel is drawn as it is, 3 as RGB, any other
    number as the mean over the input channels. All frames share one scale centred on zero
    (blue < 0 = white < red; mid grey = 0 for RGB), the largest absolute weight so far; see
    :mod:`kerazoo.interpret._snapshot_weights`.

    A resumed run records from the epoch it resumes at: its GIFs replace the earlier ones.

    Args:
        layers: layer names with maps (4-D outputs), ``"output"`` for a reconstruction
            model's output, and/or ``"weights:LAYER"`` for a layer's kernel.
        every: batches between snapshots (default: about ``frames`` snapshots over the run,
            from the run's steps per epoch and epochs).
        probe: one raw ``uint8`` image ``[H, W, C]`` (or ``[1, H, W, C]``); default: the
            run's first validation image (given by :func:`kerazoo.train`).
        out: the folder for the GIFs and PNGs (default: ``snapshots`` in the run folder).
        frames: about how many snapshots to take when ``every`` is not given.

    Raises:
        InvalidOptionError: no layer, ``every`` or ``frames`` below 1, a kind other than
            ``weights:`` before a colon, ``weights:`` alone; at the start of
            training: no probe or folder (outside :func:`kerazoo.train`), or too many frames.
        UnknownNameError: at the start of training, a name the model has no layer for (the
            valid names are listed), before any batch is trained.
        IncompatibleError: a layer without maps, ``"output"`` for a model whose output is
            not an image, ``weights:`` of a layer without a kernel or of a Dense layer that
            does not read the image.

    Example:
        >>> snaps = Snapshots(["conv1"], every=10, probe=image, out="snaps")  # doctest: +SKIP
        >>> model.fit(x, y, epochs=3, callbacks=[snaps])                     # doctest: +SKIP
        >>> snaps.files                                                      # doctest: +SKIP
        [PosixPath('snaps/conv1.gif'), PosixPath('snaps/conv1.png')]
        >>> Snapshots(["conv1", "weights:conv1"])  # doctest: +SKIP
    """

    def __init__(
        self,
        layers: Sequence[str],
        every: int | None = None,
        probe: np.ndarray | None = None,
        out: str | Path | None = None,
        frames: int = 40,
    ) -> None:
        super().__init__()
        self.layers = [layers] if isinstance(layers, str) else [str(n) for n in layers]
        if not self.layers:
            raise InvalidOptionError(
                "Snapshots needs at least one layer name, got none. Name layers with maps "
                "(e.g. ['conv1']), 'output' for an autoencoder's reconstruction or "
                "'weights:conv1' for a layer's kernel."
            )
        weights.check_weight_names(self.layers)
        for name, value in (("every", every), ("frames", frames)):
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or value < 1
            ):
                raise InvalidOptionError(
                    f"{_spell(name, value)} must be a whole number of at least 1, got {value!r}."
                )
        self.every, self.frames = every, int(frames)
        self.probe, self.out = probe, None if out is None else Path(out)
        self.files: list[Path] = []
        self._run: Any = None
        self._maps: dict[str, list[np.ndarray]] = {name: [] for name in self.layers}
        self._labels: list[str] = []
        self._strips: dict[Any, np.ndarray] = {}  # label strips, drawn once
        self._written, self._full, self._write_seconds = 0, False, 0.0
        self._range: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # per map: lowest, highest
        self._rendered: dict[str, tuple[Any, np.ndarray]] = {}  # (range, frames drawn in it)
        self._kernels: dict[str, weights.Kernel] = {}  # weights:LAYER -> how to read it

    def set_run(self, run: Any) -> None:
        """Take the run folder and the probe image from a :class:`RunContext`."""
        self._run = run

    # -- training hooks ----------------------------------------------------------------

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        model = self.model
        run = self._run
        self._info = run.info if run is not None else ModelInfo.of(model)
        self._folder = self._resolve_out(run)
        self._check(model)
        probed = self._sub is not None
        self._x = encode_inputs(self._resolve_probe(run), self._info) if probed else None
        params = self.params or {}
        self._epochs = run.epochs if run is not None else int(params.get("epochs") or 1)
        self._steps = run.steps_per_epoch if run is not None else params.get("steps")
        start = run.initial_epoch if run is not None else 0
        self._step_every = self.every or self._default_every(start)
        self._check_frames(start)
        self._step, self._last_snap, self._epoch, self._batch = 0, 0, start, 0
        self._began = time.perf_counter()
        self._snap("before training" if start == 0 else f"start of epoch {start + 1}")

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._epoch = epoch

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._step += 1
        self._batch = batch
        if self._step % self._step_every == 0:
            self._snap(self._position())

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        last = epoch + 1 == self._epochs
        if last:  # the end state: taken here so that the GIF is written once at the end
            self._snap_unless_taken()
        elapsed = time.perf_counter() - self._began
        if last or self._written == 0 or self._write_seconds <= WRITE_SHARE * elapsed:
            self.write()

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self._snap_unless_taken()  # stopped early
        if self._written != len(self._labels):
            self.write()

    def _snap_unless_taken(self) -> None:
        if self._step != self._last_snap:
            self._snap(self._position())

    # -- set-up ------------------------------------------------------------------------

    def _resolve_out(self, run: Any) -> Path:
        if self.out is not None:
            return self.out
        if run is None:
            raise InvalidOptionError(
                "Snapshots has no folder to write into: pass out=FOLDER (kerazoo.train "
                "gives it the run folder)."
            )
        return Path(run.dir) / "snapshots"

    def _resolve_probe(self, run: Any) -> np.ndarray:
        if self.probe is not None:
            image = np.asarray(self.probe)
            return (image[None] if image.ndim == 3 else image)[:1]
        if run is None:
            raise InvalidOptionError(
                "Snapshots has no probe image: pass probe=IMAGE (one raw uint8 image "
                "[H, W, C]); kerazoo.train gives it the first validation image."
            )
        return run.val.images[:1]

    def _check(self, model: Any) -> None:
        """Refuse names the model cannot show; the sub-model for maps and the kernels."""
        self._kernels = weights.kernels(model, self._info, self.layers, setting="snapshot")
        self._probed = [name for name in self.layers if name not in self._kernels]
        self._sub = self._sub_model(model, self._probed) if self._probed else None

    def _sub_model(self, model: Any, probed: list[str]) -> Any:
        maps = [name for name in probed if name != OUTPUT]
        check_map_layers(model, maps, extra=(OUTPUT,), setting="snapshot")
        if OUTPUT in self.layers:
            shape = tuple(model.outputs[0].shape)
            if self._info.task.kind != "reconstruction" or len(shape) != 4:
                raise IncompatibleError(
                    f"The snapshot name 'output' shows a reconstruction, but model "
                    f"{model.name!r} outputs shape {shape} for a {self._info.task.kind} "
                    "task. Name layers with maps instead (e.g. its convolutions)."
                )
        names = [model.layers[-1].name if n == OUTPUT else n for n in probed]
        return probing.layer_model(model, names)

    def _default_every(self, start: int) -> int:
        total = self._steps * (self._epochs - start) if self._steps else None
        return max(1, round(total / self.frames)) if total else 10  # steps unknown: a guess

    def _check_frames(self, start: int) -> None:
        if not self._steps:
            return
        frames = len(self._labels) + 2 + self._steps * (self._epochs - start) // self._step_every
        if frames > MAX_FRAMES:
            least = math.ceil(self._steps * (self._epochs - start) / (MAX_FRAMES - 2))
            raise InvalidOptionError(
                f"Snapshots keeps at most {MAX_FRAMES} frames per GIF; one every "
                f"{self._step_every} batches would take {frames} in this run. Use "
                f"{_spell('every', least)} or more, or leave it out for about {self.frames}."
            )

    def _position(self) -> str:
        steps = f"/{self._steps}" if self._steps else ""
        return f"epoch {self._epoch + 1}/{self._epochs}, batch {self._batch + 1}{steps}"

    # -- recording and writing ---------------------------------------------------------

    def _snap(self, label: str) -> None:
        if len(self._labels) >= MAX_FRAMES:  # only when the steps were not known at the start
            if not self._full:
                warnings.warn(
                    f"Snapshots: {MAX_FRAMES} frames recorded, the most a GIF keeps; no more "
                    f"are taken. Raise {_spell('every', self._step_every)} to cover the run.",
                    stacklevel=2,
                )
            self._full = True
            return
        _ = self.model  # the property brings JAX's training state into the weights
        frames = {name: kernel.read() for name, kernel in self._kernels.items()}
        if self._sub is not None:
            outputs = self._sub.predict_on_batch(self._x)
            if not isinstance(outputs, list | tuple):
                outputs = [outputs]
            fmt = self._info.input.data_format
            for name, out in zip(self._probed, outputs, strict=True):
                frames[name] = probing.array_channels_last(np.asarray(out), fmt)[0]
        self._add(frames, label)
        self._last_snap = self._step

    def _add(self, frames: dict[str, np.ndarray], label: str) -> None:
        """Keep one frame: each layer's ``[h, w, k]`` output (a kernel: its tiles), and widen
        its ranges (per map: lowest, highest; a kernel: one range symmetric about 0)."""
        for name, frame in frames.items():
            frame = np.nan_to_num(frame.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)
            self._maps[name].append(frame)
            if weights.weights_layer(name) is not None:
                top = np.abs(frame).max(keepdims=True).reshape(1)
                lo, hi = -top, top
            else:
                lo, hi = frame.min(axis=(0, 1)), frame.max(axis=(0, 1))
            if name in self._range:
                lo, hi = np.minimum(lo, self._range[name][0]), np.maximum(hi, self._range[name][1])
            self._range[name] = (lo, hi)
        self._labels.append(label)

    def write(self) -> list[Path]:
        """Write every name's GIF and last-frame PNG now; return the files."""
        began, files = time.perf_counter(), []
        for name in self.layers:
            layer = weights.weights_layer(name)
            stem = name if layer is None else f"weights-{layer}"
            files += write_gif_and_png(self._folder, stem, self.render(name))
        self.files, self._written = files, len(self._labels)
        self._write_seconds += time.perf_counter() - began
        return files

    def render(self, name: str) -> np.ndarray:
        """All frames of one name as ``uint8`` images ``[F, H, W]`` (or ``[F, H, W, 3]``),
        each under a strip of text ``STRIP`` pixels high."""
        maps = self._maps[name]
        layer = weights.weights_layer(name)
        if name == OUTPUT:
            image = probing.array_channels_last(self._x, self._info.input.data_format)[0] / 255.0
            pictures = np.stack([tile([image, np.clip(m, 0, 1)], cols=2, pad=2) for m in maps])
            images = (pictures * 255).round().astype(np.uint8)
            if images.shape[-1] != 3:
                images = images[..., 0]  # one channel (or the first of 2 or 4)
            head = ("input | output (reconstruction)", "pixels: 0 black, 1 white")
        elif layer is not None:
            top = float(self._range[name][1][0])
            images = self._drawn(name, lambda stack, lo, hi: weights.draw_weights(stack, top))
            kernel = self._kernels.get(name)
            rgb = maps[0].ndim == 4
            title = kernel.title if kernel else f"{layer}: {len(maps[0])} filters"
            head = (title, weights.scale_text(rgb, top))
        else:
            h, w, k = maps[0].shape
            images = self._drawn(name, _tile_maps)
            head = (f"{name}: {k} maps of {h}x{w}", "grey: one scale, all frames")
        return labelled(images, head, self._labels, self._strips)

    def _drawn(self, name: str, draw: Any) -> np.ndarray:
        """Every frame of ``name`` drawn by ``draw(stack, lo, hi)`` on its range: all again
        when the range changed since the last call, else only the frames taken since."""
        maps = self._maps[name]
        key, done = self._rendered.get(name, (None, np.zeros((0,), np.uint8)))
        range_key = tuple(np.concatenate(self._range[name]).tolist())
        if key != range_key:
            done = done[:0]
        if len(done) < len(maps):
            new = draw(np.stack(maps[len(done) :]), *self._range[name])
            done = np.concatenate([done, new]) if len(done) else new
        self._rendered[name] = (range_key, done)
        return done


def _tile_maps(stack: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Frames of maps ``[F, h, w, k]`` as ``uint8`` grids ``[F, H, W]``, map ``i`` scaled from
    ``lo[i]`` (black) to ``hi[i]`` (white), 1-pixel white lines between the maps."""
    span = hi - lo
    scaled = (stack - lo) * np.where(span > 0, 255 / np.where(span > 0, span, 1), 0)
    return tile_frames(np.moveaxis(scaled + 0.5, -1, 1).astype(np.uint8))


def _spell(name: str, value: Any) -> str:
    """``every=5`` in Python, ``--snapshot-every 5`` on the command line."""
    flag = option(f"snapshot_{name}", value)
    return flag if flag.startswith("--") else f"{name}={value!r}"
