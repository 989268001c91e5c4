"""The shared limiter: its own sliding window until the server speaks, then the server's window.

The first half drives the limiter with the headers PeerTube sends (``recordings/rate-limited-429``,
``recordings-2/rate-limit-api-*``); the second half runs real clients against the fake, whose
limiter is express-rate-limit's fixed window per IP, and reads the fake's request log. Both run
on one ``FakeClock`` (the limiter's, the client's and the fake's): every wait is virtual, so
the readings below are exact and no test waits for a window to pass.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from email.utils import formatdate

import pytest

from ptsync.clock import FakeClock
from ptsync.peertube import ClientSettings, Credentials, PeerTubeClient, RateLimiter
from ptsync.peertube.ratelimit import SAFETY, reset_delay
from ptsync.testing import FakePeerTube

CREDS = Credentials("alice", "alice-secret-pw")
START = 1_800_000_000.3  # the fake clock's wall time at creation: three tenths into a second


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


def _timed(clock: FakeClock, fn: Callable[[], object]) -> float:
    """Virtual seconds ``fn`` waited."""
    started = clock.elapsed
    fn()
    return clock.elapsed - started


def counters(
    clock: FakeClock, remaining: int, reset: float, *, limit: int = 50, skew: float = 0.0
) -> dict:
    """An answer's headers as PeerTube writes them: Reset ceil'ed, Date floored."""
    server_now = clock.time() + skew
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(math.ceil(reset)),
        "Date": formatdate(server_now, usegmt=True),
    }


# ---------------------------------------------------------------------------- the limiter


def test_sliding_window_until_the_server_speaks(clock):
    limiter = RateLimiter(3, 0.2, clock=clock)
    for _ in range(3):
        assert _timed(clock, limiter.acquire) == 0
    assert _timed(clock, limiter.acquire) == pytest.approx(0.2 + SAFETY)


def test_sends_what_the_server_says_remains_then_waits_for_its_reset(clock):
    limiter = RateLimiter(50, 10.0, clock=clock)  # a sliding 50/10 would send 50 at once
    sent = limiter.acquire()
    reset = clock.time() + 0.6
    limiter.observe(counters(clock, 2, reset), sent)
    assert _timed(clock, limiter.acquire) == 0
    assert _timed(clock, limiter.acquire) == 0
    waited = _timed(clock, limiter.acquire)  # both used: wait for the announced (ceil'ed) reset
    # never early; late by at most Date's rounding (whole seconds, floored)
    assert math.ceil(reset) <= clock.time() <= math.ceil(reset) + 1 and waited >= 0.3


def test_a_new_window_gives_the_full_limit_again_not_a_sliding_window(clock):
    limiter = RateLimiter(3, 60.0, clock=clock)  # the configured window would hold the 4th send
    sent = limiter.acquire()
    limiter.observe(counters(clock, 0, clock.time() + 0.3, limit=3), sent)
    assert 0 < _timed(clock, limiter.acquire) <= 2.0  # the server's reset, not 60 s
    assert _timed(clock, limiter.acquire) == 0
    assert _timed(clock, limiter.acquire) == 0  # three in the new window


def test_requests_in_flight_count_against_what_is_left(clock):
    limiter = RateLimiter(50, 10.0, clock=clock)
    tickets = [limiter.acquire() for _ in range(3)]
    # the first answer says 3 are left, but the other two requests may not be counted yet
    limiter.observe(counters(clock, 3, clock.time() + 0.5), tickets[0])
    assert _timed(clock, limiter.acquire) == 0
    assert _timed(clock, limiter.acquire) >= 0.3


def test_answers_out_of_order_cost_nothing_once_all_are_in(clock):
    limiter = RateLimiter(50, 10.0, clock=clock)
    first, second = limiter.acquire(), limiter.acquire()
    reset = clock.time() + 30
    limiter.observe(counters(clock, 2, reset), second)  # counted second, answered first
    limiter.observe(counters(clock, 3, reset), first)
    for _ in range(2):  # exactly the two the server has left
        assert _timed(clock, limiter.acquire) == 0
    limiter.acquire()
    assert clock.time() >= math.ceil(reset)  # the third waited for the reset


def test_the_reset_is_read_on_the_server_clock_measured_by_date(clock):
    for skew in (-40.0, 40.0):  # server clock behind, then ahead of ours
        limiter = RateLimiter(50, 10.0, clock=clock)
        sent = limiter.acquire()
        server_reset = clock.time() + skew + 0.5
        limiter.observe(counters(clock, 0, server_reset, skew=skew), sent)
        waited = _timed(clock, limiter.acquire)
        assert 0.4 <= waited <= 2.0, (skew, waited)  # never 40 s, never at once


def at_fraction(clock: FakeClock, fraction: float) -> None:
    """Move the clock to where the epoch clock's fractional second is ``fraction``: where
    rounding ``Reset`` up costs the most (just past a second) or the least."""
    clock.advance((fraction - clock.time() % 1) % 1)


def exhaust_a_window_we_open(
    limiter: RateLimiter, clock: FakeClock, limit: int, length: float
) -> float:
    """Open a server window of ``length`` with our first request and use it up; returns
    the window's true end in local monotonic time."""
    opened_at, sent = clock.time(), limiter.acquire()
    end = sent + length
    limiter.observe(counters(clock, limit - 1, opened_at + length, limit=limit), sent)
    for left in range(limit - 2, -1, -1):
        answer = counters(clock, left, opened_at + length, limit=limit)
        limiter.observe(answer, limiter.acquire())
    return end


