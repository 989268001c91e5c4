"""One client-side rate limiter per instance, shared by every thread and client talking to it.

PeerTube (express-rate-limit 7) counts requests per client IP in fixed windows: a window opens
with the first request after the previous one ended and lasts ``W`` seconds (50 requests per
10 s by default). Every answer carries ``X-RateLimit-Limit``, ``-Remaining`` and ``-Reset`` (the
window's end in epoch seconds, rounded *up*). Administrators and moderators are let through
past the limit, but their requests still count.

* Before the first answer with counters, and for servers that send none, the configured
  ``--rate-limit`` applies as a sliding-window log (at most N sends in any span of its
  length), which never exceeds a fixed window of the same size whatever its alignment.
* Once the server has spoken, the limiter schedules by the server's window, not by its own:
  it sends what the server says remains, minus what is in flight (those may be counted after
  the answer was written), then waits for the window's end and starts the next one with the
  full limit, minus what is still in flight. An explicit ``--rate-limit`` keeps capping too.
* The window's end in local time: ``Reset`` is on the server's clock. Every ``Date`` header
  (whole seconds, rounded down, written before we read it) bounds the offset between the
  clocks from below, so waiting until ``Reset - offset`` is never early, whatever the skew.
  Because a window opens with its first request, a window we opened ourselves (its answer
  says ``Remaining == Limit - 1``) bounds the window's length from above; each later window
  then ends at most that long after its first answer.
* That bound still carries the rounding of ``Reset`` (up to a second on every window, the same
  on each when every window opens at the same fraction of a second, as back-to-back windows
  do): a tenth of a 10 s window. So when the server announces the configured limit, the
  configured window is taken as the server's length unless the answers prove the window
  longer: ``Date`` also bounds the clock offset from above (the answer was written after we
  sent), which bounds the length from below. PeerTube's default (50 / 10 s) is the default
  ``--rate-limit``; a server set otherwise announces another limit or a longer window.
* A 429 (another process behind the same IP, a limiter unlike PeerTube's, a window a little
  longer than configured) pauses every thread once, until ``Retry-After``, and only ``Reset``
  is trusted for the rest of the run.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections import deque
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import ClassVar, NamedTuple

from ptsync.clock import SYSTEM, Clock

SAFETY = 0.1  # the sliding window's margin: requests arrive a little after they are sent
MAX_WAIT = 3600.0
SKEW = 2.0  # reset_delay: clocks further apart than this (Date has whole seconds) are corrected
NO_ANSWER_GRACE = 1.0  # a window whose answers never came: assume it ended this much late


class RateLimit(NamedTuple):
    """At most ``requests`` in any ``per_seconds``: ``--rate-limit REQUESTS/SECONDS``."""

    requests: int
    per_seconds: float


DEFAULT_RATE_LIMIT = RateLimit(50, 10.0)  # PeerTube's default for ordinary users


class ServerClock:
    """Bounds of (server epoch time − local monotonic time): ``Date`` is the server's time,
    rounded down to the second, at a moment between sending and receiving."""

    def __init__(self, clock: Clock = SYSTEM) -> None:
        self.source = clock
        self.offset: float | None = None  # the best lower bound: waiting by it is never early
        self.upper: float | None = None  # the best upper bound

    def observe(self, date: str | None, received: float, sent: float | None = None) -> None:
        server = _server_time(date)
        if server is None:
            return
        if self.offset is None or server - received > self.offset:
            self.offset = server - received
        if sent is not None and (self.upper is None or server + 1 - sent < self.upper):
            self.upper = server + 1 - sent

    def local(self, epoch: float) -> float:
        """The monotonic time by which the server's clock surely shows ``epoch``."""
        return epoch - self._offset()

    def epoch(self, moment: float) -> float:
        return moment + self._offset()

    def _offset(self) -> float:
        if self.offset is not None:
            return self.offset
        return self.source.time() - self.source.monotonic()


