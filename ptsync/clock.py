"""Time, injected: every wait for time to pass and every timer reads a ``Clock``.

The rate limiter, the transport's retry backoff, the create-settle pauses, the upload
processing wait, following imports and a stop's grace period take a clock, and so do the fake
PeerTube's timers (import jobs, server-side completion, token expiry, rate windows, latency).
Real runs use ``SYSTEM``; nothing changes for them. Tests share one ``FakeClock`` between the
client and the fake, so ten seconds of backoff or a rate-limit window cost no wall time and
every reading of the clock is exact.

A ``FakeClock`` holds virtual time: it moves only by ``advance(seconds)`` or, when ``auto``
(the default), by itself to the next sleeper's deadline once every participant waits for it.
Participants say what they are doing, so the clock knows when nobody is:

* ``busy()``: this thread works (a worker running a change, a fake request handler, a
  server-side job); it counts as running except while it waits on the clock.
* ``exchange()``: a request is with the server (the transport, around acquire and send); the
  sender counts as running, unless the server's handler is ``parked`` on the clock for it.
* ``parked()``: the fake's handler waits on the clock on behalf of the request it serves
  (latency, a create that takes seconds): the request's sender no longer holds time back.
* ``idle()``: waiting for something that is not time (a hung request held until released).

A thread that is in none of these and wakes from a clock wait counts as running until it next
uses the clock (at most ``WOKEN_GRACE`` real seconds). A thread woken by ``notify_all`` through
the clock counts as running at once, so a hand-over between threads leaves no gap in which
time could jump. A clock wait that sees nothing happen for ``stall`` real seconds raises
``ClockStalled`` instead of hanging the test.

The real clock's ``busy``/``exchange``/``parked``/``idle`` do nothing.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager as ContextManager
from dataclasses import dataclass
from typing import Protocol

WOKEN_GRACE = 0.5  # real seconds: a woken thread outside busy() counts as running this long
STALL = 30.0  # real seconds without any change before a waiting thread gives up
_SLICE = 1.0  # real seconds between stall checks of a waiting thread
MONOTONIC_START = 10_000.0


class Clock(Protocol):
    """What ptsync asks of time. ``wait`` is called holding ``cond``, like ``cond.wait``."""

    def monotonic(self) -> float: ...
    def time(self) -> float: ...
    def sleep(self, seconds: float) -> None: ...
    def wait(self, cond: threading.Condition, timeout: float | None) -> bool: ...
    def notify_all(self, cond: threading.Condition) -> None: ...
    def busy(self) -> ContextManager[None]: ...
    def exchange(self) -> ContextManager[None]: ...
    def parked(self) -> ContextManager[None]: ...
    def idle(self) -> ContextManager[None]: ...


class SystemClock:
    """The real clock: ``time.monotonic``, ``time.time``, ``time.sleep``."""

    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    def wait(self, cond: threading.Condition, timeout: float | None) -> bool:
        return cond.wait(timeout)

    def notify_all(self, cond: threading.Condition) -> None:
        cond.notify_all()

    def busy(self) -> ContextManager[None]:
        return contextlib.nullcontext()

    exchange = parked = idle = busy

    def __repr__(self) -> str:
        return "SystemClock()"


SYSTEM: Clock = SystemClock()
_default: Clock = SYSTEM


def default() -> Clock:
    """The clock a ``Run`` (and so the command line) uses when none is given."""
    return _default


@contextlib.contextmanager
def using(clock: Clock) -> Iterator[Clock]:
    """Make ``clock`` the default while the block runs: for code that builds its own ``Run``
    (the command line's ``main`` run in-process by tests)."""
    global _default
    previous, _default = _default, clock
    try:
        yield clock
    finally:
        _default = previous


class ClockStalled(RuntimeError):
    """A thread waited on a FakeClock while nothing happened for ``stall`` real seconds."""


@dataclass
class _Thread:
    """What the clock knows of one thread."""

    depth: int = 0  # busy() and exchange() scopes
    exchanges: int = 0
    idle: int = 0
    parked: int = 0  # parked() scopes: waits inside them are on behalf of a request
    blocked: bool = False
    waiting_parked: bool = False
    due: bool = False  # woken because its deadline came
    deadline: float = math.inf
    cond: threading.Condition | None = None
    woken_at: float | None = None  # real time it was woken outside any busy() scope

    @property
    def running(self) -> bool:
        return not self.blocked and not self.idle and (self.depth > 0 or self.woken_at is not None)

    @property
    def empty(self) -> bool:
        return not (
            self.depth or self.idle or self.parked or self.blocked or self.woken_at is not None
        )


class FakeClock:
    """Virtual time shared by a client and a fake in one process (see the module docstring).

    ``start``: the wall-clock reading at creation (default: now, whole seconds); the monotonic
    reading starts at ``MONOTONIC_START``. ``auto``: move to the next deadline by itself once
    every participant waits; ``False``: only ``advance`` moves time.
    """

    def __init__(
        self, start: float | None = None, *, auto: bool = True, stall: float = STALL
    ) -> None:
        wall = float(math.floor(time.time())) if start is None else float(start)
        self._now = MONOTONIC_START
        self._offset = wall - MONOTONIC_START
        self._auto = auto
        self.stall = stall
        self._lock = threading.Lock()
        self._watch = threading.Condition(self._lock)  # changes, for whoever waits on them
        self._waking = threading.Condition(self._lock)  # wake-ups for the waker thread
        self._threads: dict[int, _Thread] = {}
        self._wakes: list[threading.Condition] = []
        self._waker: threading.Thread | None = None
        self._stepping = False
        self._changed_at = time.monotonic()
        self.advances = 0  # how often time moved (for tests of the clock itself)

    def __repr__(self) -> str:
        mode = "auto" if self._auto else "manual"
        waiting = sum(t.blocked for t in list(self._threads.values()))  # no lock: may be held
        return f"FakeClock({mode}, +{self.elapsed:g} s, {waiting} waiting)"

    # ------------------------------------------------------------------------- readings

    def monotonic(self) -> float:
        return self._now

    def time(self) -> float:
        return self._now + self._offset

    @property
    def elapsed(self) -> float:
        """Virtual seconds since the clock was made."""
        return self._now - MONOTONIC_START

    @property
    def auto(self) -> bool:
        return self._auto

    @auto.setter
    def auto(self, value: bool) -> None:
        with self._lock:
            self._auto = value
            self._changed()

    @property
    def waiting(self) -> int:
        """Threads waiting on the clock now (with a deadline or not)."""
        with self._lock:
            return sum(1 for t in self._threads.values() if t.blocked)

    @property
    def sleepers(self) -> int:
        """Threads waiting on the clock for a deadline."""
        with self._lock:
            return self._sleepers()

    def _sleepers(self) -> int:
        return sum(1 for t in self._threads.values() if t.blocked and t.deadline < math.inf)

    def wait_for_sleepers(self, count: int, timeout: float = STALL) -> None:
        """Block (real time) until at least ``count`` threads wait for a deadline: for tests
        that must let a real process or thread reach a timer before they go on."""
        self._wait_for(lambda: self._sleepers() >= count, f"{count} sleepers", timeout)

    def wait_for_waiting(self, count: int, timeout: float = STALL) -> None:
        """Block (real time) until at least ``count`` threads wait on the clock, with a
        deadline or without."""
        found = self._threads.values
        self._wait_for(
            lambda: sum(t.blocked for t in found()) >= count, f"{count} waiting", timeout
        )

    def _wait_for(self, reached: Callable[[], bool], what: str, timeout: float) -> None:
        with self._lock:
            if not self._watch.wait_for(reached, timeout):
                raise ClockStalled(f"not {what} after {timeout:g} s: {self._describe()}")

    # ------------------------------------------------------------------------- moving time

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``, deadline by deadline: each sleeper due on the way
        is woken at its own deadline and what it starts (down to the next clock wait) runs
        before time moves on. Returns once everything woken has settled."""
        if seconds < 0:
            raise ValueError(f"time does not go back: {seconds}")
        with self._lock:
            caller = self._threads.get(threading.get_ident())
            if caller is not None:
                caller.woken_at = None  # it uses the clock: no longer "just woken"
                self._forget_if_empty()
            target = self._now + seconds
            self._stepping = True
            try:
                self._settle()
                while True:
                    following = self._next_deadline()
                    if following > target:
                        break
                    self._advance_to(following)
                    self._settle()
                self._now = max(self._now, target)
                self._changed()
            finally:
                self._stepping = False
                self._changed()

    def _settle(self) -> None:
        """Wait (real time, lock released meanwhile) until nobody runs and every wake-up
        was delivered."""
        settled = self._watch.wait_for(lambda: not self._wakes and self._busy() == 0, self.stall)
        if not settled:
            raise ClockStalled(f"threads kept running for {self.stall:g} s: {self._describe()}")

    def _next_deadline(self) -> float:
        return min((t.deadline for t in self._threads.values() if t.blocked), default=math.inf)

    def _advance_to(self, moment: float) -> None:
        self._now = max(self._now, moment)
        self.advances += 1
        me = self._threads.get(threading.get_ident())
        for thread in self._threads.values():
            if thread.blocked and thread.deadline <= self._now:
                self._wake(thread, due=True, deliver=thread is not me)

    def _wake(self, thread: _Thread, *, due: bool, deliver: bool) -> None:
        """Mark ``thread`` running from now on; ``deliver``: notify the condition it waits on
        (through the waker thread)."""
        thread.blocked, thread.waiting_parked, thread.due = False, False, due
        if not thread.depth:
            thread.woken_at = time.monotonic()
        if deliver and thread.cond is not None:
            self._wakes.append(thread.cond)
        if deliver or thread.woken_at is not None:
            self._start_waker()
            self._waking.notify()  # the waker may be waiting

    def _busy(self) -> int:
        """Threads running, less the senders whose request the fake serves parked."""
        threads = self._threads.values()
        running = [t for t in threads if t.running]
        parked = sum(1 for t in threads if t.blocked and t.waiting_parked)
        exchanging = sum(1 for t in running if t.exchanges)
        return len(running) - min(parked, exchanging)

    def _changed(self) -> None:
        """Something changed (under the lock): maybe move time, and tell whoever watches."""
        self._changed_at = time.monotonic()
        if self._auto and not self._stepping and self._busy() == 0:
            following = self._next_deadline()
            if following < math.inf:
                self._advance_to(following)
        self._watch.notify_all()

    # ------------------------------------------------------------------------- waiting

    def sleep(self, seconds: float) -> None:
        deadline = self._now + max(0.0, seconds)
        cond = threading.Condition(threading.Lock())
        with cond:
            while self._now < deadline:
                self.wait(cond, deadline - self._now)

    def wait(self, cond: threading.Condition, timeout: float | None) -> bool:
        """Like ``cond.wait(timeout)`` in virtual time: True when notified, False when the
        deadline came. The caller holds ``cond``."""
        if timeout is not None and timeout <= 0:
            return False
        with self._lock:
            thread = self._thread()
            thread.blocked, thread.due, thread.cond = True, False, cond
            thread.deadline = math.inf if timeout is None else self._now + timeout
            thread.waiting_parked = thread.parked > 0
            thread.woken_at = None
            self._changed()
            if not thread.blocked:  # time moved to (or past) its own deadline at once
                return self._done(thread, notified=False)
        while True:
            notified = cond.wait(min(_SLICE, self.stall))
            with self._lock:
                if not thread.blocked:  # woken through the clock: a deadline or notify_all
                    return self._done(thread, notified=not thread.due)
                if notified:  # a plain notify
                    self._wake(thread, due=False, deliver=False)
                    return self._done(thread, notified=True)
                if time.monotonic() - self._changed_at >= self.stall:
                    self._wake(thread, due=False, deliver=False)
                    self._done(thread, notified=False)
                    raise ClockStalled(f"nothing happened for {self.stall:g} s: {self._describe()}")

    def _done(self, thread: _Thread, *, notified: bool) -> bool:
        thread.cond = None
        self._changed()
        return notified

    def notify_all(self, cond: threading.Condition) -> None:
        """``cond.notify_all()`` (the caller holds ``cond``), and the threads waiting on it
        through the clock count as running from now on."""
        with self._lock:
            for thread in self._threads.values():
                if thread.blocked and thread.cond is cond:
                    self._wake(thread, due=False, deliver=False)
            self._changed()
        cond.notify_all()

    # ------------------------------------------------------------------------- scopes

    @contextlib.contextmanager
    def busy(self) -> Iterator[None]:
        with self._scope(depth=1):
            yield

    @contextlib.contextmanager
    def exchange(self) -> Iterator[None]:
        with self._scope(depth=1, exchanges=1):
            yield

    @contextlib.contextmanager
    def parked(self) -> Iterator[None]:
        with self._scope(parked=1):
            yield

    @contextlib.contextmanager
    def idle(self) -> Iterator[None]:
        with self._scope(idle=1):
            yield

    @contextlib.contextmanager
    def _scope(self, **counts: int) -> Iterator[None]:
        self._count(counts, 1)
        try:
            yield
        finally:
            self._count(counts, -1)

    def _count(self, counts: dict[str, int], sign: int) -> None:
        with self._lock:
            thread = self._thread()
            for name, value in counts.items():
                setattr(thread, name, getattr(thread, name) + sign * value)
            thread.woken_at = None  # it used the clock: no longer "just woken"
            self._forget_if_empty()
            self._changed()

    # ------------------------------------------------------------------------- bookkeeping

    def _thread(self) -> _Thread:
        ident = threading.get_ident()
        found = self._threads.get(ident)
        if found is None:
            found = self._threads[ident] = _Thread()
        return found

    def _forget_if_empty(self) -> None:
        ident = threading.get_ident()
        found = self._threads.get(ident)
        if found is not None and found.empty:
            del self._threads[ident]

    def _describe(self) -> str:
        states = [
            f"{'blocked' if t.blocked else 'running' if t.running else 'idle'}"
            f"(deadline={t.deadline - MONOTONIC_START:g}, busy={t.depth}, "
            f"exchanges={t.exchanges}, parked={t.waiting_parked})"
            for t in self._threads.values()
        ]
        return f"{self!r}: " + ", ".join(states)

    def _start_waker(self) -> None:
        if self._waker is None:
            self._waker = threading.Thread(target=self._deliver, name="fake-clock", daemon=True)
            self._waker.start()

    def _deliver(self) -> None:
        """The one thread that notifies waiters' conditions (the thread that moved time may
        hold a condition of its own: taking another one there could deadlock), and that ends
        the "just woken" state of threads that did not use the clock again."""
        while True:
            with self._lock:
                while not self._wakes:
                    self._expire_woken()
                    tokens = any(t.woken_at is not None for t in self._threads.values())
                    if not tokens and not self._waking.wait(_SLICE) and not self._wakes:
                        self._waker = None
                        return
                    if tokens:
                        self._waking.wait(WOKEN_GRACE / 5)
                conds, self._wakes = self._wakes, []
            for cond in conds:
                with cond:
                    cond.notify_all()
            with self._lock:
                self._watch.notify_all()  # wake-ups delivered: advance() may go on

    def _expire_woken(self) -> None:
        now = time.monotonic()
        expired = False
        for ident, thread in list(self._threads.items()):
            if thread.woken_at is not None and now - thread.woken_at >= WOKEN_GRACE:
                thread.woken_at = None
                expired = True
                if thread.empty:
                    del self._threads[ident]
        if expired:
            self._changed()
