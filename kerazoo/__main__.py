"""``python -m kerazoo`` runs the command line."""

from kerazoo._cli import run

run()
