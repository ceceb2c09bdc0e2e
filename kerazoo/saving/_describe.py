"""What a saved model is, as lines a person reads: ``kerazoo inspect`` prints them.

Reads the file with zipfile and h5py only (TensorFlow is not started), unless the per-layer
summary is asked for, which loads the model.

Example:
    >>> d = describe_model("runs/shapes-lenet/model.keras")            # doctest: +SKIP
    >>> d.parameters                                                   # doctest: +SKIP
    61706
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kerazoo.saving import _archive as archive
from kerazoo.saving._info import ModelInfo

__all__ = ["ModelDescription", "describe", "describe_model", "summary_lines", "weight_count"]

KINDS = {"keras": "Keras zip", "h5": "legacy HDF5", "savedmodel": "TensorFlow SavedModel"}


@dataclass
class ModelDescription:
    """A saved model described: its metadata, its weight count, and the lines to read.

    Attributes:
        path: the model file or SavedModel folder.
        kind: ``"keras"``, ``"h5"`` or ``"savedmodel"``.
        info: its :class:`kerazoo.ModelInfo`, or ``None`` for a plain Keras model.
        parameters: how many numbers its weights hold, or ``None`` where unread.
        plain: for a model without ``kerazoo.json``: its class, layer count, input shapes.
        summary: one line per layer and the totals, when asked for (loads the model).
        note: what the path resolved to, when it was a run folder (an unfinished run...).
    """

    path: str
    kind: str
    info: ModelInfo | None
    parameters: int | None = None
    plain: list[str] = field(default_factory=list)
    summary: list[str] | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any] | None:
        """The ``kerazoo.json`` metadata as a dict (``None`` for a plain Keras model)."""
        return None if self.info is None else self.info.to_dict()

    def lines(self) -> list[str]:
        """The description as ``kerazoo inspect`` prints it (names from the file unescaped:
        a terminal needs :func:`kerazoo._naming.printable`)."""
        lines = [f"{self.path}  ({KINDS[self.kind]})"]
        if self.info is None:
            lines.append(
                "  no kerazoo.json: a plain Keras model. It still predicts, with class indices "
                "as labels."
            )
            lines += ["  " + line for line in self.plain]
        else:
            lines += ["  " + line for line in describe(self.info)]
        if self.parameters is not None:
            lines.append(
                f"  {'parameters:':<14}{self.parameters:,} (all weights; --summary: per layer, "
                "trainable)"
            )
        return lines + (self.summary or [])


def describe_model(path: Any, summary: bool = False) -> ModelDescription:
    """Describe a saved model: a ``.keras``/``.h5`` file, an exported SavedModel folder, or a
    run folder (its ``model.keras``).

    Args:
        path: the model.
        summary: also load the model (starts Keras) and describe every layer.

    Returns:
        A :class:`ModelDescription`.

    Raises:
        ModelFileError: a file that is not a model, or holds no whole model.

    Example:
        >>> describe_model("runs/shapes-lenet").info.task.kind         # doctest: +SKIP
        'classification'
    """
    from kerazoo.saving._load import model_file

    found, note = model_file(path)
    path = str(found)
    info = archive.read_info(path)  # a wrongly typed field is a ModelFileError
    kind = archive.model_kind(path)
    described = ModelDescription(path, kind, info, note=note)
    if kind != "savedmodel":  # a file that holds no whole model says so, as loading does
        from kerazoo.saving._keras_file import check_model_config

        check_model_config(archive.read_config(path), path)
        described.parameters = weight_count(path, kind)
        if info is None:
            described.plain = _plain(path)
    if summary:
        described.summary = summary_lines(path)
    return described


def describe(info: ModelInfo) -> list[str]:
    """Readable lines for a model's metadata.

    Args:
        info: the model's :class:`kerazoo.ModelInfo`.

    Returns:
        One line per part (task, output, input, dataset, architecture, training, versions).

    Example:
        >>> from kerazoo._task import InputSpec, Task
        >>> describe(ModelInfo(Task.regression(1, 5), InputSpec(8, 8, 1)))[0]
        'task:         regression, values in [1, 5]'
    """
    task, spec = info.task, info.input
    extra = ""
    if task.kind == "classification":
        extra = f", {task.num_classes} classes: {', '.join(task.class_names)}"
    elif task.kind == "regression" and task.value_range:
        lo, hi = task.value_range
        extra = f", {'integers' if task.integer else 'values'} in [{lo:g}, {hi:g}]"
    lines = [f"{'task:':<14}{task.kind}{extra}"]
    if info.encoding or info.output:
        lines.append(f"{'output:':<14}{info.output or '?'} ({info.encoding or '?'})")
    lines.append(
        f"{'input:':<14}{spec.height}x{spec.width}x{spec.channels} {spec.dtype}, {spec.data_format}"
    )
    parts = {"dataset": info.dataset, "architecture": info.architecture}
    for key, part in parts.items():
        if part is not None:
            opts = getattr(part, "options", None) or getattr(part, "hyperparameters", {})
            args = ", ".join(f"{k}={v!r}" for k, v in opts.items())
            seed = getattr(part, "seed", None)
            seed_text = "" if seed is None else f" seed={seed}"
            lines.append(f"{key + ':':<14}{part.name}({args}){seed_text}")
    training = info.training
    if training is not None:
        shown = ", ".join(f"{k}={v:.4g}" for k, v in training.metrics.items())
        epochs = "?" if training.epochs is None else training.epochs
        lines.append(f"{'training:':<14}{epochs} epochs; {shown}")
    versions = ", ".join(
        f"{k} {getattr(info, k)}" for k in ("kerazoo", "keras", "backend") if getattr(info, k)
    )
    if versions:
        lines.append(f"{'saved with:':<14}{versions} (format {info.format or '?'})")
    return lines


def _plain(path: str) -> list[str]:
    """A plain Keras model's class, layer count and input shapes, from its config."""
    config = archive.read_config(path)
    inner = config.get("config", config)
    layers = inner.get("layers") or []
    shapes = [
        e["config"].get("batch_shape") or e["config"].get("batch_input_shape")
        for e in layers
        if e.get("class_name") == "InputLayer"
    ]
    lines = [f"{'model:':<14}{config.get('class_name', '?')} with {len(layers)} layers"]
    return lines + [f"{'input:':<14}{tuple(shape)}" for shape in shapes]