def test_the_configured_window_ends_a_window_the_server_rounded_up(clock):
    limiter = RateLimiter(3, 1.0, clock=clock)  # what the server announces: 3 per window
    at_fraction(clock, 0.05)  # the window ends at .05, Reset says .95 later
    end = exhaust_a_window_we_open(limiter, clock, 3, 1.0)
    limiter.acquire()
    sent = clock.monotonic()
    assert end <= sent < end + 0.5  # not the rounded Reset


def test_answers_proving_a_longer_window_are_believed_over_the_configured_one(clock):
    limiter = RateLimiter(3, 0.5, clock=clock)  # the server's window is four times longer
    end = exhaust_a_window_we_open(limiter, clock, 3, 2.0)
    assert limiter.acquire() >= end


def test_a_server_announcing_another_limit_is_scheduled_by_its_reset_only(clock):
    limiter = RateLimiter(50, 1.0, clock=clock)  # the server has its own settings: 3 per 2 s
    end = exhaust_a_window_we_open(limiter, clock, 3, 2.0)
    assert limiter.acquire() >= end


def test_late_answer_from_an_old_window_is_ignored(clock):
    limiter = RateLimiter(50, 10.0, clock=clock)
    now = clock.time()
    sent = limiter.acquire()
    limiter.observe(counters(clock, 40, now + 10), sent)
    limiter.observe(counters(clock, 0, now - 1), sent)
    assert _timed(clock, limiter.acquire) == 0


def test_release_takes_a_failed_request_out_of_flight_but_counts_it(clock):
    limiter = RateLimiter(50, 10.0, clock=clock)
    sent = limiter.acquire()
    reset = clock.time() + 30
    limiter.observe(counters(clock, 2, reset), sent)
    limiter.acquire()
    limiter.release()  # connection error: the server may have counted it
    assert _timed(clock, limiter.acquire) == 0
    limiter.acquire()
    assert clock.time() >= math.ceil(reset)  # the lost request used the last one up


