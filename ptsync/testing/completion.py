"""Server-side completion: creates that take time and finish whether or not the client waits.

A real PeerTube answers ``POST /videos/imports`` only after it fetched the target's metadata
(3.2-3.9 s in the lab) and assembles a resumable upload's file after its last chunk; a client
that times out, disconnects or is killed meanwhile still gets its video, seconds later. The fake
models that with a ``Job``: the create runs on its own daemon thread after the delay (on the
fake's clock: with a ``ptsync.clock.FakeClock`` the delay is virtual) and the request handler
merely waits for it, parked, so a vanished client changes nothing. Until the job ran, the video
does not exist and no listing shows it.

While an upload is being assembled every ``PUT`` on its session answers ``503 "The upload is
already being processed"`` with ``Retry-After: 300`` (PeerTube's answer, recorded in
``videos-upload-resumable-wedged-503``). A ``Wedge`` makes sessions stay in that state for as
long as a test wants, as one did on a real 6.3 behind a faulty proxy.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from ptsync.clock import Clock
from ptsync.testing.problems import Problem

T = TypeVar("T")
DEFAULT_CREATE_DELAY = 3.0
UPLOAD_SHARE = 1 / 3
"""A final chunk takes this share of the create delay unless ``upload_delay`` says otherwise."""
BUSY_MESSAGE = "The upload is already being processed"
BUSY_RETRY_AFTER = 300
SessionFilter = Callable[[dict[str, Any]], bool]


class Job(Generic[T]):
    """``work`` run once on a daemon thread after ``delay`` seconds of ``clock``; ``wait``
    for its outcome."""

    def __init__(self, clock: Clock, delay: float, work: Callable[[], T]) -> None:
        self._clock = clock
        self._work = work
        self._cond = threading.Condition()
        self._done = False
        self._result: T | None = None
        self._error: BaseException | None = None
        thread = threading.Thread(target=self._run, args=(delay,), name="fake-job", daemon=True)
        thread.start()

    def _run(self, delay: float) -> None:
        with self._clock.busy():
            self._clock.sleep(delay)
            try:
                self._result = self._work()
            except BaseException as exc:  # handed to whoever waits, if anyone still does
                self._error = exc
            finally:
                with self._cond:
                    self._done = True
                    self._clock.notify_all(self._cond)

    def wait(self) -> T:
        """The outcome, once the job ran; the handler waits parked: on a FakeClock, the
        request it serves no longer holds time back."""
        with self._clock.parked(), self._cond:
            while not self._done:
                self._clock.wait(self._cond, None)
        if self._error is not None:
            raise self._error
        return self._result  # type: ignore[return-value]


def busy() -> Problem:
    """What every ``PUT`` on a session being assembled (or wedged) gets."""
    return Problem(503, BUSY_MESSAGE, headers={"Retry-After": str(BUSY_RETRY_AFTER)})


class Wedge:
    """Which sessions, on receiving their final byte, wedge instead of becoming a video.

    ``count`` sessions at most (``None``: every one until lifted), only those ``matches``
    accepts; it is given the session's summary (``fake.upload_sessions`` entries plus ``id``).
    """

    def __init__(self, count: int | None, matches: SessionFilter | None) -> None:
        if count is not None and count < 1:
            raise ValueError(f"count must be at least 1 (or None for every session): {count}")
        self.remaining = count
        self.matches = matches
        self.wedged = 0

    def claims(self, summary: dict[str, Any]) -> bool:
        if self.remaining == 0 or (self.matches is not None and not self.matches(summary)):
            return False
        if self.remaining is not None:
            self.remaining -= 1
        self.wedged += 1
        return True
