"""``python -m kerazoo`` runs the command line."""

from kerazoo.cli import run

run()