def test_pause_holds_every_thread(clock):
    limiter = RateLimiter(50, 10.0, clock=clock)
    until = clock.monotonic() + 0.3
    limiter.pause_until(until)
    released: list[float] = []

    def acquire() -> None:
        released.append(limiter.acquire())

    threads = [threading.Thread(target=acquire) for _ in "abcd"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(released) == 4 and min(released) >= until


def test_unlimited_ignores_counters_but_not_a_pause(clock):
    limiter = RateLimiter.unlimited(clock)
    assert not limiter.limited
    limiter.observe(counters(clock, 0, clock.time() + 60))
    assert _timed(clock, lambda: [limiter.acquire() for _ in range(500)]) == 0
    limiter.pause_until(clock.monotonic() + 0.1)
    assert _timed(clock, limiter.acquire) == pytest.approx(0.1)


def test_exempt_senders_ignore_the_window_unless_the_limit_was_explicit(clock):
    default = RateLimiter(3, 0.3, clock=clock)
    sent = default.acquire()
    default.observe(counters(clock, 0, clock.time() + 30, limit=3), sent)
    assert _timed(clock, lambda: [default.acquire(exempt=True) for _ in range(20)]) == 0
    explicit = RateLimiter(3, 0.3, explicit=True, clock=clock)
    assert _timed(clock, lambda: [explicit.acquire(exempt=True) for _ in range(4)]) >= 0.3


def test_threads_share_one_sliding_budget(clock):
    limiter = RateLimiter(10, 0.3, clock=clock)
    stamps: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(5):
            sent = limiter.acquire()  # the send time the limiter recorded
            with lock:
                stamps.append(sent)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stamps.sort()
    assert len(stamps) == 20
    for i in range(len(stamps) - 10):  # any 11 consecutive requests span more than the window
        assert stamps[i + 10] - stamps[i] >= 0.3


def test_one_limiter_per_instance_and_settings_while_clients_are_open():
    first = RateLimiter.shared("https://a.example", (50, 10.0))
    again = RateLimiter.shared("https://a.example", (50, 10.0))
    others = [
        RateLimiter.shared("https://b.example", (50, 10.0)),
        RateLimiter.shared("https://a.example", (50, 10.0), explicit=True),
        RateLimiter.shared("https://a.example", (50, 10.0), clock=FakeClock()),
    ]
    assert again is first and all(other is not first for other in others)
    for limiter in (first, again, *others):
        limiter.detach()
    assert RateLimiter.shared("https://a.example", (50, 10.0)) is not first  # all closed


def test_reset_delay_on_the_server_clock_when_clocks_disagree():
    now = START
    assert reset_delay(now + 10, now=now) == 10
    assert reset_delay(now + 10, server_now=now + 5, now=now) == 5  # local clock 5 s behind
    assert reset_delay(now + 10, server_now=now + 1, now=now) == 10  # Date's resolution
    assert reset_delay(3.5) == 3.5  # a delta, not an epoch
    assert reset_delay(None) is None


# ---------------------------------------------------------------------------- over HTTP

LIMIT, WINDOW = 15, 1.0  # a small fixed window on the fake: 3 windows in a few seconds


def server_windows(fake: FakePeerTube, window: float) -> list[int]:
    """Requests per window as the fake's limiter opens them: at the first request after the
    previous window ended."""
    counts: list[int] = []
    end = 0.0
    for started in sorted(r.started for r in fake.requests):
        if not counts or started >= end:
            counts.append(0)
            end = started + window
        counts[-1] += 1
    return counts


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def run(client: PeerTubeClient, n: int, threads: int = 4) -> None:
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda _: client.quota_used(), range(n)))


def test_a_fresh_window_run_fills_each_server_window_and_never_sees_429(cache, clock):
    with FakePeerTube(rate_limit=(LIMIT, WINDOW), login_rate_limit=None, clock=clock) as fake:
        fake.add_user("alice", "alice-secret-pw")
        with PeerTubeClient(
            fake.url, CREDS, ClientSettings(clock=clock)
        ) as client:  # default 50/10
            client.me()
            run(client, 32)
        statuses = [r.status for r in fake.requests]
        assert 429 not in statuses
        assert len(statuses) == 2 + 1 + 32  # login (2), /users/me, 32 GETs: nothing resent
        # the server's window, not the default 50/10: every window but the last is full
        assert len(server_windows(fake, WINDOW)) == math.ceil(len(statuses) / LIMIT)


def test_configured_like_the_server_every_window_is_used_and_none_refused(cache, clock):
    with FakePeerTube(rate_limit=(LIMIT, WINDOW), login_rate_limit=None, clock=clock) as fake:
        fake.add_user("alice", "alice-secret-pw")
        settings = ClientSettings(clock=clock, rate_limit=(LIMIT, WINDOW))
        with PeerTubeClient(fake.url, CREDS, settings) as client:
            at_fraction(clock, 0.05)  # rounding Reset up costs .95 s: only the length ends windows
            client.me()
            run(client, 3 * LIMIT - 3)
        assert 429 not in [r.status for r in fake.requests]
        assert server_windows(fake, WINDOW) == [LIMIT] * 3


def test_a_window_longer_than_configured_costs_one_pause_then_none(cache, clock):
    # 1.2 s: too close to the configured 1 s for the answers to prove it longer
    with FakePeerTube(rate_limit=(LIMIT, 1.2), login_rate_limit=None, clock=clock) as fake:
        fake.add_user("alice", "alice-secret-pw")
        settings = ClientSettings(clock=clock, rate_limit=(LIMIT, WINDOW), retry_base=0.01)
        with PeerTubeClient(fake.url, CREDS, settings) as client:
            client.me()
            run(client, 3 * LIMIT)
        records = sorted(fake.requests, key=lambda r: r.started)
        refused = [r.started for r in records if r.status == 429]
        assert sum(r.status == 200 for r in records) == 2 + 1 + 3 * LIMIT
        assert len(refused) <= 4  # the threads in flight when the window was misjudged
        assert max(refused, default=0) - min(refused, default=0) < 0.3  # one episode


