"""The ``kerazoo`` command.

Each command group lives in its own module of this package and has ``register(subparsers)``,
which adds its parser and sets ``func`` (taking the parsed args, returning an exit code).
Command modules import keras only inside ``func``, so ``kerazoo list`` stays fast.

Error messages name settings through :func:`kerazoo._errors.option`; ``main`` runs each
command inside :func:`kerazoo._errors.option_flags` with the flags its parser declares, so a
message that says ``encoding='reconstruction'`` from Python says ``--encoding
reconstruction`` here. Nothing is listed by hand: a setting is spelled as a flag exactly when
the command has an option whose ``dest`` is that setting's name.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
import warnings
from collections.abc import Mapping, Sequence
from importlib import import_module
from typing import Any

from kerazoo import __version__
from kerazoo._errors import KerazooError, option_flags
from kerazoo._params import parse_pairs

__all__ = ["command_flags", "main", "model_path", "os_error_text", "parse_pairs"]

# One module per command group, in the order `kerazoo --help` shows them.
COMMANDS = (
    "listing",
    "plugins",
    "data",
    "train",
    "lr_find",
    "evaluate",
    "report",
    "compare",
    "tune",
    "inspect",
    "predict",
    "export",
    "look",
    "zoo",
    "new_plugin",
)


def model_path(given: str) -> str:
    """The model file for a command's MODEL argument: a file, an export, or a run folder
    (:func:`kerazoo.saving._load.model_file`); an unfinished run's note goes to stderr.

    Example:
        >>> model_path("model.keras")
        'model.keras'
    """
    from kerazoo.saving._load import model_file

    path, note = model_file(given)
    if note:
        print(f"note: {note}", file=sys.stderr)
    return str(path)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (used by ``main`` and by the docs)."""
    parser = argparse.ArgumentParser(
        prog="kerazoo",
        description="A plugin-based Keras 3 model zoo: synthetic datasets, small "
        "convolutional networks, one-command training and inference.",
        epilog="Run 'kerazoo COMMAND --help' for the options of each command.",
    )
    parser.add_argument("--version", action="version", version=f"kerazoo {__version__}")
    parser.add_argument(
        "--verbose",
        dest="startup_logs",  # not "verbose": 'kerazoo list --verbose' would overwrite it
        action="store_true",
        help="show TensorFlow's start-up log lines (hidden by default)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:  # a missing command module is an error, never skipped
        import_module(f"kerazoo._cli.{name}").register(sub)
    return parser


def command_flags(parser: argparse.ArgumentParser, args: argparse.Namespace) -> dict[str, str]:
    """Setting name -> flag for the command that ``args`` chose: ``{"learning_rate": "--lr"}``.

    Read from the parser's own options (the top level's and the chosen command's), so a
    command's flags are written once, where the command declares them.

    Example:
        >>> p = build_parser()
        >>> command_flags(p, p.parse_args(["train", "--lr", "0.1"]))["learning_rate"]
        '--lr'
    """
    flags: dict[str, str] = {}
    for chosen in _chosen_parsers(parser, args):
        for action in chosen._actions:
            long = [o for o in action.option_strings if o.startswith("--")]
            if long and action.dest not in flags:
                flags[action.dest] = long[0]
    return flags


def _chosen_parsers(parser: argparse.ArgumentParser, args: Any) -> list[argparse.ArgumentParser]:
    """The top-level parser, then each sub-command's parser that ``args`` chose."""
    path = [parser]
    while True:
        # argparse has no public listing of a parser's options; ``_actions`` is that list.
        for action in path[-1]._actions:
            if not action.option_strings and isinstance(action.choices, Mapping):
                picked = action.choices.get(getattr(args, action.dest, None) or "")
                if isinstance(picked, argparse.ArgumentParser):
                    path.append(picked)
                    break
        else:
            return path


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 failure, 2 usage or input error).

    Errors are one line on stderr, never a traceback: a :class:`~kerazoo.KerazooError`
    (exit 2) as its message, any other ``OSError`` (exit 1) as the file and the cause.
    """
    warnings.showwarning = _show_warning  # from here on, plugin warnings included
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        _unrecognized(parser, args, extra)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    from kerazoo._cli.quiet import quiet_tensorflow

    quiet_tensorflow(verbose=args.startup_logs)
    try:
        with option_flags(command_flags(parser, args)):
            code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows up here, inside the try
        return code
    except KerazooError as exc:
        print(f"kerazoo {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"kerazoo {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away ('kerazoo list | head -1'). As the Python docs recommend
        # (library/signal.html, "Note on SIGPIPE"): point stdout at devnull so the flush at
        # exit fails no more, and exit quietly with 1.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except OSError as exc:
        # A file that could not be read or written, that the library did not name itself
        # (it raises OutputError, a KerazooError, for the files it writes): one line.
        print(f"kerazoo {args.command}: error: {os_error_text(exc)}", file=sys.stderr)
        return 1


def os_error_text(exc: OSError) -> str:
    """One line for an ``OSError``: the file(s) it names, then the cause.

    Example:
        >>> os_error_text(FileNotFoundError(2, "No such file or directory", "a.png"))
        'a.png: No such file or directory'
    """
    from kerazoo._naming import printable

    names = [os.fsdecode(n) for n in (exc.filename, exc.filename2) if n is not None]
    cause = exc.strerror or str(exc) or type(exc).__name__
    return printable(f"{' -> '.join(names)}: {cause}" if names else cause)


def _unrecognized(parser: argparse.ArgumentParser, args: Any, extra: list[str]) -> None:
    """Exit 2 with the chosen command's usage (argparse names only the top level), and the
    closest flag of that command when one is close."""
    chosen = _chosen_parsers(parser, args)[-1]
    message = f"unrecognized arguments: {' '.join(extra)}"
    flags = [o for a in chosen._actions for o in a.option_strings if o.startswith("--")]
    given = [word.split("=")[0] for word in extra if word.startswith("--")]
    close = difflib.get_close_matches(given[0], flags, n=1) if given else []
    chosen.error(message + (f". Did you mean {close[0]}?" if close else ""))


def _show_warning(message: Any, category: Any, *_: Any, **__: Any) -> None:
    print(f"kerazoo: warning: {message}", file=sys.stderr)


def run() -> None:
    """Console-script entry point: Ctrl-C and SIGTERM stop any command with code 130 and one
    line, from the first import on (:mod:`kerazoo.training._interrupt`)."""
    from kerazoo.training._interrupt import STOPPED, stop_on_signals

    with stop_on_signals():
        try:
            code = main()
        except KeyboardInterrupt:  # before a command started (parsing, imports)
            print("kerazoo: interrupted", file=sys.stderr)
            code = STOPPED
    sys.exit(code)