class RateLimiter:
    """Shared by every request to one instance: ``acquire`` before sending, then ``observe``
    the answer (or ``release`` when none came). ``exempt`` senders (administrators and
    moderators, whom PeerTube does not limit) never wait for the server's window."""

    _shared: ClassVar[weakref.WeakValueDictionary[tuple[object, ...], RateLimiter]] = (
        weakref.WeakValueDictionary()
    )
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        requests: int | None,
        per_seconds: float = 10.0,
        *,
        explicit: bool = False,
        clock: Clock = SYSTEM,
    ) -> None:
        self.clock = clock
        self.configured = RateLimit(requests, per_seconds) if requests is not None else None
        self.explicit = explicit  # the user asked for it: it caps on top of the server's window
        self._cond = threading.Condition()
        self._sent: deque[float] = deque()
        self._paused_until = 0.0
        self._in_flight = 0
        self._clock = ServerClock(clock)
        self._limit: int | None = None  # X-RateLimit-Limit: what a new window allows
        self._counting = False  # the server sends counters: follow its window
        self._left: int | None = None  # lowest Remaining seen in this window; None: fresh
        self._lost = 0  # requests of this window that got no answer (they may have counted)
        self._epoch: float | None = None  # this window's Reset; None: opened, no answer yet
        self._previous_epoch = 0.0
        self._opened = -math.inf  # when we started the current window ourselves
        self._first_answer = 0.0  # when the first answer from the current window came
        self._span: float | None = None  # min(Reset − send time) over windows we opened
        self._short: float | None = None  # max(Reset − 1 − answer time) over the same
        self._trust_span = True
        self.waited = 0.0  # total seconds threads spent waiting (for benchmarks and logs)
        self._key: tuple[object, ...] = ()  # in ``_shared``, with ``_users`` open clients
        self._users = 0

    @classmethod
    def unlimited(cls, clock: Clock = SYSTEM) -> RateLimiter:
        return cls(None, clock=clock)

    @classmethod
    def shared(
        cls,
        instance: str,
        limit: tuple[int, float] | None,
        *,
        explicit: bool = False,
        clock: Clock = SYSTEM,
    ) -> RateLimiter:
        """The limiter in use for ``instance`` with these settings, or a new one: PeerTube
        counts per IP, so every open client of one instance draws from one window. Pair with
        ``detach`` when the client closes (a closed client's window may be another server's
        by the next run, as with test servers on reused ports)."""
        key = (instance, tuple(limit) if limit else None, explicit, id(clock))
        with cls._shared_lock:
            found = cls._shared.get(key)
            if found is None or found.clock is not clock:
                found = (
                    cls(*limit, explicit=explicit, clock=clock) if limit else cls.unlimited(clock)
                )
                found._key = key
                cls._shared[key] = found
            found._users += 1
            return found

    def detach(self) -> None:
        """One client of ``shared`` is done; the last one retires the shared limiter."""
        with self._shared_lock:
            self._users -= 1
            if self._users <= 0 and self._shared.get(self._key) is self:
                del self._shared[self._key]

    @property
    def limited(self) -> bool:
        return self.configured is not None

    def __repr__(self) -> str:
        if self.configured is None:
            return "RateLimiter(unlimited)"
        kind = "explicit" if self.explicit else "default"
        return f"RateLimiter({self.configured.requests}/{self.configured.per_seconds}s {kind})"

    # ------------------------------------------------------------------------------ sending

    def acquire(self, *, exempt: bool = False) -> float:
        """Block until one more request may be sent; returns its send time (monotonic), to
        pass to ``observe``."""
        with self._cond:
            while True:
                now = self.clock.monotonic()
                delay = min(self._delay(now, exempt), MAX_WAIT)
                if delay <= 0:
                    self._record(now)
                    return now
                self.clock.wait(self._cond, delay)
                self.waited += self.clock.monotonic() - now

    def _delay(self, now: float, exempt: bool) -> float:
        if now < self._paused_until:
            return self._paused_until - now
        if self.configured is None:
            return 0.0
        delay = 0.0
        if not exempt and self._counting:
            delay = self._window_delay(now)
        if self.explicit or (not exempt and self._budget() is None):
            delay = max(delay, self._sliding_delay(now))
        return delay

    def _budget(self) -> int | None:
        """What may still be sent in the server's window: the lowest ``Remaining`` it answered
        (or the full limit in a fresh window) minus every request it may not have counted yet
        (in flight, or lost on the way). None: the server has not told."""
        left = self._left if self._left is not None else self._limit
        if not self._counting or left is None:
            return None
        return left - self._in_flight - self._lost

    def _window_delay(self, now: float) -> float:
        if now >= self._window_end():
            self._open_window(now)
        budget = self._budget()
        if budget is None or budget > 0:
            return 0.0
        return self._window_end() - now

    def _window_end(self) -> float:
        if self._epoch is None:  # opened by us, no answer yet: it cannot last much longer
            length = self._window_length() or (self.configured or DEFAULT_RATE_LIMIT).per_seconds
            return self._opened + length + NO_ANSWER_GRACE
        end = self._clock.local(self._epoch)
        at_most = self._window_length()
        return end if at_most is None else min(end, self._first_answer + at_most)

    def _window_length(self) -> float | None:
        """How long the server's windows last at most: the configured window when the server
        announces the configured limit and no answer proves its window longer, else the
        measured upper bound."""
        bound = self._span_length()
        configured = self.configured
        if bound is None or configured is None or self._limit != configured.requests:
            return bound
        shortest = self._shortest_length()
        if shortest is None or shortest > configured.per_seconds:
            return bound
        return min(bound, configured.per_seconds)

    def _span_length(self) -> float | None:
        """An upper bound of the server's window length (only from ``Date``-measured clocks)."""
        if self._span is None or not self._trust_span or self._clock.offset is None:
            return None
        return self._span - self._clock.offset

    def _shortest_length(self) -> float | None:
        """A lower bound of the server's window length: the window we opened ended after
        ``Reset - 1`` and began before our answer came."""
        if self._short is None or self._clock.upper is None:
            return None
        return self._short - self._clock.upper

    def _open_window(self, now: float) -> None:
        """The server's window is surely over: the next request opens a fresh one."""
        self._previous_epoch = self._epoch or self._previous_epoch
        self._epoch = None
        self._opened = now
        self._left, self._lost = None, 0

    def _sliding_delay(self, now: float) -> float:
        limit = self.configured
        if limit is None:
            return 0.0
        window = limit.per_seconds + SAFETY
        while self._sent and now - self._sent[0] >= window:
            self._sent.popleft()
        if len(self._sent) < limit.requests:
            return 0.0
        return self._sent[0] + window - now

    def _record(self, now: float) -> None:
        self._in_flight += 1
        if self.configured is None:
            return
        self._sent.append(now)
        if len(self._sent) > self.configured.requests:
            self._sent.popleft()

    # ------------------------------------------------------------------------------ answers

    def pause_until(self, moment: float) -> None:
        """A 429: hold every thread until ``moment`` (monotonic), and trust only ``Reset``."""
        with self._cond:
            self._paused_until = max(self._paused_until, moment)
            self._trust_span = False
            self.clock.notify_all(self._cond)

    def release(self) -> None:
        """A request acquired earlier got no answer (connection error): no longer in flight."""
        with self._cond:
            self._in_flight = max(0, self._in_flight - 1)
            self._lost += 1 if self._counting else 0
            self.clock.notify_all(self._cond)

    def observe(self, headers: Mapping[str, str], sent: float | None = None) -> bool:
        """Follow the server's counters after an answer to a request sent at ``sent``;
        True when the server says its window is exhausted."""
        with self._cond:
            self._in_flight = max(0, self._in_flight - 1)
            if self.configured is None:
                return False
            received = self.clock.monotonic()
            self._clock.observe(headers.get("Date"), received, sent)
            remaining = _number(headers.get("X-RateLimit-Remaining"))
            if remaining is None:
                return False
            limit = _number(headers.get("X-RateLimit-Limit"))
            self._limit = int(limit) if limit else self._limit
            reset = headers.get("X-RateLimit-Reset") or headers.get("Retry-After")
            epoch = self._reset_epoch(reset, received)
            self._count(int(remaining), epoch, received, sent)
            self.clock.notify_all(self._cond)
            return remaining <= 0

    def _reset_epoch(self, value: str | None, received: float) -> float:
        reset = _number(value)
        if reset is None:  # no end announced: assume a window of the configured length
            reset = (self.configured or DEFAULT_RATE_LIMIT).per_seconds
        return reset if reset > 1e9 else self._clock.epoch(received + reset)

    def _count(self, remaining: int, epoch: float, received: float, sent: float | None) -> None:
        self._counting = True
        current = self._epoch
        if current is None:  # we opened a window: is this answer from it, or a late one?
            if (sent is None or sent < self._opened) and epoch < self._previous_epoch + 1:
                return
            self._epoch, self._first_answer = epoch, received
        elif epoch <= current - 1:
            return  # a late answer from a window already over
        elif epoch >= current + 1:  # the server opened a new window before we expected
            self._previous_epoch, self._epoch, self._first_answer = current, epoch, received
            self._left = None
        # answers come out of order: the lowest Remaining is the server's latest count
        self._left = remaining if self._left is None else min(self._left, remaining)
        if sent is not None and self._limit and remaining == self._limit - 1:
            span = epoch - sent  # we opened this window, no earlier than ``sent``
            self._span = span if self._span is None else min(self._span, span)
            short = epoch - 1 - received  # ... and no later than ``received``
            self._short = short if self._short is None else max(self._short, short)


def reset_delay(
    reset: float | None, *, server_now: float | None = None, now: float | None = None
) -> float | None:
    """Seconds until ``reset``, which PeerTube sends as epoch seconds (also accept deltas).

    ``server_now`` (the answer's ``Date``, whole seconds) measures the wait on the server's own
    clock when the local clock is clearly off, so skew neither stalls the run nor sends early.
    ``now``: the local epoch time (default: the real clock's).
    """
    if reset is None:
        return None
    if reset > 1e9:
        now = SYSTEM.time() if now is None else now
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
