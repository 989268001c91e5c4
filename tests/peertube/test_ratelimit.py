"""The shared limiter on its own: sliding window, the server's counters, pauses for everyone."""

from __future__ import annotations

import threading
import time

from ptsync.peertube import RateLimiter
from ptsync.peertube.ratelimit import SAFETY, reset_delay


def _timed(fn, *args) -> float:
    started = time.monotonic()
    fn(*args)
    return time.monotonic() - started


def test_sliding_window_spaces_requests():
    limiter = RateLimiter(3, 0.2)
    for _ in range(3):
        assert _timed(limiter.acquire) < 0.05
    assert _timed(limiter.acquire) >= 0.2


def test_never_more_than_the_server_says_is_left():
    limiter = RateLimiter(50, 10.0)
    limiter.acquire()
    assert not limiter.observe({"X-RateLimit-Remaining": "2", "X-RateLimit-Reset": "0.3"})
    assert _timed(limiter.acquire) < 0.05
    assert _timed(limiter.acquire) < 0.05
    assert _timed(limiter.acquire) >= 0.3  # the two left are used: wait for the reset


def test_requests_in_flight_count_against_what_is_left():
    limiter = RateLimiter(50, 10.0)
    for _ in range(3):
        limiter.acquire()
    # the first answer says 3 are left, but the other two requests may not be counted yet
    limiter.observe({"X-RateLimit-Remaining": "3", "X-RateLimit-Reset": "0.3"})
    assert _timed(limiter.acquire) < 0.05
    assert _timed(limiter.acquire) >= 0.3


def test_exhausted_window_waits_until_reset_and_reports_it():
    limiter = RateLimiter(50, 10.0)
    limiter.acquire()
    assert limiter.observe({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "0.25"})
    assert 0.25 <= _timed(limiter.acquire) < 0.25 + SAFETY + 0.2


def test_late_answer_from_an_old_window_is_ignored():
    limiter = RateLimiter(50, 10.0)
    now = int(time.time())
    limiter.acquire()
    limiter.observe({"X-RateLimit-Remaining": "40", "X-RateLimit-Reset": str(now + 10)})
    limiter.observe({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(now - 1)})
    assert _timed(limiter.acquire) < 0.05


def test_release_takes_a_failed_request_out_of_flight():
    limiter = RateLimiter(50, 10.0)
    limiter.acquire()
    limiter.acquire()
    limiter.release()  # connection error: no answer will come
    limiter.observe({"X-RateLimit-Remaining": "1", "X-RateLimit-Reset": "5"})
    assert _timed(limiter.acquire) < 0.05


def test_pause_holds_every_thread():
    limiter = RateLimiter(50, 10.0)
    limiter.pause_until(time.monotonic() + 0.3)
    waits: list[float] = []
    threads = [
        threading.Thread(target=lambda: waits.append(_timed(limiter.acquire))) for _ in "abcd"
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(waits) == 4 and min(waits) >= 0.25


def test_unlimited_ignores_counters_but_not_a_pause():
    limiter = RateLimiter.unlimited()
    assert not limiter.limited
    assert not limiter.observe({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "60"})
    started = time.monotonic()
    for _ in range(500):
        limiter.acquire()
    assert time.monotonic() - started < 0.5
    limiter.pause_until(time.monotonic() + 0.1)
    assert _timed(limiter.acquire) >= 0.09


def test_threads_share_one_budget():
    limiter = RateLimiter(10, 0.3)
    stamps: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(5):
            limiter.acquire()
            with lock:
                stamps.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stamps.sort()
    assert len(stamps) == 20
    for i in range(len(stamps) - 10):  # any 11 consecutive requests span more than the window
        assert stamps[i + 10] - stamps[i] >= 0.3


def test_reset_is_measured_on_the_server_clock_when_clocks_disagree():
    now = time.time()
    assert 9 <= reset_delay(now + 10) <= 10  # type: ignore[operator]
    assert reset_delay(now + 10, server_now=now + 5) == 5  # local clock 5 s behind
    assert 9 <= reset_delay(now + 10, server_now=now + 1) <= 10  # within Date's resolution
    assert reset_delay(3.5) == 3.5  # a delta, not an epoch
    assert reset_delay(None) is None
