"""The per-IP fixed windows: API (50/10 s by default) and login (15/5 min), on the fake's
clock (a ``FakeClock`` here: a window ends when the test moves time past it)."""

from __future__ import annotations

import requests

from ptsync.clock import FakeClock
from ptsync.testing import FakePeerTube
from tests.testing.conftest import Api

TOO_MANY = "Too many requests, please try again later."


def test_every_api_answer_carries_rate_limit_headers() -> None:
    clock = FakeClock(1_800_000_000.4)
    with FakePeerTube(rate_limit=(50, 10.0), clock=clock) as fake:
        response = requests.get(f"{fake.url}/api/v1/config", timeout=5)
        assert response.headers["x-powered-by"] == "PeerTube"
        assert response.headers["X-RateLimit-Limit"] == "50"
        assert response.headers["X-RateLimit-Remaining"] == "49"
        assert response.headers["X-RateLimit-Reset"] == "1800000011"  # now + 10 s, rounded up
        assert response.headers["Date"] == "Fri, 15 Jan 2027 08:00:00 GMT"  # the fake's clock
        assert "Retry-After" not in response.headers


def test_window_exhausts_then_429_plain_text_then_resets() -> None:
    clock = FakeClock(auto=False)
    with FakePeerTube(rate_limit=(5, 1.0), clock=clock) as fake:
        url = f"{fake.url}/api/v1/videos/categories"
        remaining = [
            requests.get(url, timeout=5).headers["X-RateLimit-Remaining"] for _ in range(5)
        ]
        assert remaining == ["4", "3", "2", "1", "0"]
        limited = requests.get(url, timeout=5)
        assert limited.status_code == 429
        assert limited.headers["Content-Type"] == "text/html; charset=utf-8"
        assert limited.text == TOO_MANY
        assert limited.headers["X-RateLimit-Remaining"] == "0"
        assert limited.headers["Retry-After"] == "1"
        clock.advance(0.99)
        assert requests.get(url, timeout=5).status_code == 429
        clock.advance(0.01)  # the window opened by the first request is over
        assert requests.get(url, timeout=5).status_code == 200


def test_staff_bypass_the_limit_but_still_see_headers() -> None:
    with FakePeerTube(rate_limit=(6, 5.0), login_rate_limit=None) as fake:
        fake.add_user("root", "secret", role="admin")
        fake.add_user("mod", "secret", role="moderator")
        fake.add_user("alice", "secret")
        users = [Api(fake.url).login(name, "secret") for name in ("root", "mod", "alice")]
        admin, moderator, alice = users
        assert alice.get("/api/v1/users/me").status_code == 429
        for staff in (admin, moderator):
            response = staff.get("/api/v1/users/me")
            assert response.status_code == 200
            assert response.headers["X-RateLimit-Remaining"] == "0"
            assert int(response.headers["Retry-After"]) >= 1


def test_login_limiter_counts_successes_and_failures() -> None:
    with FakePeerTube(rate_limit=None, login_rate_limit=(3, 60.0)) as fake:
        fake.add_user("alice", "secret")
        client = requests.get(f"{fake.url}/api/v1/oauth-clients/local", timeout=5).json()
        url = f"{fake.url}/api/v1/users/token"
        good = {**client, "grant_type": "password", "username": "alice", "password": "secret"}
        bad = {**good, "password": "wrong"}
        statuses = [requests.post(url, data=form, timeout=5) for form in (good, bad, good, good)]
        assert [r.status_code for r in statuses] == [200, 400, 200, 429]
        assert statuses[0].headers["X-RateLimit-Limit"] == "3"
        assert statuses[3].text == TOO_MANY
        assert 55 <= int(statuses[3].headers["Retry-After"]) <= 60


def test_disabled_limit_sends_no_headers() -> None:
    with FakePeerTube(rate_limit=None) as fake:
        response = requests.get(f"{fake.url}/api/v1/config", timeout=5)
        assert "X-RateLimit-Limit" not in response.headers


def test_unknown_api_route_is_bare_400_without_limit_headers() -> None:
    with FakePeerTube() as fake:
        response = requests.get(f"{fake.url}/api/v1/no-such-route", timeout=5)
        assert response.status_code == 400
        assert response.content == b""
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        assert "X-RateLimit-Limit" not in response.headers
        inside = requests.patch(f"{fake.url}/api/v1/videos/1", timeout=5)
        assert inside.status_code == 400
        assert inside.headers["X-RateLimit-Limit"] == "50"
