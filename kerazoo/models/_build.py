"""build(): the one place where head, loss, label encoding and channel order are chosen.

The model takes raw ``uint8`` pixels; rescaling and normalisation live inside it, then the
architecture's body, then a head chosen from the task: class logits (``sparse``/``onehot``),
one logit (``binary``), or, with ``softmax=True``, a separate ``softmax``/``sigmoid`` layer
and a loss on probabilities; with ``loss="mse"``, linear class scores against one-hot
targets; one linear value scaled to the range (regression); the architecture's own sigmoid
output against ``images / 255`` (reconstruction). Variants that fit any body are applied
here too: zero padding inside the model (``pad_to``), the kernel initialisation and an L2
penalty on every kernel (:mod:`kerazoo.models._kernels`). Only built-in
Keras layers are used, so saved models load with ``keras.saving.load_model(path,
safe_mode=True)`` and no kerazoo code; :mod:`kerazoo.models._metadata` reads and attaches
the metadata a saved file needs.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from kerazoo._errors import IncompatibleError, InvalidOptionError, check_choice, option
from kerazoo._task import InputSpec, Task
from kerazoo.data._dataset import Dataset
from kerazoo.data._encoding import check_encoding, effective_task
from kerazoo.models._architecture import Architecture
from kerazoo.models._body_rules import call_build_body, check_body
from kerazoo.models._devices import check_precision, resolve_data_format, resolve_jit
from kerazoo.models._heads import add_head, loss_and_metric, loss_encoding, loss_name, output_kind
from kerazoo.models._inputs import (
    ADAPTED,
    NORMALIZATIONS,
    normalization_stats,
    padding,
    pixel_input,
)
from kerazoo.models._kernels import apply_kernel_options, kernel_options
from kerazoo.models._metadata import layer_roles
from kerazoo.models._optimizers import make_optimizer
from kerazoo.saving._info import ArchitectureInfo, DatasetInfo, InputStats, ModelInfo

__all__ = [
    "NORMALIZATIONS",
    "PRECISIONS",
    "build",
    "check_compatible",
]

PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
ADAPT_SAMPLES = 512


# -- the builder ---------------------------------------------------------------------------
def build(
    architecture: str | Architecture,
    dataset: str | Dataset,
    *,
    encoding: str | None = None,
    softmax: bool = False,
    loss: str | None = None,
    data_format: str = "auto",
    normalization: str = "channel",
    adapt: np.ndarray | None = None,
    seed: int | None = None,
    optimizer: Any = "adam",
    learning_rate: float | None = None,
    schedule: str | None = None,
    steps_per_epoch: int | None = None,
    epochs: int | None = None,
    precision: str = "float32",
    jit_compile: bool | str = "auto",
    name: str | None = None,
    init: str = "auto",
    init_scale: float = 1.0,
    l2: float = 0.0,
    pad_to: int | None = None,
    _allow_unrunnable: bool = False,
) -> Any:
    """Build and compile a model for ``dataset``'s task from ``architecture``'s body.

    Args:
        architecture: a registered name (default hyperparameters) or an Architecture.
        dataset: a registered name (default options) or a Dataset.
        encoding: ``"sparse"`` (default for classification), ``"onehot"``, ``"binary"``
            (2 classes, one logit), ``"regression"``, or ``"reconstruction"`` (any dataset:
            the target is the image itself).
        softmax: add a named ``softmax`` (``sigmoid`` for binary) layer so the model outputs
            probabilities; the loss then takes probabilities. Default: logits.
        loss: ``"mse"`` (default) or ``"mae"`` for regression and reconstruction. For
            classification: ``None`` or ``"crossentropy"`` (the encoding's cross-entropy),
            or ``"mse"``/``"mae"``: a linear output trained on one-hot targets (encoding
            ``onehot`` unless another is asked for), recorded as output ``"scores"``; with
            ``softmax=True`` the loss is on the probabilities.
        data_format: ``"auto"``, ``"channels_last"`` or ``"channels_first"``.
        normalization: ``"channel"`` (per-channel mean/std), ``"image"`` (per-pixel mean
            image and std), both adapted on ``adapt``; ``"per_image"`` (each image minus
            its own mean, per channel) or ``"none"``.
        adapt: ``uint8 [N, H, W, C]`` training images to adapt the normalisation on.
            Default: ``dataset.generate(512, seed)``.
        seed: the dataset seed the training data comes from (recorded; used for adapting
            when ``adapt`` is not given, default 0).
        optimizer: a name from :data:`kerazoo.models._optimizers.OPTIMIZERS` or a
            ``keras.optimizers.Optimizer``.
        learning_rate: default per optimizer (0.001 for adam, 0.01 for sgd, ...).
        schedule: ``"none"``, ``"exponential"`` (10x decay over the run), ``"cosine"`` or
            ``"onecycle"``; a schedule needs ``steps_per_epoch`` and ``epochs``.
        precision: ``"float32"``, ``"mixed_float16"`` or ``"mixed_bfloat16"`` (for GPUs;
            the head and output stay float32). The global dtype policy is left unchanged.
        jit_compile: ``True``/``False``, or ``"auto"`` (XLA on a TensorFlow GPU and on JAX).
        name: the model's name (default ``"<architecture>_<dataset>"``).
        init: the initialisation of every conv and dense kernel: ``"auto"`` (the
            architecture's own), ``"he_normal"``, ``"he_uniform"``, ``"glorot_normal"``,
            ``"glorot_uniform"``, ``"lecun_normal"`` or ``"normal"`` (stddev 0.05).
        init_scale: multiplies the initial kernel weights (``normal``: stddev 0.05 x it).
        l2: an L2 penalty of this factor on every conv and dense kernel (0: none).
        pad_to: zero-pad the image inside the model up to this side (28x28 -> 32x32 for
            LeNet); the model still takes the dataset's images.

    Returns:
        A compiled ``keras.Model`` taking ``uint8`` pixels in the resolved layout; its
        metadata is :func:`info` ``(model)``.

    Raises:
        IncompatibleError: a task, encoding, loss, size or layout that cannot work together.
        UnknownNameError, InvalidOptionError: unknown or invalid option values.

    Example:
        >>> import kerazoo
        >>> model = kerazoo.build("lenet", "shapes", optimizer="momentum")   # doctest: +SKIP
        >>> model.fit(x_uint8, y, epochs=1)                                  # doctest: +SKIP
    """
    arch, ds, encoding, task = check_compatible(
        architecture, dataset, encoding, loss=loss, softmax=softmax, pad_to=pad_to
    )
    loss = loss_name(task, encoding, loss, softmax)
    fmt = resolve_data_format(data_format, allow_unrunnable=_allow_unrunnable)
    spec = InputSpec(*ds.image_shape, fmt)
    body_spec, pads = padding(spec, pad_to)
    check_choice(normalization, NORMALIZATIONS, "normalization")
    check_choice(precision, PRECISIONS, "precision")
    check_precision(precision)
    variants = kernel_options(init, init_scale, l2)
    jit = resolve_jit(jit_compile)
    opt, opt_info = make_optimizer(optimizer, learning_rate, schedule, steps_per_epoch, epochs)
    stats, seed, seen = _adapt(ds, spec, normalization, adapt, seed, pads)
    model, output = _assemble(
        arch,
        (spec, body_spec, pads),
        normalization,
        stats,
        precision,
        (task, encoding, softmax, output_kind(loss, softmax)),
        name or f"{_name(arch)}_{_name(ds)}",
    )
    apply_kernel_options(model, init, init_scale, l2)
    _compile(model, opt, precision, loss_and_metric(loss, encoding, output), jit)
    compiled = {"loss": loss, "precision": precision, "jit_compile": jit}
    compiled = {**opt_info, **compiled, "normalization": normalization, **variants}
    if pad_to is not None:
        compiled["pad_to"] = pad_to
    described = _describe(arch, ds, spec, (task, encoding, output), seed, compiled)
    dataclasses.replace(described, layers=layer_roles(model), input_stats=seen).attach(model)
    return model


def check_compatible(
    architecture: str | Architecture,
    dataset: str | Dataset,
    encoding: str | None = None,
    *,
    loss: str | None = None,
    softmax: bool = False,
    pad_to: int | None = None,
) -> tuple[Architecture, Dataset, str, Task]:
    """Check, without keras, that ``architecture`` can serve ``dataset`` with ``encoding``.

    What :func:`build` checks first (the task, the encoding, the loss, the smallest input,
    after any padding), so a run can refuse a combination before TensorFlow starts.

    Args:
        architecture: a registered name or an Architecture.
        dataset: a registered name or a Dataset.
        encoding: the label encoding, or ``None`` for the task's own (``onehot`` for
            classification with a value ``loss``).
        loss, softmax, pad_to: as :func:`build` takes them.

    Returns:
        ``(architecture, dataset, encoding, task)``: the plugins, the encoding chosen and
        the task the model serves.

    Raises:
        IncompatibleError: the task or the input size does not suit the architecture.
        UnknownNameError, InvalidOptionError: an unknown name or encoding.

    Example:
        >>> check_compatible("lenet", "shapes")[2:]                     # doctest: +SKIP
        ('sparse', Task(kind='classification', ...))
    """
    arch = _plugin(architecture, Architecture, "architecture")
    ds = _plugin(dataset, Dataset, "dataset")
    encoding = check_encoding(ds.task, loss_encoding(ds.task.kind, encoding, loss))
    task = effective_task(ds.task, encoding)
    _check_task(arch, task, ds.task)
    if softmax and task.kind != "classification":
        raise IncompatibleError(
            f"softmax=True adds a softmax to class logits, but this is a {task.kind} task "
            f"with no classes. Leave softmax out ({option('output', 'logits')})."
        )
    loss_name(task, encoding, loss, softmax)
    if pad_to is not None and task.kind == "reconstruction":
        raise IncompatibleError(
            f"{option('pad_to', pad_to)} pads the image inside the model, but a "
            "reconstruction must give back the image as it came in. Leave pad_to out."
        )
    body_spec, _ = padding(InputSpec(*ds.image_shape), pad_to)
    arch.check_input(body_spec)  # the size the body sees; the layout is chosen later
    return arch, ds, encoding, task


def _assemble(
    arch: Architecture,
    specs: tuple[InputSpec, InputSpec, Any],
    normalization: str,
    stats: Any,
    precision: str,
    head: tuple[Task, str, bool, str],
    name: str,
) -> tuple[Any, str]:
    """The uncompiled model: pixel input (``specs``: the input's, the body's after padding,
    the padding), the architecture's body, the task's head."""
    import keras

    spec, body_spec, pads = specs
    inputs, x = pixel_input(spec, normalization, stats, pads)
    previous = keras.config.dtype_policy()
    try:  # the body's layers take the mixed policy; the global one is restored
        if precision != "float32":
            keras.config.set_dtype_policy(precision)
        features = call_build_body(arch, x, body_spec)
    finally:
        keras.config.set_dtype_policy(previous)
    if isinstance(features, keras.KerasTensor):  # add_head names anything else
        check_body(arch, keras.Model(inputs, features), keras.Model(inputs, x).layers)
    task, encoding, softmax, linear = head
    outputs, kind = add_head(features, arch, task, encoding, body_spec, softmax, precision, linear)
    return keras.Model(inputs, outputs, name=name), kind


def _adapt(
    ds: Dataset, spec: InputSpec, normalization: str, adapt: Any, seed: int | None, pads: Any
) -> tuple[Any, int | None, InputStats | None]:
    """The normalisation statistics (of the images padded by ``pads``), the seed of the
    images they were adapted on, and what those images look like (the yardstick of the
    input-shift warning; measured whenever training images are at hand)."""
    if normalization not in ADAPTED:
        return None, seed, None if adapt is None else _measure(adapt, spec)
    if adapt is None:
        seed = 0 if seed is None else seed
        adapt = ds.generate(ADAPT_SAMPLES, seed=seed).images
    stats = normalization_stats(adapt, spec, normalization, pads)
    return stats, seed, _measure(adapt, spec)


def _measure(images: Any, spec: InputSpec) -> InputStats | None:
    """The input statistics of ``uint8 [N, H, W, C]`` training images of ``spec``'s shape
    (``None`` for others, which ``normalization="none"`` leaves unchecked)."""
    images = np.asarray(images)
    want = (spec.height, spec.width, spec.channels)
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[1:] != want or not len(images):
        return None
    return InputStats.measure(images)


def _compile(model: Any, opt: Any, precision: str, loss: tuple[Any, Any], jit: bool) -> None:
    import keras

    if precision == "mixed_float16" and not isinstance(opt, keras.optimizers.LossScaleOptimizer):
        opt = keras.optimizers.LossScaleOptimizer(opt)
    model.compile(optimizer=opt, loss=loss[0], metrics=[loss[1]], jit_compile=jit)


def _describe(
    arch: Architecture,
    ds: Dataset,
    spec: InputSpec,
    head: tuple[Task, str, str],
    seed: int | None,
    compiled: dict[str, Any],
) -> ModelInfo:
    """The metadata of a built model."""
    task, encoding, output_kind = head
    return ModelInfo(
        task=task,
        input=spec,
        encoding=encoding,
        output=output_kind,
        dataset=DatasetInfo(_name(ds), ds.options_json(), seed, ds.plugin),
        architecture=ArchitectureInfo(_name(arch), arch.hyperparameters_json(), arch.plugin),
        compile=compiled,
    )


# -- helpers -------------------------------------------------------------------------------
def _name(obj: Any) -> str:
    return obj.name or type(obj).__name__.lower()


def _plugin(value: Any, base: type, kind: str) -> Any:
    from kerazoo import _registry as registry

    if isinstance(value, str):
        getter = registry.get_architecture if kind == "architecture" else registry.get_dataset
        return getter(value)
    if isinstance(value, base):
        return value
    if isinstance(value, type) and issubclass(value, base):
        return value()
    error = InvalidOptionError(
        f"The {kind} must be a registered name or a kerazoo.{base.__name__}, got "
        f"{type(value).__name__} {value!r}. Example: kerazoo.build('lenet', 'shapes')."
    )
    error.name, error.value = kind, value
    raise error


def _check_task(arch: Architecture, task: Task, data_task: Task) -> None:
    try:
        arch.check_task(task.kind)
    except IncompatibleError as exc:
        hint = ""
        if "reconstruction" in type(arch).tasks and task.kind != "reconstruction":
            hint = (
                f" To reconstruct the images of this {task.kind} dataset, pass "
                f"{option('encoding', 'reconstruction')}."
            )
        elif data_task.kind != task.kind:
            hint = f" {option('encoding', 'reconstruction')} asks for a reconstruction task."
        raise IncompatibleError(f"{exc}{hint}") from None
