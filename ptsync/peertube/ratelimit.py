"""One client-side rate limiter shared by every thread talking to an instance.

PeerTube (express-rate-limit) counts requests per IP in a fixed window (default 50 per 10 s)
whose start we cannot see. A sliding-window log (at most N requests in *any* window of the
configured length) can never exceed a fixed window, whatever its alignment, so steady-state
runs never see a 429. The server's own counters are obeyed too, since another process may share
the IP: after each answer the limiter keeps a budget of ``X-RateLimit-Remaining`` minus the
requests still in flight (they may not be counted yet) until ``X-RateLimit-Reset``, and never
sends more than that. After a 429 every thread pauses until the server's reset, not just the one
that was refused.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Mapping
from email.utils import parsedate_to_datetime

SAFETY = 0.1  # seconds added to the window: requests arrive a little after they are sent
MAX_WAIT = 3600.0
SKEW = 2.0  # clocks further apart than this (Date has whole seconds) are corrected


class RateLimiter:
    def __init__(self, requests: int | None, per_seconds: float = 10.0):
        self.requests = requests
        self.per_seconds = per_seconds
        self._sent: deque[float] = deque()
        self._paused_until = 0.0
        self._cond = threading.Condition()
        self._in_flight = 0
        self._budget: int | None = None  # what the server says is left, minus in-flight
        self._budget_reset = 0.0  # monotonic time the server's window ends
        self._budget_epoch = 0.0  # the server's X-RateLimit-Reset for that window
        self.waited = 0.0  # total seconds threads spent waiting (for benchmarks and logs)

    @classmethod
    def unlimited(cls) -> RateLimiter:
        return cls(None)

    @property
    def limited(self) -> bool:
        return self.requests is not None

    def __repr__(self) -> str:
        limit = f"{self.requests}/{self.per_seconds}s" if self.limited else "unlimited"
        return f"RateLimiter({limit})"

    def make_unlimited(self) -> None:
        """Admins and moderators bypass PeerTube's limiter: go as fast as parallelism allows."""
        with self._cond:
            self.requests = None
            self._paused_until = 0.0
            self._budget = None
            self._cond.notify_all()

    def acquire(self) -> None:
        """Block until one more request may be sent; pair with ``observe`` or ``release``."""
        with self._cond:
            while True:
                now = time.monotonic()
                delay = self._delay(now)
                if delay <= 0:
                    if self.requests is not None:
                        self._sent.append(now)
                        self._in_flight += 1
                        if self._budget is not None:
                            self._budget -= 1
                    return
                self.waited += delay
                self._cond.wait(timeout=delay)

    def _delay(self, now: float) -> float:
        if now < self._paused_until:
            return self._paused_until - now
        if self.requests is None:
            return 0.0
        if self._budget is not None:
            if now >= self._budget_reset:
                self._budget = None  # the server's window is over: its count starts again
            elif self._budget <= 0:
                return self._budget_reset - now
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

    def release(self) -> None:
        """A request acquired earlier got no answer (connection error): no longer in flight."""
        with self._cond:
            self._in_flight = max(0, self._in_flight - 1)

    def observe(self, headers: Mapping[str, str]) -> bool:
        """Follow the server's counters after an answer; True when its window is exhausted."""
        with self._cond:
            self._in_flight = max(0, self._in_flight - 1)
            if self.requests is None:
                return False
            remaining = _number(headers.get("X-RateLimit-Remaining"))
            if remaining is None:
                return False
            epoch = _number(headers.get("X-RateLimit-Reset")) or 0.0
            wait = reset_delay(epoch or None, server_now=_server_time(headers.get("Date")))
            if wait is None:
                wait = self.per_seconds
            if epoch and epoch < self._budget_epoch:
                return remaining <= 0  # a late answer from a window already over
            left = int(remaining) - self._in_flight
            if self._budget is None or epoch > self._budget_epoch or not epoch:
                self._budget = left
            else:
                self._budget = min(self._budget, left)
            self._budget_epoch = epoch
            self._budget_reset = time.monotonic() + wait + SAFETY
            self._cond.notify_all()
            return remaining <= 0


def reset_delay(reset: float | None, *, server_now: float | None = None) -> float | None:
    """Seconds until ``reset``, which PeerTube sends as epoch seconds (also accept deltas).

    ``server_now`` (the answer's ``Date``, whole seconds) measures the wait on the server's own
    clock when the local clock is clearly off, so skew neither stalls the run nor sends early.
    """
    if reset is None:
        return None
    if reset > 1e9:
        now = time.time()
        if server_now is not None and abs(server_now - now) > SKEW:
            now = server_now
        return max(0.0, min(reset - now, MAX_WAIT))
    return max(0.0, min(reset, MAX_WAIT))


def _server_time(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
