"""One run as a value: what it trains, on which data, with which settings, into which folder.

A :class:`RunSpec` is made once, before a run starts, and never changes: the dataset and
architecture, the settings (a read-only mapping), the train / validation / test splits, the
run folder, where it trains, how much it says and the user's callbacks. What the run makes
from it (the model, its metadata, the batches, the callbacks' :class:`RunContext`, the test
evaluation) comes from its methods. Another run (the tuner's best trial saved into
``best/``, with its own epochs) is another value: :meth:`RunSpec.replace`.

Private; use :func:`kerazoo.train`.

Example:
    >>> import kerazoo
    >>> from kerazoo.training._settings import check_settings
    >>> settings = check_settings({"train_size": 8, "val_size": 4, "test_size": 0})
    >>> run = RunSpec.create(kerazoo.get_dataset("shapes", size=16),
    ...                      kerazoo.get_architecture("lenet"), settings, Path("runs/a"))
    >>> len(run.splits.train), run.settings["epochs"]
    (8, 5)
    >>> run.replace(epochs=2).settings["epochs"], run.settings["epochs"]
    (2, 5)
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from kerazoo.saving._info import ModelInfo
from kerazoo.saving._records import TrainingInfo
from kerazoo.training._context import RunContext
from kerazoo.training._distribute import Placement
from kerazoo.training._settings import model_variants

__all__ = ["RunSpec"]


@dataclass(frozen=True, eq=False)
class RunSpec:
    """A training run, fixed before it starts.

    Attributes:
        dataset: the :class:`kerazoo.Dataset` trained on.
        architecture: the Architecture trained.
        settings: every training setting, sizes resolved (read-only).
        splits: the train / validation / test samples.
        dir: the run folder.
        placement: where it trains (one device unless the run says otherwise).
        verbose: 0 silent, 1 progress bar, 2 one line per epoch.
        callbacks: the user's Keras callbacks.
    """

    dataset: Any
    architecture: Any
    settings: Mapping[str, Any]
    splits: Any
    dir: Path
    placement: Placement = field(default_factory=Placement)
    verbose: int = 0
    callbacks: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        # the run's own copies: a caller changing its dict or list later changes no run
        object.__setattr__(self, "settings", MappingProxyType(dict(self.settings)))
        object.__setattr__(self, "callbacks", tuple(self.callbacks))

    @classmethod
    def create(
        cls, dataset: Any, architecture: Any, settings: Mapping[str, Any], run_dir: Path, **how: Any
    ) -> RunSpec:
        """The run of these settings, its data split by its sizes and seed.

        Args:
            how: ``placement``, ``verbose``, ``callbacks``.
        """
        sizes = settings["train_size"], settings["val_size"], settings["test_size"]
        splits = dataset.split(*sizes, seed=settings["seed"])
        return cls(dataset, architecture, settings, splits, Path(run_dir), **how)

    def replace(self, **changes: Any) -> RunSpec:
        """Another run: fields (``dir=...``) and settings (``epochs=...``) changed.

        Raises:
            TypeError: a name that is neither a field nor a setting of this run.
        """
        fields = {f.name for f in dataclasses.fields(self)}
        unknown = [k for k in changes if k not in fields and k not in self.settings]
        if unknown:
            raise TypeError(f"RunSpec has no field or setting {', '.join(unknown)}.")
        settings = {**self.settings, **{k: v for k, v in changes.items() if k not in fields}}
        kept = {k: v for k, v in changes.items() if k in fields}
        return dataclasses.replace(self, **{"settings": settings, **kept})

    @property
    def steps_per_epoch(self) -> int:
        """Training batches in one epoch."""
        return math.ceil(self.settings["train_size"] / self.settings["batch_size"])

    def say(self, text: str) -> None:
        """Print ``text`` unless the run is silent."""
        if self.verbose:
            print(text, flush=True)

    def build_model(self, learning_rate: float | None) -> Any:
        """A new compiled model of the run at ``learning_rate`` (``None``: the optimizer's
        own), weights drawn from the current seed."""
        from kerazoo.models._build import build

        cfg = self.settings
        return build(
            self.architecture,
            self.dataset,
            encoding=cfg["encoding"],
            data_format=cfg["data_format"],
            optimizer=cfg["optimizer"],
            learning_rate=learning_rate,
            schedule=cfg["schedule"],
            steps_per_epoch=self.steps_per_epoch,
            epochs=cfg["epochs"],
            precision=cfg["precision"],
            jit_compile=cfg["jit_compile"],
            adapt=self.splits.train.images,
            seed=cfg["seed"],
            **model_variants(dict(cfg)),
        )

    def train_batches(self, info: ModelInfo, epoch: int) -> Any:
        """The training batches from epoch ``epoch`` on (order and augmentation seeded)."""
        from kerazoo.data._batches import make_batches

        cfg = self.settings
        augment = tuple(self.dataset.augmentations) if cfg["augment"] else ()
        return make_batches(
            self.splits.train,
            info,
            cfg["batch_size"],
            augment=augment,
            seed=cfg["seed"],
            epoch=epoch,
        )

    def val_batches(self, info: ModelInfo) -> Any:
        """The validation batches, in order."""
        from kerazoo.data._batches import make_batches

        return make_batches(self.splits.val, info, self.settings["batch_size"], shuffle=False)

    def context(self, info: ModelInfo, initial_epoch: int) -> RunContext:
        """What the callbacks that ask (``set_run``) are given before a ``fit``."""
        cfg = self.settings
        return RunContext(
            self.dir, info, self.splits.val, self.steps_per_epoch, cfg["epochs"], initial_epoch
        )

    def metadata(
        self,
        info: ModelInfo,
        history: Mapping[str, list[float]],
        epochs_done: int,
        learning_rate: float | None,
    ) -> ModelInfo:
        """The metadata of the run's model ``info`` after ``epochs_done`` epochs."""
        from kerazoo.training._callbacks import best_value

        monitor, best = best_value(history)
        record = TrainingInfo(
            epochs=epochs_done,
            epochs_planned=self.settings["epochs"],
            batch_size=self.settings["batch_size"],
            learning_rate=learning_rate,
            metrics={k: v[-1] for k, v in history.items() if v},
            best={"monitor": monitor, "value": best},
            history={k: list(v) for k, v in history.items()},
        )
        dataset = info.dataset
        if dataset is not None:
            dataset = dataclasses.replace(dataset, seed=self.settings["seed"])
        return dataclasses.replace(info, dataset=dataset, training=record)

    def evaluate_test(self, model: Any, metadata: ModelInfo) -> tuple[dict[str, float], Any]:
        """Evaluate ``model`` on the held-out test split into ``evaluation/``.

        Returns:
            The test metrics (empty without a test split), and the
            :class:`~kerazoo.training._baseline.Baseline` they are judged by (or ``None``).
        """
        test = self.splits.test
        if len(test) == 0:
            return {}, None
        from kerazoo.evaluation._score import evaluate_samples
        from kerazoo.training._baseline import compare_with_baseline

        result = evaluate_samples(
            model,
            metadata,
            test,
            out=self.dir / "evaluation",
            batch_size=self.settings["batch_size"],
            source=self.dataset,
        )
        shown = ", ".join(f"{k} {v:.4g}" for k, v in result.metrics.items())
        self.say(f"Test on {result.n} held-out images: {shown} (pictures in evaluation/)")
        baseline = compare_with_baseline(metadata.task, self.splits.train, test, result.metrics)
        return dict(result.metrics), baseline