def test_a_429_is_waited_out_by_every_thread_once(cache, clock):
    with FakePeerTube(rate_limit=None, login_rate_limit=None, clock=clock) as fake:
        fake.add_user("alice", "alice-secret-pw")
        fake.faults.retry_after = 1
        with PeerTubeClient(
            fake.url, CREDS, ClientSettings(clock=clock, retry_base=0.01)
        ) as client:
            client.me()
            fake.clear_requests()
            fake.faults.inject("429", method="GET", path="/api/v1/users/me/video-quota-used")
            run(client, 12)
        records = sorted(fake.requests, key=lambda r: r.started)
        refused = [r for r in records if r.status == 429]
        assert len(refused) == 1 and len(records) == 13
        # every thread pauses as soon as the client reads the 429: one gap, nothing sent in it
        stamps = [r.started for r in records if r.started >= refused[0].started]
        gaps = [b - a for a, b in itertools.pairwise(stamps)]
        assert max(gaps) >= 0.9
        assert sum(gap >= 0.5 for gap in gaps) == 1


def test_administrators_get_no_client_side_limit(cache, clock):
    with FakePeerTube(rate_limit=(20, 2.0), login_rate_limit=None, clock=clock) as fake:
        fake.add_user("alice", "alice-secret-pw", role="admin")
        with PeerTubeClient(fake.url, CREDS, ClientSettings(clock=clock)) as client:
            client.me()  # role 0: PeerTube does not limit this account
            run(client, 60)
            assert client.transport.limiter.waited == 0
        assert 429 not in [r.status for r in fake.requests]
        assert len(server_windows(fake, 2.0)) == 1  # 63 requests inside one 20-request window
        assert clock.elapsed == 0  # not a moment waited


def test_the_role_is_remembered_so_the_next_run_starts_unthrottled(cache, clock):
    with FakePeerTube(rate_limit=(20, 2.0), login_rate_limit=None, clock=clock) as fake:
        fake.add_user("alice", "alice-secret-pw", role="moderator")
        with PeerTubeClient(fake.url, CREDS, ClientSettings(clock=clock)) as client:
            client.me()
        with PeerTubeClient(fake.url, CREDS, ClientSettings(clock=clock)) as client:
            run(client, 45)  # no /users/me in this run: the cached role decides
        assert fake.count("GET", "/api/v1/users/me") == 1
        assert len(server_windows(fake, 2.0)) == 1
        assert 429 not in [r.status for r in fake.requests]


def test_an_explicit_rate_limit_still_caps_administrators(cache, clock):
    with FakePeerTube(rate_limit=None, login_rate_limit=None, clock=clock) as fake:
        fake.add_user("alice", "alice-secret-pw", role="admin")
        settings = ClientSettings(clock=clock, rate_limit=(10, 0.4), rate_limit_explicit=True)
        with PeerTubeClient(fake.url, CREDS, settings) as client:
            client.me()
            fake.clear_requests()
            run(client, 25)
        stamps = sorted(r.started for r in fake.requests)
        assert len(stamps) == 25
        assert all(b - a >= 0.4 for a, b in zip(stamps, stamps[10:], strict=False))


def test_a_demoted_account_is_limited_again_after_one_429(cache, clock):
    with FakePeerTube(rate_limit=(10, 1.0), login_rate_limit=None, clock=clock) as fake:
        fake.add_user("alice", "alice-secret-pw")
        with PeerTubeClient(fake.url, CREDS, ClientSettings(clock=clock)) as client:
            client.transport.apply_role(0)  # a stale belief: "administrator"
            run(client, 15)
            assert not client.transport._exempt
        assert client.transport.auth.role is None  # forgotten, not carried to the next run
        assert sum(r.status == 200 for r in fake.requests) == 2 + 15


def test_a_429_to_a_request_without_a_token_keeps_staff_unlimited(cache, clock):
    """PeerTube limits a request without a token whoever sends it (the public vocabularies a
    run reads during its login): such a 429 says nothing of the account's role, and the
    public requests are paced like anyone's."""
    with FakePeerTube(rate_limit=(5, 2.0), login_rate_limit=None, clock=clock) as fake:
        fake.add_user("alice", "alice-secret-pw", role="moderator")
        with PeerTubeClient(fake.url, CREDS, ClientSettings(clock=clock)) as client:
            client.me()  # exempt from here on
            assert client.transport._exempt
            fake.clear_requests()
            for _ in range(8):  # anonymous: limited by the server, 5 a window
                client.transport.json("GET", "/api/v1/config", auth=False)
            assert client.transport._exempt
            run(client, 30)  # the moderator's own requests: still no client-side limit
        anonymous = [r for r in fake.requests if r.username is None]
        assert [r.status for r in anonymous if r.status != 429] == [200] * 8
        assert sum(r.status == 200 for r in fake.requests if r.username == "alice") == 30
