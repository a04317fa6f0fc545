"""``python -m derivcheck`` runs the command line."""

from .run.cli import main

main()
