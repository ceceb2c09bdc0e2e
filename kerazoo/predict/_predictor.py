"""Predictor: any saved model file back into labels, values or images.

The model's input contract and the meaning of its output come from its ``kerazoo.json``;
inputs in any common form (files, folders, PIL images, numpy arrays in HWC or CHW, uint8
or float) are converted to that contract, and every conversion that changes the pixels
(resizing, channel conversion) is recorded in the result's ``notes``.

Example:
    >>> import kerazoo
    >>> predictor = kerazoo.Predictor.load("runs/shapes-lenet/model.keras")  # doctest: +SKIP
    >>> for result in predictor.predict("photos/", top_k=2):                 # doctest: +SKIP
    ...     print(result)
    photos/a.png: square (0.97), circle (0.02)
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from kerazoo._errors import IncompatibleError, InvalidOptionError
from kerazoo.data._images import image_batch
from kerazoo.models._serving import Serving
from kerazoo.predict._inputs import count, gather, stderr_is_terminal
from kerazoo.predict._plain import infer_contract, runs_channels_first
from kerazoo.predict._results import (
    ClassPrediction,
    ImagePrediction,
    Prediction,
    ValuePrediction,
)
from kerazoo.predict._shift import resized_from, warn_shift
from kerazoo.predict._values import decode_values, warn_outside_training
from kerazoo.saving._info import FORMAT, ModelInfo

__all__ = ["ClassPrediction", "ImagePrediction", "Prediction", "Predictor", "ValuePrediction"]

#: The shift check looks at the first this many images a Predictor is given (over all its
#: predict calls): enough to judge a batch, and a loop predicting one image at a time pays
#: for it only at its start (about 0.1 ms an image).
SHIFT_SAMPLE = 64


# -- the predictor -------------------------------------------------------------------------
class Predictor:
    """Run a saved model on images in any common form.

    Args:
        model: a ``keras.Model``.
        metadata: its :class:`kerazoo.ModelInfo` (or ``kerazoo.json`` dict, checked);
            ``None``: the metadata kerazoo attached to the model (one from
            :func:`kerazoo.build` or :func:`kerazoo.load_model`), else a plain Keras model
            (labels are then class indices, the input contract is read from the model, and
            a ``UserWarning`` says so). The
            Predictor keeps it as ``.info`` and, as a dict, ``.metadata``.
        source: a name for messages (the file path).
        channels_last: run a channels_first model as its channels_last twin
            (:func:`kerazoo.to_channels_last`); default: when TensorFlow has no GPU.
        check_shift: compare the inputs with the images the model was trained on (its
            ``input_stats``) and issue one :class:`~kerazoo.InputShiftWarning`
            when they differ far (polarity, brightness, contrast, colour). The first 64
            images it is given are checked (the first batch of a call at once); it warns at
            most once. ``False`` turns the check off.

    The model runs compiled: a ``tf.function`` on TensorFlow; on JAX ``jax.jit`` of its
    stateless call, for each batch shape once that shape has been asked for 16 times (a
    short run is cheaper uncompiled). Its weights are read at every call, so a model trained
    further or given other weights predicts with the new ones.

    Example:
        >>> p = Predictor.load("model.keras")                          # doctest: +SKIP
        >>> p.predict(np.zeros((64, 64), np.uint8))[0].label           # doctest: +SKIP
        'circle'
    """

    def __init__(
        self,
        model: Any,
        metadata: ModelInfo | dict[str, Any] | None = None,
        *,
        source: str = "model",
        channels_last: bool | None = None,
        check_shift: bool = True,
    ) -> None:
        self.source = source
        if len(model.inputs) != 1 or len(model.outputs) != 1:
            raise IncompatibleError(
                f"{source}: the Predictor runs models with one image input and one output; "
                f"this one has {len(model.inputs)} inputs and {len(model.outputs)} outputs."
            )
        if metadata is None:
            metadata = _attached(model)  # a model from kerazoo.build or kerazoo.load_model
        elif not isinstance(metadata, ModelInfo):
            metadata = ModelInfo.from_dict(metadata, source=source)
        self.info: ModelInfo | None = metadata
        self.metadata: dict[str, Any] | None = None if metadata is None else metadata.to_dict()
        if metadata is None:
            self.input_spec, self.task, self.encoding, self.output = infer_contract(model, source)
        else:
            self.input_spec, self.task = metadata.input, metadata.task
            self.encoding, self.output = metadata.encoding, metadata.output
            if metadata.format is not None and metadata.format > FORMAT:
                warnings.warn(
                    f"{source} was saved by a newer kerazoo (file format "
                    f"{metadata.format}, this one reads {FORMAT}); results may be wrong. "
                    "Upgrade kerazoo.",
                    UserWarning,
                    stacklevel=2,
                )
        self._check(model)
        run_format = self.input_spec.data_format
        if run_format == "channels_first" and (
            channels_last if channels_last is not None else not runs_channels_first()
        ):
            from kerazoo.models._layout import to_channels_last

            if any(type(layer).__name__ == "TFSMLayer" for layer in model.layers):
                raise IncompatibleError(
                    f"{source} is a channels_first SavedModel and this machine runs only "
                    "channels_last (TensorFlow without a GPU). Export it again with "
                    "'kerazoo export MODEL DIR --channels-last'."
                )
            model, run_format = to_channels_last(model), "channels_last"
        self.model = model
        self._run_format = run_format
        self._dtype = str(model.inputs[0].dtype)
        self._serve: Serving | None = None  # made at the first predict
        # images still to check; models saved without input_stats are not checked
        measured = getattr(metadata, "input_stats", None) is not None
        self._shift_budget = SHIFT_SAMPLE if check_shift and measured else 0

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        *,
        channels_last: bool | None = None,
        check_shift: bool = True,
    ) -> Predictor:
        """Load a ``.keras``/``.h5`` file or an exported SavedModel folder.

        Args:
            path: the model file or folder.
            channels_last: see :class:`Predictor`.
            check_shift: warn once when the inputs differ far from the training images
                (see :class:`Predictor`).

        Returns:
            A ready Predictor.

        Raises:
            ModelFileError, UnsafeModelError: the file cannot or must not be loaded.

        Example:
            >>> Predictor.load("runs/shapes-lenet/model.keras")        # doctest: +SKIP
            Predictor(classification: circle, square, triangle; input 64x64x1 ...)
        """
        from kerazoo.saving._load import load_model

        model, meta = load_model(path, compile=False)
        info = None if meta is None else ModelInfo.of(model)
        return cls(
            model, info, source=str(path), channels_last=channels_last, check_shift=check_shift
        )

    @property
    def class_names(self) -> tuple[str, ...]:
        """The class names (empty unless classification)."""
        return self.task.class_names

    def __repr__(self) -> str:
        s = self.input_spec
        what = ", ".join(self.class_names) if self.class_names else self.task.kind
        return (
            f"Predictor({self.task.kind}: {what}; input {s.height}x{s.width}x{s.channels} "
            f"{s.data_format} {s.dtype}; output {self.output}; from {self.source})"
        )

    def predict(
        self,
        inputs: Any,
        top_k: int = 1,
        batch_size: int = 128,
        progress: bool | None = None,
    ) -> list[Prediction]:
        """Predict for one or many inputs.

        Args:
            inputs: a file path, a folder (the images in it and its sub-folders, in
                natural order), a PIL image, a numpy array (one image ``HxW``, ``HxWxC``,
                ``CxHxW``, or a batch ``NxHxWxC`` / ``NxCxHxW``; uint8, or float in
                ``[0, 1]``), or a list of these.
            top_k: how many (label, probability) pairs classification results list.
            batch_size: images per model call.
            progress: print progress to stderr (default: for long runs on a terminal).

        Returns:
            One result per image, in input order: :class:`ClassPrediction`,
            :class:`ValuePrediction` or :class:`ImagePrediction`. Values are never clipped
            to the range the model was trained on (counts are rounded and kept >= 0); when
            some lie outside it, one :class:`~kerazoo.ExtrapolationWarning`
            says so.

        Raises:
            DataError: an input that cannot be read or interpreted, named in the message.

        Example:
            >>> predictor.predict(["a.png", "b.png"], top_k=3)          # doctest: +SKIP
        """
        for name, value in (("top_k", top_k), ("batch_size", batch_size)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidOptionError(f"{name} must be an integer >= 1, got {value!r}.")
        groups = list(gather(inputs))
        total = sum(count(item) for _, item in groups)
        show = progress if progress is not None else total > 4 * batch_size and stderr_is_terminal()
        results: list[Prediction] = []
        pending: list[tuple[list[str], np.ndarray, tuple[str, ...]]] = []
        waiting = 0

        def report(done: int) -> None:
            if show:
                end = "\n" if done == total else ""
                print(f"\rpredict: {done}/{total}", end=end, file=sys.stderr, flush=True)

        for label, item in groups:
            pending.append(self._prepare(label, item))
            waiting += len(pending[-1][1])
            if waiting >= batch_size:
                results += self._flush(pending, top_k, batch_size, len(results), report)
                pending, waiting = [], 0
        results += self._flush(pending, top_k, batch_size, len(results), report)
        if self.task.kind == "regression":  # one warning for the whole call
            values = [r.value for r in results if isinstance(r, ValuePrediction)]
            warn_outside_training(self.task, values, stacklevel=3)
        return results

    # -- internals -------------------------------------------------------------------------
    def _check(self, model: Any) -> None:
        s = self.input_spec
        got = tuple(model.inputs[0].shape[1:])
        if got != s.shape:
            raise IncompatibleError(
                f"{self.source}: kerazoo.json says the input is {s.shape} ({s.data_format}) "
                f"but the model takes {got}."
            )
        width = int(np.prod(model.outputs[0].shape[1:]))
        if self.task.kind == "classification":
            k = self.task.num_classes
            if width not in (k, 1) or (width == 1 and k != 2):
                raise IncompatibleError(
                    f"{self.source}: the model outputs {width} values per image but "
                    f"kerazoo.json lists {k} class names."
                )

    def _prepare(self, label: str, item: Any) -> tuple[list[str], np.ndarray, tuple[str, ...]]:
        batch, single, notes = image_batch(label or "array", item, self.input_spec)
        if self._run_format == "channels_first":
            batch = batch.transpose(0, 3, 1, 2)
        if self._dtype != "uint8":
            batch = batch.astype(self._dtype)
        if single:
            sources = [label or "#0"]
        else:  # a batch given alone is numbered #0..; one inside a list #i[0]..
            sources = [f"{label}[{i}]" if label else f"#{i}" for i in range(len(batch))]
        return sources, np.ascontiguousarray(batch), tuple(notes)

    def _flush(
        self,
        pending: list[Any],
        top_k: int,
        batch_size: int,
        done: int,
        report: Callable[[int], None],
    ) -> list[Prediction]:
        if not pending:
            return []
        sources = [s for p in pending for s in p[0]]
        notes = [p[2] for p in pending for _ in p[0]]
        x = pending[0][1] if len(pending) == 1 else np.concatenate([p[1] for p in pending])
        if self._shift_budget and done == 0:
            self._shift(x[: self._shift_budget], notes[: self._shift_budget])
        out = self._serving().batches(x, batch_size, lambda n: report(done + n))
        return self._decode(np.asarray(out, dtype=np.float32), sources, notes, top_k)

    def _shift(self, x: np.ndarray, notes: list[Any]) -> None:
        """Warn (once per Predictor) when the batch differs far from the training images."""
        self._shift_budget -= len(x)
        if self._run_format == "channels_first":
            x = x.transpose(0, 2, 3, 1)
        images = x if x.dtype == np.uint8 else x.astype(np.uint8)  # whole 0..255 values
        sizes = [resized_from(n) for n in notes]
        info = self.info
        # stacklevel 5: warn_shift, _shift, _flush, predict, then the caller's line
        if info and warn_shift(info, images, where="predict", original_sizes=sizes, stacklevel=5):
            self._shift_budget = 0

    def _serving(self) -> Serving:
        if self._serve is None:
            self._serve = Serving(self.model)
        return self._serve

    def _decode(
        self, out: np.ndarray, sources: list[str], notes: list[Any], top_k: int
    ) -> list[Prediction]:
        kind, n = self.task.kind, len(out)
        if kind == "reconstruction":
            img = out.transpose(0, 2, 3, 1) if self._run_format == "channels_first" else out
            img = np.clip(np.round(img * 255.0), 0, 255).astype(np.uint8)
            return [
                ImagePrediction(source=s, notes=t, image=i)
                for s, t, i in zip(sources, notes, img, strict=True)
            ]
        z = out.reshape(n, -1)
        if kind == "regression":
            values = decode_values(self.task, z[:, 0])
            return [
                ValuePrediction(source=s, notes=t, value=v, raw_value=raw)
                for s, t, v, raw in zip(sources, notes, values, z[:, 0].tolist(), strict=True)
            ]
        logits = self.output not in ("probabilities", "scores")
        if z.shape[1] == 1:
            p1 = 1.0 / (1.0 + np.exp(-z)) if logits else np.clip(z, 0.0, 1.0)
            probs = np.concatenate([1.0 - p1, p1], axis=1)
        elif logits or self.output == "scores":
            e = np.exp(z - z.max(axis=1, keepdims=True))
            probs = e / e.sum(axis=1, keepdims=True)
            if self.output == "scores":  # a linear head fit by MSE to one-hot targets
                probs = _scores_as_probabilities(z, probs)
        else:
            probs = z
        order = np.argsort(-probs, axis=1, kind="stable")[:, : min(top_k, probs.shape[1])]
        names = self.class_names
        res = []
        for s, t, row, idx in zip(sources, notes, probs.tolist(), order.tolist(), strict=True):
            top = tuple((names[j], row[j]) for j in idx)
            res.append(
                ClassPrediction(
                    source=s, notes=t, label=top[0][0], score=top[0][1], index=idx[0], top_k=top
                )
            )
        return res


def _scores_as_probabilities(z: np.ndarray, softmax: np.ndarray) -> np.ndarray:
    """Scores of a linear head trained with MSE on one-hot targets estimate the class
    probabilities themselves: clipped at 0 and scaled to sum 1 (the argmax is kept). A row
    with no positive score keeps the softmax, so its label is still the largest score."""
    clipped = np.clip(z, 0.0, None)
    total = clipped.sum(axis=1, keepdims=True)
    return np.where(total > 0, clipped / np.where(total > 0, total, 1.0), softmax)


def _attached(model: Any) -> ModelInfo | None:
    """The metadata kerazoo attached to ``model`` in this process, or ``None``."""
    try:
        return ModelInfo.of(model)
    except IncompatibleError:
        return None
