"""The look-view contract: a way to look inside a trained model, added by any package.

A view is a class derived from :class:`View`, registered in the entry-point group
``kerazoo.views``; kerazoo's own views (``maps``, ``maximize``, ``saliency``, ``stats``,
``mean``) register there too. Each one becomes ``kerazoo look NAME MODEL`` (or ``kerazoo
look NAME DATASET`` for a view whose :attr:`View.subject` is ``"dataset"``), is listed by
``kerazoo plugins``, and its pictures get their own heading in a run's ``report.html``.

Plain Python: nothing here imports keras; a view imports what it needs inside :meth:`View.run`.

Example (a third-party package):

.. code-block:: python

    # pyproject.toml: [project.entry-points."kerazoo.views"]  weights = "kz_w:Weights"
    class Weights(kerazoo.View):
        help = "a histogram of every layer's weights"

        def add_arguments(self, parser):
            parser.add_argument("--bins", type=int, default=30)

        def run(self, model, args):
            keras_model, info = kerazoo.interpret.load(model)
            path = self.out_path(model, args, "weights.png")
            ...  # draw into path
            return [path]
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

__all__ = ["SUBJECTS", "View", "add_subject", "check_subject", "run_view"]

#: What a view looks at, the positional argument of ``kerazoo look NAME``: its help text.
#: A ``"dataset"`` view also gets ``--data KEY=VALUE`` (the dataset's options).
SUBJECTS = {
    "model": "a .keras file, or a run folder (its model.keras)",
    "dataset": "a dataset name, e.g. shapes (its options: --data KEY=VALUE)",
}


class View:
    """Base class of every look view: ``kerazoo look NAME MODEL [options]``.

    A view looks at a trained model by default; one whose ``subject`` is ``"dataset"`` looks
    at data instead (``kerazoo look mean shapes --data size=32``).

    Attributes:
        name: the registered name (the registry sets it on each instance it makes, from the
            entry point; the class is never written to).
        plugin: ``"distribution version"`` of the package that registered it.
        help: one line for ``kerazoo look --help``.
        description: the sub-command's longer description (default: ``help``).
        subject: what the positional argument names, a key of :data:`SUBJECTS`:
            ``"model"`` (the default: a ``.keras`` file or a run folder) or ``"dataset"``
            (a dataset name, with its options as ``--data KEY=VALUE``: see
            :meth:`dataset_options`).
        report_groups: picture groups for a run's report, ``word -> (heading, note)``: a
            picture in the run folder whose file name's first word (before ``-`` or the
            suffix: ``weights-dense.png``, ``weights.png``) is ``word`` is shown under
            ``heading``. Empty (the default) means ``{name: (name, help)}``.
    """

    name: str = ""
    plugin: str = ""
    help: ClassVar[str] = ""
    description: ClassVar[str] = ""
    subject: ClassVar[str] = "model"
    report_groups: ClassVar[dict[str, tuple[str, str]]] = {}

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Add this view's options to its parser; the positional (``model``, or ``dataset``
        and ``--data``: see ``subject``) is already there.

        Defaults you give here are the defaults of the Python call too.
        """

    def run(self, model: str, args: argparse.Namespace) -> list[Path]:
        """Draw the view and return the files written (``kerazoo look`` prints them).

        Args:
            model: the positional argument as given: a ``.keras`` file or a run folder, or
                a dataset name for a view whose ``subject`` is ``"dataset"``.
            args: the parsed options (those of :meth:`add_arguments`).

        Raises:
            KerazooError: bad input; the command line shows one line and exits with 2.
        """
        raise NotImplementedError

    def groups(self) -> dict[str, tuple[str, str]]:
        """The report's headings for this view's pictures (see ``report_groups``)."""
        return dict(self.report_groups) or {self.name: (self.name, self.help)}

    @staticmethod
    def dataset_options(args: argparse.Namespace) -> dict[str, Any]:
        """The options of the dataset a ``subject = "dataset"`` view looks at: its
        ``--data KEY=VALUE`` pairs (from Python, ``data`` may also be a dict). Make the
        dataset with ``kerazoo.get_dataset(dataset, **self.dataset_options(args))``.

        Raises:
            InvalidOptionError: a ``--data`` value that is not ``KEY=VALUE``.

        Example:
            >>> View.dataset_options(argparse.Namespace(data=["size=32"]))
            {'size': '32'}
        """
        from kerazoo._params import parse_pairs

        data = getattr(args, "data", None)
        return dict(data) if isinstance(data, Mapping) else parse_pairs(data, "--data")

    @staticmethod
    def out_path(model: str, args: argparse.Namespace, default: str) -> Path:
        """``args.out`` when given, or ``default`` in the run folder (beside a model file), so
        the run's report shows it. A zoo model (``zoo:NAME``) is installed read-only: its
        pictures go to ``zoo-NAME/`` in the current folder instead."""
        if getattr(args, "out", None):
            return Path(args.out)
        from kerazoo.saving._zoo import local_folder

        home = local_folder(model)
        if home is not None:
            return home / default
        given = Path(model)
        return (given if given.is_dir() else given.parent) / default


def check_subject(cls: type[View], where: str) -> str:
    """The ``subject`` of a view class, checked against :data:`SUBJECTS`.

    Raises:
        PluginError: it is not one of them (``where`` names the view in the message).

    Example:
        >>> check_subject(View, "view 'x'")
        'model'
    """
    subject = getattr(cls, "subject", None)
    if not isinstance(subject, str) or subject not in SUBJECTS:
        from kerazoo._errors import PluginError

        raise PluginError(
            f"The {where} has subject = {subject!r}; it must be one of "
            f"{', '.join(map(repr, SUBJECTS))} (what its positional argument names)."
        )
    return subject


def add_subject(parser: argparse.ArgumentParser, view: View) -> None:
    """Add the positional ``view`` looks at (its ``subject``) to ``parser``: ``model``, or
    ``dataset`` and its ``--data KEY=VALUE`` options.

    Raises:
        PluginError: the view's ``subject`` is not one of :data:`SUBJECTS`.

    Example:
        >>> parser = argparse.ArgumentParser()
        >>> add_subject(parser, View())
        >>> parser.parse_args(["runs/x"]).model
        'runs/x'
    """
    subject = check_subject(type(view), f"view {view.name!r}")
    parser.add_argument(subject, help=SUBJECTS[subject])
    if subject == "dataset":
        parser.add_argument(
            "--data",
            action="append",
            metavar="KEY=VALUE",
            help="a dataset option, repeatable, e.g. --data size=32",
        )


def run_view(view: View, model: str, **options: Any) -> list[Path]:
    """Run ``view`` on ``model`` from Python, with its options' defaults and ``options``.

    ``model`` is what the view looks at: a model file or run folder, or, for a view whose
    ``subject`` is ``"dataset"``, a dataset name (its options as ``data={...}``).

    Example:
        >>> from kerazoo._extensions import get_view
        >>> run_view(get_view("maps"), "runs/shapes-lenet", layer=["conv1"])  # doctest: +SKIP
        >>> run_view(get_view("mean"), "shapes", data={"size": 32}, n=300)  # doctest: +SKIP
    """
    parser = argparse.ArgumentParser(prog=f"kerazoo look {view.name}")
    add_subject(parser, view)
    view.add_arguments(parser)
    args = parser.parse_args([model])
    for key, value in options.items():
        if not hasattr(args, key):
            from kerazoo._errors import unknown_choice

            choices = sorted(k for k in vars(args) if k != view.subject)
            raise unknown_choice(key, key, choices, what="option", owner=f"view {view.name!r}")
        setattr(args, key, value)
    return list(view.run(model, args))
