"""The Architecture base class: what an architecture plugin promises.

An architecture says which task kinds it supports, its hyperparameters (defaults and ranges,
which are also its keras-tuner search space) and the smallest input it accepts. It builds a
*body* from an input tensor, an :class:`~kerazoo.InputSpec` and a data format; the builder
adds rescaling, normalisation and the head, and chooses the loss. An architecture never
chooses a loss.
"""

from __future__ import annotations

from typing import Any, ClassVar

from kerazoo._errors import IncompatibleError
from kerazoo._params import Param, resolve
from kerazoo._task import InputSpec

__all__ = ["Architecture"]


class Architecture:
    """Base class of every architecture plugin.

    Subclasses set ``tasks``, ``hyperparameters`` and ``min_size`` (or override
    ``min_input_size`` when it depends on the hyperparameters) and implement ``build_body``.

    Example:
        >>> import kerazoo
        >>> arch = kerazoo.get_architecture("chopped_vgg", blocks=2)
        >>> arch.config["blocks"]
        2
    """

    #: The registered name of this instance: the registry gives each instance it makes the
    #: name of the entry point it was made from (an alias gets the alias). The class never
    #: changes; a name declared here is only the default of an instance made without the
    #: registry.
    name: str = ""
    #: ``"distribution version"`` of the package whose entry point made this instance.
    plugin: str = ""
    #: One line for ``kerazoo list``.
    description: ClassVar[str] = ""
    #: Task kinds this body can serve: "classification", "regression", "reconstruction".
    tasks: ClassVar[tuple[str, ...]] = ("classification", "regression")
    #: Hyperparameters with defaults and ranges (the ranges are the tuner's search space).
    hyperparameters: ClassVar[dict[str, Param]] = {}
    #: Smallest (height, width) accepted with default hyperparameters.
    min_size: ClassVar[tuple[int, int]] = (1, 1)

    def __init__(self, **hyperparameters: Any) -> None:
        self.config: dict[str, Any] = resolve(
            type(self).hyperparameters, hyperparameters, self.display_name, "hyperparameter"
        )
        self.check_hyperparameters()

    # -- what a plugin implements -------------------------------------------------------
    def check_hyperparameters(self) -> None:
        """Validate hyperparameters against each other. Optional."""

    def min_input_size(self) -> tuple[int, int]:
        """Smallest (height, width) these hyperparameters accept."""
        return type(self).min_size

    def build_body(self, inputs: Any, spec: InputSpec, data_format: str) -> Any:
        """Return the body's output tensor for ``inputs`` (already rescaled and normalised).

        For classification and regression return features (any rank: the builder flattens
        them if needed and adds the head). For reconstruction return a tensor with the
        input's shape in ``data_format``; the builder adds nothing after it.
        """
        raise NotImplementedError

    # -- what every architecture gets ----------------------------------------------------
    @property
    def display_name(self) -> str:
        """How messages name this architecture, e.g. ``"architecture 'lenet'"``.

        Use it in a plugin's own error messages, so they read like kerazoo's.

        Example:
            >>> message = f"{self.display_name} needs 3 channels"  # doctest: +SKIP
        """
        return f"architecture {self.name or type(self).__name__!r}"

    def check_input(self, spec: InputSpec) -> None:
        """Refuse an input smaller than :meth:`min_input_size`, before anything is built."""
        mh, mw = self.min_input_size()
        if spec.height < mh or spec.width < mw:
            raise IncompatibleError(
                f"Input {spec.height}x{spec.width} is too small for {self.display_name} with "
                f"{self.config}: it needs at least {mh}x{mw}. Use larger images or a "
                "shallower configuration."
            )

    def check_task(self, kind: str) -> None:
        """Refuse a task kind this architecture does not support."""
        if kind not in type(self).tasks:
            raise IncompatibleError(
                f"{self.display_name} does not support {kind} tasks; it supports "
                f"{', '.join(type(self).tasks)}. Pick an architecture that supports {kind} "
                "(kerazoo list architectures --verbose shows each one's tasks)."
            )

    def hyperparameters_json(self) -> dict[str, Any]:
        """The hyperparameters as JSON values, as saved with a model."""
        table = type(self).hyperparameters
        return {k: table[k].dump(v) for k, v in self.config.items()}

    @classmethod
    def search_space(cls, hp: Any) -> dict[str, Any]:
        """Declare this architecture's hyperparameters on a ``keras_tuner.HyperParameters``.

        Each entry by :meth:`kerazoo.Param.declare`: numbers with ``low`` and ``high``
        become ``hp.Int`` / ``hp.Float`` (over ``search`` where the entry has one),
        ``choices`` become ``hp.Choice``, booleans ``hp.Boolean``; others, and entries with
        ``tune=False``, keep their default. A value with its own parser (such as chopped
        VGG's ``convs``, a number or one per block) is searched as the type of its default.

        Returns:
            The values drawn, ready for ``cls(**values)``.
        """
        return {
            name: p.declare(hp, name) if p.tune else p.default
            for name, p in cls.hyperparameters.items()
        }

    def __repr__(self) -> str:
        hps = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters_json().items())
        return f"<Architecture {self.name or type(self).__name__}({hps})>"
