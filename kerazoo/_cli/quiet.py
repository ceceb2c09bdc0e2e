"""TensorFlow's start-up log lines, hidden from the command line unless ``--verbose``."""

from __future__ import annotations

import os

from kerazoo._startup_logs import hide_startup_lines, show_startup_lines

__all__ = ["quiet_tensorflow"]


def quiet_tensorflow(verbose: bool = False) -> None:
    """Hide TensorFlow's start-up log lines (see :mod:`kerazoo._startup_logs`) and, when the
    user chose no log level, its later INFO, WARNING and ERROR lines from C++ too.

    ``TF_CPP_MIN_LOG_LEVEL`` is set to 3 only when unset. At 2 or 3 (what users set to hide
    INFO and WARNING lines) the start-up lines are hidden as well, which no level does by
    itself; at 0 or 1 the user asked for TensorFlow's INFO lines and sees all of them, as
    ``kerazoo --verbose`` (``verbose=True``) shows them.
    """
    if verbose:
        show_startup_lines()
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    hide_startup_lines()
