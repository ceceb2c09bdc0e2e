"""The look-view contract: a way to look inside a trained model, added by any package.

A view is a class derived from :class:`View`, registered in the entry-point group
``kerazoo.views``; kerazoo's own views (``maps``, ``maximize``, ``saliency``, ``stats``)
register there too. Each one becomes ``kerazoo look NAME MODEL``, is listed by ``kerazoo
plugins``, and its pictures get their own heading in a run's ``report.html``.

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
from pathlib import Path
from typing import Any, ClassVar

__all__ = ["View", "run_view"]


class View:
    """Base class of every look view: ``kerazoo look NAME MODEL [options]``.

    Attributes:
        name: the registered name (the registry sets it on each instance it makes, from the
            entry point; the class is never written to).
        plugin: ``"distribution version"`` of the package that registered it.
        help: one line for ``kerazoo look --help``.
        description: the sub-command's longer description (default: ``help``).
        report_groups: picture groups for a run's report, ``word -> (heading, note)``: a
            picture in the run folder whose file name's first word (before ``-`` or the
            suffix: ``weights-dense.png``, ``weights.png``) is ``word`` is shown under
            ``heading``. Empty (the default) means ``{name: (name, help)}``.
    """

    name: str = ""
    plugin: str = ""
    help: ClassVar[str] = ""
    description: ClassVar[str] = ""
    report_groups: ClassVar[dict[str, tuple[str, str]]] = {}

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Add this view's options to its parser; the ``model`` positional is already there.

        Defaults you give here are the defaults of the Python call too.
        """

    def run(self, model: str, args: argparse.Namespace) -> list[Path]:
        """Draw the view and return the files written (``kerazoo look`` prints them).

        Args:
            model: the MODEL argument as given: a ``.keras`` file or a run folder.
            args: the parsed options (those of :meth:`add_arguments`).

        Raises:
            KerazooError: bad input; the command line shows one line and exits with 2.
        """
        raise NotImplementedError

    def groups(self) -> dict[str, tuple[str, str]]:
        """The report's headings for this view's pictures (see ``report_groups``)."""
        return dict(self.report_groups) or {self.name: (self.name, self.help)}

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


def run_view(view: View, model: str, **options: Any) -> list[Path]:
    """Run ``view`` on ``model`` from Python, with its options' defaults and ``options``.

    Example:
        >>> from kerazoo._extensions import get_view
        >>> run_view(get_view("maps"), "runs/shapes-lenet", layer=["conv1"])  # doctest: +SKIP
    """
    parser = argparse.ArgumentParser(prog=f"kerazoo look {view.name}")
    parser.add_argument("model")
    view.add_arguments(parser)
    args = parser.parse_args([model])
    for key, value in options.items():
        if not hasattr(args, key):
            from kerazoo._errors import unknown_choice

            choices = sorted(k for k in vars(args) if k != "model")
            raise unknown_choice(key, key, choices, what="option", owner=f"view {view.name!r}")
        setattr(args, key, value)
    return list(view.run(model, args))
