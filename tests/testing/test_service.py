"""Service time: the fake takes as long over a request as a real server does. On a manual
``FakeClock``, an answer comes only once the test moves time past it."""

from __future__ import annotations

import math
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from ptsync.clock import FakeClock
from ptsync.testing import FakePeerTube
from ptsync.testing.service import MEASURED, ServiceTime
from tests.testing.conftest import Api, seed_users

DETAIL = "/api/v1/videos/00000000-0000-4000-8000-000000000000"  # unknown: 404, handled


@pytest.fixture()
def fake() -> Iterator[FakePeerTube]:
    clock = FakeClock(auto=False)
    with FakePeerTube(
        rate_limit=(2, 10.0), login_rate_limit=None, import_duration=None, clock=clock
    ) as server:
        seed_users(server)
        yield server


def _clock(fake: FakePeerTube) -> FakeClock:
    assert isinstance(fake.clock, FakeClock)
    return fake.clock


def _get(fake: FakePeerTube, path: str) -> requests.Response:
    return requests.get(fake.url + path, timeout=5)


def test_a_matching_request_is_answered_after_its_service_time_others_at_once(fake):
    fake.service_time = ServiceTime.of({"GET /api/v1/videos/*": 0.025})
    clock = _clock(fake)
    with ThreadPoolExecutor(max_workers=1) as pool:
        detail = pool.submit(_get, fake, DETAIL)
        clock.wait_for_sleepers(1)
        assert not detail.done()
        clock.advance(0.02)
        assert not detail.done()
        clock.advance(0.005)
        assert detail.result(timeout=5).status_code == 404
    assert _get(fake, "/api/v1/config").status_code == 200  # no rule: at once


def test_requests_in_flight_take_their_time_side_by_side(fake):
    fake.app.api_limiter = None
    fake.service_time = ServiceTime.of({"GET /api/v1/videos/*": 0.17})
    clock = _clock(fake)
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = [pool.submit(_get, fake, DETAIL) for _ in range(6)]
        clock.wait_for_sleepers(6)  # all six wait at once, none behind another
        clock.advance(0.17)
        assert [a.result(timeout=5).status_code for a in answers] == [404] * 6


def test_the_rate_limiter_counts_on_arrival_and_a_refusal_comes_at_once(fake):
    fake.service_time = ServiceTime.of({"GET /api/*": 5.0})
    clock = _clock(fake)
    arrived = clock.time()
    with ThreadPoolExecutor(max_workers=2) as pool:
        held = [pool.submit(_get, fake, DETAIL) for _ in range(2)]
        clock.wait_for_sleepers(2)
        refused = _get(fake, DETAIL)  # the window's two requests are in flight
        assert refused.status_code == 429  # the limiter's answer: no service time
        clock.advance(5.0)
        first = held[0].result(timeout=5)
    assert first.status_code == 404
    reset = int(first.headers["X-RateLimit-Reset"])
    assert reset == math.ceil(arrived + 10.0)  # the window opened on arrival, not on answer


def test_logging_in_takes_the_password_grant_s_time(fake):
    fake.service_time = ServiceTime.of({"POST /api/v1/users/token": 0.07})
    clock = _clock(fake)
    with ThreadPoolExecutor(max_workers=1) as pool:
        login = pool.submit(Api(fake.url).login, "alice", "secret")
        clock.wait_for_sleepers(1)
        assert not login.done()
        clock.advance(0.07)
        assert login.result(timeout=5).token


def test_rules_match_in_order_and_bad_ones_are_refused():
    times = ServiceTime.of(
        {"GET /api/v1/videos/categories": 0.002, "get /api/v1/videos/*": 0.025, "* /api/*": 0.5}
    )
    assert times.seconds("GET", "/api/v1/videos/categories") == 0.002
    assert times.seconds("GET", "/api/v1/videos/abc") == 0.025
    assert times.seconds("PUT", "/api/v1/videos/abc") == 0.5
    assert times.seconds("GET", "/static/x") == 0.0
    with pytest.raises(ValueError):
        ServiceTime.of({"GET /api/v1/config": -1})
    with pytest.raises(ValueError):
        ServiceTime.of({"GET": 0.1})


@pytest.mark.parametrize("version", sorted(MEASURED))
def test_measured_figures_give_writes_and_details_their_time(version):
    measured = MEASURED[version]
    put = measured.seconds("PUT", "/api/v1/videos/9c9de5e8-0a1b-4ca3-9d1e-3a5b0c2d7f11")
    detail = measured.seconds("GET", "/api/v1/videos/9c9de5e8-0a1b-4ca3-9d1e-3a5b0c2d7f11")
    categories = measured.seconds("GET", "/api/v1/videos/categories")
    assert put > detail > categories > 0
