"""kz_example: a kerazoo plugin (a dataset with masks and an architecture).

kerazoo finds the classes through the entry points in ``pyproject.toml``; nothing here
registers anything by hand. Keep this module light: ``kerazoo list`` imports it.
"""

__version__ = "0.1.0"
