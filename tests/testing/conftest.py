"""Fixtures for the fake PeerTube's own tests: a started fake per module and logged-in clients.

The shared fake runs without rate limits and with manual imports so tests stay fast and
deterministic; tests about limits or timing start their own small fake.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from ptsync.testing import FakePeerTube


class Api:
    """A tiny HTTP client: base URL, optional bearer token, nothing clever."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.token: str | None = None
        self.refresh: str | None = None

    def login(self, username: str, password: str) -> Api:
        client = requests.get(f"{self.base}/api/v1/oauth-clients/local", timeout=10).json()
        form = {**client, "grant_type": "password", "username": username, "password": password}
        response = requests.post(f"{self.base}/api/v1/users/token", data=form, timeout=10)
        assert response.status_code == 200, response.text
        self.token = response.json()["access_token"]
        self.refresh = response.json()["refresh_token"]
        return self

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if self.token and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {self.token}"
        return requests.request(method, self.base + path, headers=headers, timeout=10, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)


def seed_users(fake: FakePeerTube) -> None:
    fake.add_user("alice", "secret", channels=["alice_videos", "alice_archive"])
    fake.add_user("bob", "secret")
    fake.add_user("root", "secret", role="admin")


@pytest.fixture(scope="module")
def fake() -> Iterator[FakePeerTube]:
    with FakePeerTube(rate_limit=None, login_rate_limit=None, import_duration=None) as server:
        seed_users(server)
        yield server


@pytest.fixture(scope="module")
def alice(fake: FakePeerTube) -> Api:
    return Api(fake.url).login("alice", "secret")


@pytest.fixture(scope="module")
def bob(fake: FakePeerTube) -> Api:
    return Api(fake.url).login("bob", "secret")


@pytest.fixture(scope="module")
def root(fake: FakePeerTube) -> Api:
    return Api(fake.url).login("root", "secret")


@pytest.fixture(scope="module")
def anon(fake: FakePeerTube) -> Api:
    return Api(fake.url)


def channel_id(fake: FakePeerTube, name: str) -> int:
    return int(requests.get(f"{fake.url}/api/v1/video-channels/{name}", timeout=10).json()["id"])


VIDEO_FILE = ("clip.mp4", b"\x00\x00\x00\x18ftypmp42" + b"v" * 4000, "video/mp4")
