"""The ``ptsync`` command. Importing this package loads nothing heavy: ``main`` imports the
typer app on first call, so the console script starts fast."""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    from ptsync.cli.app import main as run

    return run(argv)
