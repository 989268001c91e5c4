"""One client-side rate limiter shared by every thread talking to an instance.

PeerTube (express-rate-limit) counts requests per IP in a fixed window (default 50 per 10 s)
whose start we cannot see. A sliding-window log (at most N requests in *any* window of the
configured length) can never exceed a fixed window, whatever its alignment, so steady-state
runs never see a 429. The server's own ``X-RateLimit-Remaining`` / ``X-RateLimit-Reset`` are
obeyed too (another process may share the IP), and after a 429 every thread pauses until the
server's reset, not just the one that was refused.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Mapping

SAFETY = 0.1  # seconds added to the window: requests arrive a little after they are sent


class RateLimiter:
    def __init__(self, requests: int | None, per_seconds: float = 10.0):
        self.requests = requests
        self.per_seconds = per_seconds
        self._sent: deque[float] = deque()
        self._paused_until = 0.0
        self._cond = threading.Condition()
        self.waited = 0.0  # total seconds threads spent waiting (for benchmarks and logs)

    @classmethod
    def unlimited(cls) -> RateLimiter:
        return cls(None)

    @property
    def limited(self) -> bool:
        return self.requests is not None

    def make_unlimited(self) -> None:
        """Admins and moderators bypass PeerTube's limiter: go as fast as parallelism allows."""
        with self._cond:
            self.requests = None
            self._paused_until = 0.0
            self._cond.notify_all()

    def acquire(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                delay = self._delay(now)
                if delay <= 0:
                    if self.requests is not None:
                        self._sent.append(now)
                    return
                self.waited += delay
                self._cond.wait(timeout=delay)

    def _delay(self, now: float) -> float:
        if now < self._paused_until:
            return self._paused_until - now
        if self.requests is None:
            return 0.0
        window = self.per_seconds + SAFETY
        while self._sent and now - self._sent[0] >= window:
            self._sent.popleft()
        if len(self._sent) < self.requests:
            return 0.0
        return self._sent[0] + window - now

    def pause_until(self, moment: float) -> None:
        """Hold every thread until ``moment`` (time.monotonic scale)."""
        with self._cond:
            self._paused_until = max(self._paused_until, moment)
            self._cond.notify_all()

    def observe(self, headers: Mapping[str, str]) -> bool:
        """Follow the server's counters; True when it says the window is exhausted."""
        if self.requests is None:
            return False
        remaining = _number(headers.get("X-RateLimit-Remaining"))
        if remaining is None or remaining > 0:
            return False
        reset = _number(headers.get("X-RateLimit-Reset"))
        wait = reset_delay(reset)
        if wait is not None:
            self.pause_until(time.monotonic() + wait + SAFETY)
        return True


def reset_delay(reset: float | None) -> float | None:
    """Seconds until ``reset``, which PeerTube sends as epoch seconds (also accept deltas)."""
    if reset is None:
        return None
    if reset > 1e9:
        return max(0.0, min(reset - time.time(), 3600.0))
    return max(0.0, min(reset, 3600.0))


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
