"""Ctrl-C and SIGTERM (a CI job cancelled, a container stopped) during a command.

Until changes start, a signal ends the command at once (``Interrupted``): nothing has been
changed, and the exit code says which signal it was (130 for SIGINT, 143 for SIGTERM). Once
apply runs, the first signal asks the run to stop (``ptsync.apply.executor.Stop``): no change
is started after it, the running ones get a few seconds to finish, then the CLI prints the
summary and what may still be in flight, writes the ``--report`` and exits with the signal's
code. A second signal stops waiting for the running ones.

The handler only sets flags and says what it does: with ``os.write`` (safe in a signal
handler), or, while progress bars are drawn, through the bars' own display (``announcing``),
which shows the line above the bars and keeps it once they are gone: a raw write would be
drawn over by the next refresh and leave the bars doubled on the screen. It is installed in the
main thread only (signal handlers cannot be set elsewhere).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any

from ptsync.errors import Interrupted, exit_code_for

if TYPE_CHECKING:
    from ptsync.apply.executor import Stop

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupts:
    def __init__(self) -> None:
        self.signum: int | None = None  # the first signal received
        self._stop: Stop | None = None
        self._previous: dict[int, Any] = {}
        self._announce: Callable[[str], None] = say

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is threading.main_thread():
            for signum in SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def stopping(self, stop: Stop) -> None:
        """From now on a signal winds ``stop``'s run down instead of ending the command."""
        self._stop = stop

    def announcing(self, announce: Callable[[str], None] | None) -> None:
        """Who says "stopping…" (a progress display while it is drawn); None: stderr."""
        self._announce = announce or say

    @property
    def exit_code(self) -> int | None:
        return exit_code_for(self.signum) if self.signum is not None else None

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self._stop is None:
            self.signum = self.signum or signum
            raise Interrupted(signum)
        if self.signum is None:
            self.signum = signum
            self._announce(
                f"{name}: stopping. No new change is started; running ones get "
                f"{self._stop.grace:g} s to finish (signal again to stop waiting)."
            )
        else:
            self._announce(f"{name}: no longer waiting for running changes.")
        self._stop.request(name)


def say(text: str) -> None:
    """One line on stderr from a signal handler: a JSON line with ``--log-format json``."""
    from ptsync.cli.console import json_logs, stderr_line

    line = stderr_line(text, "warning", event="signal")
    if line is not None:
        with contextlib.suppress(OSError):
            os.write(2, (line if json_logs() else "\n" + line).encode() + b"\n")
