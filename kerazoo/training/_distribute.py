"""Training on several devices or machines: tf.distribute on TensorFlow, the Keras
distribution API on JAX.

Three placements, chosen by the ``devices`` setting and the environment:

* one device (``devices=1``, no ``TF_CONFIG``): no strategy, nothing changes;
* ``devices=N`` on one machine: TensorFlow's ``MirroredStrategy`` over N GPUs, or over N
  logical devices carved out of the CPU when there are no GPUs (a CPU split this way gives
  no speed-up: it exists to try the mechanism); on JAX, ``keras.distribution.DataParallel``
  over N JAX devices (on a CPU, ``XLA_FLAGS=--xla_force_host_platform_device_count=N`` is set
  for you when JAX has not started yet);
* several machines (TensorFlow only): ``TF_CONFIG`` names the cluster and this process's
  task; ``MultiWorkerMirroredStrategy`` trains one model on all of them. Every worker runs
  the same command; only the chief (task ``chief``, or worker 0 when the cluster has no
  chief) writes the run folder, the others train into a temporary folder that is removed.

The batch size is global: each of the R replicas gets ``batch_size / R`` images per step and
their gradients are averaged, so the loss trajectory is that of one device with the same
batches (tested: equal to 1e-4 on 2 logical CPU devices and 2 worker processes).

Example:
    >>> place(1).replicas
    1
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kerazoo._errors import IncompatibleError, InvalidOptionError, option

__all__ = ["Placement", "check_batch_split", "chief_here", "cluster_of", "place"]


@dataclass
class Placement:
    """Where a run trains.

    Attributes:
        strategy: the ``tf.distribute`` strategy or the Keras ``Distribution`` (JAX), or
            ``None`` for one device.
        replicas: model copies trained in step.
        workers: processes training together (1 unless ``TF_CONFIG`` names several).
        is_chief: whether this process writes the run folder.
        description: e.g. ``"2 logical CPU devices (MirroredStrategy)"``.
    """

    strategy: Any = None
    replicas: int = 1
    workers: int = 1
    is_chief: bool = True
    description: str = "one device"

    @contextlib.contextmanager
    def scope(self) -> Iterator[None]:
        """Build, load and fit inside this (a no-op for one device)."""
        if self.strategy is None:
            yield
            return
        with self.strategy.scope():
            yield

    def batches(self, dataset: Any) -> Any:
        """``dataset`` (kerazoo's ``tf.data`` batches) made ready to be split over workers:
        every worker reads the same seeded batches and keeps its share of each (TensorFlow's
        default looks for files to split, and kerazoo's batches come from memory)."""
        if self.workers == 1 or not _is_tf_strategy(self.strategy):
            return dataset
        import tensorflow as tf

        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = (
            tf.data.experimental.AutoShardPolicy.DATA
        )
        return dataset.with_options(options)

    def prepare(self, model: Any, batch: Any) -> Any:
        """Make a model built in :meth:`scope` ready for ``fit`` in :meth:`scope`."""
        if self.strategy is not None and _is_tf_strategy(self.strategy):
            from kerazoo import _compat

            _compat.detach_from_strategy(model, self.strategy, batch)
        return model


def check_batch_split(replicas: int, batch_size: int, train: int, val: int) -> None:
    """Refuse batches that cannot give each of ``replicas`` at least one image.

    A run's batches hold ``batch_size`` images, or all of a split when it is smaller; each
    is split over the replicas.

    Raises:
        IncompatibleError: the numbers, and the fixes.

    Example:
        >>> check_batch_split(2, 64, 100, 20)
    """
    smallest = min(batch_size, train, val)
    if replicas <= 1 or smallest >= replicas:
        return
    which = {
        batch_size: f"{option('batch_size', batch_size)} images per batch",
        train: f"{option('train_size', train)} training images",
        val: f"{option('val_size', val)} validation images",
    }[smallest]
    raise IncompatibleError(
        f"{option('devices', replicas)} splits every batch over {replicas} replicas, but the "
        f"run's batches hold as few as {smallest} images ({which}): each replica needs at "
        f"least one image of every batch. Use {option('devices', smallest)} or fewer, or at "
        f"least {replicas} images in {option('batch_size')}, {option('train_size')} and "
        f"{option('val_size')}."
    )


def cluster_of(tf_config: str | None = None) -> dict[str, Any] | None:
    """The parsed ``TF_CONFIG`` (the environment's by default), or ``None`` when it names no
    cluster of more than one task.

    Raises:
        InvalidOptionError: ``TF_CONFIG`` is not JSON with ``cluster`` and ``task``.

    Example:
        >>> cfg = '{"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 1}}'
        >>> cluster_of(cfg)["task"]
        {'type': 'worker', 'index': 1}
    """
    text = os.environ.get("TF_CONFIG") if tf_config is None else tf_config
    if not text:
        return None
    try:
        doc = json.loads(text)
        tasks = sum(len(v) for v in doc["cluster"].values())
        task = doc["task"]
        _ = (task["type"], int(task["index"]))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InvalidOptionError(
            f"TF_CONFIG is not a cluster description ({exc!r}): it must be JSON like "
            '{"cluster": {"worker": ["host1:port", "host2:port"]}, "task": {"type": "worker", '
            '"index": 0}}, the same cluster on every machine and its own task on each. '
            "Unset TF_CONFIG to train on this machine alone."
        ) from None
    return doc if tasks > 1 else None


def chief_here() -> bool:
    """Whether this process writes run files: yes, unless ``TF_CONFIG`` makes it a worker
    other than the chief. Reads only the environment (no TensorFlow)."""
    cluster = cluster_of()
    return cluster is None or _is_chief(cluster)


def _is_chief(doc: dict[str, Any]) -> bool:
    task = doc["task"]
    if "chief" in doc["cluster"]:
        return task["type"] == "chief"
    return task["type"] == "worker" and int(task["index"]) == 0


def place(devices: int = 1, backend: str | None = None) -> Placement:
    """The placement for ``devices`` here (and ``TF_CONFIG``), its strategy made.

    Call before the framework has run anything: TensorFlow splits a CPU into logical
    devices, and joins a cluster, only before it starts.

    Raises:
        IncompatibleError: more devices than there are, several on a framework that has
            started already, or ``TF_CONFIG`` on JAX.
    """
    cluster = cluster_of()
    if devices == 1 and cluster is None:
        return Placement()
    if backend is None:
        import keras

        backend = keras.backend.backend()
    if backend == "jax":
        if cluster is not None:
            raise IncompatibleError(
                "TF_CONFIG (training on several machines) works with the TensorFlow backend; "
                "this is JAX. Unset TF_CONFIG, or run with KERAS_BACKEND=tensorflow."
            )
        return _jax_devices(devices)
    if backend != "tensorflow":
        raise IncompatibleError(f"{option('devices')} works on TensorFlow and JAX, not {backend}.")
    if cluster is not None:
        if devices != 1:
            raise IncompatibleError(
                f"{option('devices', devices)} with TF_CONFIG: a worker of a cluster uses all "
                f"its own GPUs (or its CPU); leave {option('devices')} out."
            )
        return _multi_worker(cluster)
    return _mirrored(devices)


def _mirrored(devices: int) -> Placement:
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        if len(gpus) < devices:
            raise IncompatibleError(
                f"{option('devices', devices)}, but this machine has {len(gpus)} GPUs. "
                f"Use {option('devices', len(gpus))} or fewer."
            )
        names = [f"/gpu:{i}" for i in range(devices)]
        kind = "GPUs"
    else:
        _split_cpu(tf, devices)
        names = [d.name for d in tf.config.list_logical_devices("CPU")][:devices]
        kind = "logical CPU devices"
    strategy = tf.distribute.MirroredStrategy(names)
    return Placement(strategy, devices, 1, True, f"{devices} {kind} (MirroredStrategy)")


def _split_cpu(tf: Any, devices: int) -> None:
    cpu = tf.config.list_physical_devices("CPU")[0]
    have = tf.config.get_logical_device_configuration(cpu) or []
    if len(have) >= devices:
        return
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(devices)]
        )
    except RuntimeError:
        raise IncompatibleError(
            f"{option('devices', devices)} on a CPU splits it into {devices} logical devices, "
            "which TensorFlow allows only before it starts, and it has started in this process. "
            "Run `kerazoo train ... --devices N` in a new process, or call kerazoo.train("
            "..., devices=N) before anything else uses TensorFlow."
        ) from None


