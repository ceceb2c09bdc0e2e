"""What a resume request may ask: the run's own dataset, architecture and options, and its
settings (only ``epochs`` may change). :func:`kerazoo.train` and ``kerazoo train --resume``
both check here, so both refuse the same requests with the same message.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kerazoo._errors import InvalidOptionError, option
from kerazoo.training._rundir import read_run_json

__all__ = ["check_new_run_request", "read_resume", "resumed_run"]


def check_new_run_request(dataset: Any, architecture: Any, kind: str = "run") -> None:
    """A new run, search or learning-rate ramp names its dataset and architecture; only a
    resumed run (or a search's worker) reads them from elsewhere.

    Args:
        dataset, architecture: as given.
        kind: ``"run"`` (:func:`kerazoo.train`), ``"search"`` (:func:`kerazoo.tune`) or
            ``"lr_find"`` (:func:`kerazoo.lr_find`): what the message says.

    Raises:
        InvalidOptionError: either is missing.

    Example:
        >>> check_new_run_request("shapes", "lenet")
    """
    if dataset is not None and architecture is not None:
        return
    what, otherwise = {
        "run": (
            "A new run",
            f"; only {option('resume', True)} takes them from the run in {option('out')}",
        ),
        "search": ("A search", "; only a worker (kerazoo tune --worker) reads them from its chief"),
        "lr_find": ("The learning-rate finder", ""),
    }[kind]
    raise InvalidOptionError(
        f"{what} needs a dataset and an architecture, e.g. shapes and lenet (see 'kerazoo "
        f"list'){otherwise}; got dataset={_name(dataset)} and architecture={_name(architecture)}."
    )


def _name(given: Any) -> str:
    return repr(given) if given is None or isinstance(given, str) else type(given).__name__


def read_resume(
    run_dir: Path,
    given: Mapping[str, Any],
    names: tuple[Any, Any] = (None, None),
    options: tuple[Mapping[str, Any] | None, Mapping[str, Any] | None] = (None, None),
    explicit: bool = False,
) -> dict[str, Any]:
    """The saved run to continue, once the request is checked against it.

    Args:
        run_dir: the run directory.
        given: the training settings of the request (only ``epochs`` may differ).
        names: the dataset and architecture asked for (``None``: the run's own).
        options: the dataset options and hyperparameters asked for (``None``: the run's).
        explicit: every setting in ``given`` was set by the user (command-line flags); else
            a value equal to its default counts as not given.

    Returns:
        ``run.json``'s settings, dataset and architecture (as
        :func:`kerazoo.training._rundir.read_run_json`).

    Raises:
        InvalidOptionError: no ``run.json``, a changed setting, or another dataset,
            architecture, dataset option or hyperparameter than the run's.

    Example:
        >>> read_resume(Path("runs/shapes-lenet"), {"epochs": 9})  # doctest: +SKIP
    """
    saved = read_run_json(run_dir, given, explicit)
    wrong = _other_names(saved, names) + _other_options(saved, options)
    if wrong:
        raise InvalidOptionError(
            f"{option('resume', True)} continues the run in {run_dir} with its own dataset, "
            f"architecture and options; these differ: {'; '.join(wrong)}. Leave them out to "
            f"resume, or start a new run with another {option('out')}."
        )
    return saved


def resumed_run(
    run_dir: Path | None,
    given: Mapping[str, Any],
    names: tuple[Any, Any] = (None, None),
    options: tuple[Mapping[str, Any] | None, Mapping[str, Any] | None] = (None, None),
) -> tuple[dict[str, Any], Any, Any]:
    """The settings, dataset and architecture of the run to continue, the request checked
    (:func:`read_resume`; settings equal to their defaults count as not given).

    Raises:
        InvalidOptionError: no run directory, or a request :func:`read_resume` refuses.

    Example:
        >>> cfg, ds, arch = resumed_run(Path("runs/shapes-lenet"), {})  # doctest: +SKIP
    """
    from kerazoo._registry import get_architecture, get_dataset
    from kerazoo.training._settings import check_settings

    if run_dir is None:
        raise InvalidOptionError(
            f"{option('resume', True)} needs {option('out', 'RUNDIR')}: the run to continue."
        )
    saved = read_resume(run_dir, given, names, options)
    dataset = get_dataset(saved["dataset"]["name"], **saved["dataset"]["options"])
    arch = saved["architecture"]
    return (
        check_settings(saved["settings"]),
        dataset,
        get_architecture(arch["name"], **arch["hyperparameters"]),
    )


def _other_names(saved: Mapping[str, Any], names: tuple[Any, Any]) -> list[str]:
    wrong = []
    for given, kind in zip(names, ("dataset", "architecture"), strict=True):
        own = saved[kind]["name"]
        if given is not None and not isinstance(given, str):
            wrong.append(f"a {type(given).__name__} object for the {kind} (the run trains {own!r})")
        elif given is not None and given != own:
            wrong.append(f"{kind} {given!r} (the run trains {own!r})")
    return wrong


def _other_options(
    saved: Mapping[str, Any], options: tuple[Mapping[str, Any] | None, Mapping[str, Any] | None]
) -> list[str]:
    wrong = []
    for pairs, name, kind, key in zip(
        options,
        ("data", "hp"),
        ("dataset", "architecture"),
        ("options", "hyperparameters"),
        strict=True,
    ):
        own = saved[kind][key]
        wrong += [
            f"{option(name)} {k}={v} (the run has {k}={own.get(k)!r})"
            for k, v in (pairs or {}).items()
            if not _same(own.get(k), v)
        ]
    return wrong


def _same(own: Any, given: Any) -> bool:
    """A value the run has, given again: as itself, or as the command line's text."""
    if own == given or str(own) == str(given):
        return True
    return isinstance(own, bool) and str(given).strip().lower() == str(own).lower()
