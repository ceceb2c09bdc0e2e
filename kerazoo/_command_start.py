"""Imported first by ``kerazoo/__init__.py``: in the ``kerazoo`` command (only), Ctrl-C or
SIGTERM while Python is still importing it exits with one line and code 130, not a traceback
(:func:`kerazoo.training._interrupt.quiet_start`). A script importing kerazoo is left alone.
"""

from kerazoo.training._interrupt import quiet_start

quiet_start()