def _multi_worker(cluster: dict[str, Any]) -> Placement:
    import tensorflow as tf

    from kerazoo import _compat

    _compat.fix_multi_worker_metrics()
    try:
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
    except (RuntimeError, ValueError) as exc:
        raise IncompatibleError(
            f"Could not join the cluster of TF_CONFIG: {exc}. TensorFlow joins a cluster only "
            "before it starts: train in a new process (kerazoo train)."
        ) from None
    workers = sum(len(v) for v in cluster["cluster"].values())
    task = cluster["task"]
    who = f"{task['type']} {task['index']}"
    return Placement(
        strategy,
        int(strategy.num_replicas_in_sync),
        workers,
        _is_chief(cluster),
        f"{workers} workers (MultiWorkerMirroredStrategy, TF_CONFIG; this is {who})",
    )


def _jax_devices(devices: int) -> Placement:
    # A CPU shows as N devices only if XLA is asked before JAX makes its backends (on the
    # first jax.devices(), not on import); asking later changes nothing.
    flag = f"--xla_force_host_platform_device_count={devices}"
    if "xla_force_host_platform_device_count" not in os.environ.get("XLA_FLAGS", ""):
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {flag}".strip()
    import jax
    import keras

    have = jax.devices()
    if len(have) < devices:
        raise IncompatibleError(
            f"{option('devices', devices)}, but JAX sees {len(have)} device(s). On a CPU, start "
            "a new process with "
            f"XLA_FLAGS=--xla_force_host_platform_device_count={devices} (kerazoo train sets "
            "it when JAX has not started yet)."
        )
    distribution = keras.distribution.DataParallel(devices=have[:devices])
    kind = "JAX CPU devices" if have[0].platform == "cpu" else f"JAX {have[0].platform} devices"
    return Placement(distribution, devices, 1, True, f"{devices} {kind} (Keras DataParallel)")


def _is_tf_strategy(strategy: Any) -> bool:
    return type(strategy).__module__.startswith("tensorflow")