def weight_count(path: str, kind: str) -> int | None:
    """How many numbers the model's weights hold, read with zipfile + h5py (no Keras).

    Counts every array under the layers (non-trainable ones, such as normalisation
    statistics, included; optimizer state left out). The weights file names its groups by
    class counters (``dense_1``), not by layer names, so per-layer counts come from
    ``--summary``, which loads the model.

    Args:
        path: a ``.keras`` or ``.h5`` file.
        kind: ``"keras"`` or ``"h5"`` (:func:`kerazoo.saving._archive.model_kind`).

    Returns:
        The count, or ``None`` where the file has no weights to read.

    Example:
        >>> weight_count("run/model.keras", "keras")                   # doctest: +SKIP
        61706
    """
    import io
    import zipfile

    import h5py

    def total(group: h5py.Group) -> int:
        sizes: list[int] = []
        group.visititems(
            lambda _, obj: sizes.append(obj.size) if isinstance(obj, h5py.Dataset) else None
        )
        return int(sum(sizes))

    try:
        if kind == "keras":
            with zipfile.ZipFile(path) as zf:
                data = io.BytesIO(zf.read("model.weights.h5"))
            with h5py.File(data, "r") as f:
                return total(f["layers"]) if "layers" in f else None
        with h5py.File(path, "r") as f:
            return total(f["model_weights"]) if "model_weights" in f else None
    except (KeyError, OSError, zipfile.BadZipFile):
        return None


def summary_lines(path: str) -> list[str]:
    """Load the model and describe each layer: name, type, output shape, parameters.

    Example:
        >>> summary_lines("run/model.keras")[0]                        # doctest: +SKIP
        'layer          type            output shape         params'
    """
    import numpy as np

    from kerazoo.saving._load import load_model

    model, _ = load_model(path, compile=False)
    rows = [("layer", "type", "output shape", "params")]
    for layer in model.layers:
        shape = getattr(getattr(layer, "output", None), "shape", None)
        shown = "?" if shape is None else str(tuple(shape)).replace("None", "N")
        rows.append((layer.name, type(layer).__name__, shown, f"{layer.count_params():,}"))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [
        "  "
        + "  ".join(
            f"{c:<{w}}" if i < 3 else f"{c:>{w}}"
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in rows
    ]
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    total = model.count_params()
    lines.append(
        f"  total {total:,} parameters: {trainable:,} trainable, {total - trainable:,} "
        "non-trainable"
    )
    return lines
