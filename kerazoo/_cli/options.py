"""What the commands that train share: one flag per training setting, and SIGTERM as Ctrl-C."""

from __future__ import annotations

import argparse
import contextlib
from typing import Any

__all__ = ["add_setting_flags", "add_track_flag", "sigterm_interrupts"]


def add_setting_flags(p: argparse.ArgumentParser) -> None:
    """One flag per training setting, with its help, default and choices from the table."""
    from kerazoo.training._settings import FLAGS, SETTINGS

    for name, param in SETTINGS.items():
        flag = FLAGS.get(name, "--" + name.replace("_", "-"))
        if param.kind is bool:  # on by default: --NAME and --no-NAME
            on = param.default is True
            action = argparse.BooleanOptionalAction if on else "store_true"
            shown = f"{param.help} (default on)" if on else param.help
            p.add_argument(flag, dest=name, action=action, default=None, help=shown)
            continue
        allowed = f"{param.describe()}; " if param.choices or param.low is not None else ""
        if param.search:
            allowed += "tune searches [{}, {}]; ".format(*param.search)
        shown = param.default
        if shown is None:  # no value: the choice "none" where there is one, else automatic
            shown = "none" if "none" in (param.choices or ()) else "auto"
        kind = param.kind if param.kind in (int, float) else str
        switch = {"nargs": "?", "const": "true"} if _bare_means_true(param) else {}
        p.add_argument(
            flag,
            dest=name,
            type=kind,
            metavar=name.upper(),
            **switch,
            help=f"{param.help} ({allowed}default {shown})",
        )


def add_track_flag(p: argparse.ArgumentParser) -> None:
    """``--track URI``: MLflow tracking (:mod:`kerazoo.training._tracking`)."""
    p.add_argument(
        "--track",
        metavar="URI",
        help="also log the run to MLflow at this tracking URI, e.g. sqlite:///runs/mlflow.db "
        "or http://HOST:5000 (default: $KERAZOO_TRACKING_URI, else none; needs "
        "pip install 'kerazoo[mlflow]')",
    )


def _bare_means_true(param: Any) -> bool:
    """A setting of its own kind that reads "true" (``--jit-compile`` alone) takes a bare flag."""
    if param.kind in (int, float, str, bool):
        return False
    try:
        return param.parse("true") is True
    except (TypeError, ValueError):
        return False


def sigterm_interrupts() -> contextlib.AbstractContextManager[None]:
    """Within the block, SIGTERM (a scheduler or ``kill``) stops training like Ctrl-C: the
    run keeps its last checkpoint and ``run.json`` says ``interrupted``; neither is lost
    (:func:`kerazoo.training._interrupt.stop_on_signals`)."""
    from kerazoo.training._interrupt import stop_on_signals

    return stop_on_signals()
