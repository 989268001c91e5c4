"""The ``ptsync`` command. Importing this package loads nothing heavy: ``main`` imports the
typer app on first call, so the console script starts fast."""

from __future__ import annotations

import os
import sys
import threading

INTERRUPTED = (130, 143)  # 128 + SIGINT, 128 + SIGTERM


def main(argv: list[str] | None = None) -> int:
    from ptsync.cli.app import main as run

    code = run(argv)
    if code in INTERRUPTED and _busy_threads():
        # An interrupted apply gave its running requests their grace period and reported
        # them as in flight; do not wait for them at interpreter exit.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def _busy_threads() -> bool:
    return any(
        t.is_alive() and not t.daemon
        for t in threading.enumerate()
        if t is not threading.main_thread()
    )
