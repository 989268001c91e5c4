"""The client over real HTTP against the fake: auth, pages, limits, retries, typed errors."""

from __future__ import annotations

import logging
import os
import stat
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ptsync.errors import BadResponse, ConfigError, NotFound, ServerError
from ptsync.peertube import ClientSettings, Credentials, PeerTubeClient, credentials_from_env
from ptsync.testing import FakePeerTube

FAST = ClientSettings(rate_limit=None, retry_base=0.01, max_retries=3)
CREDS = Credentials("alice", "alice-secret-pw")


@pytest.fixture
def fake(tmp_path, monkeypatch):
    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
    with FakePeerTube(rate_limit=None, login_rate_limit=None) as server:
        server.add_user("alice", "alice-secret-pw")
        yield server


def test_login_once_then_cached_token_in_a_0600_file(fake, tmp_path):
    with PeerTubeClient(fake.url, CREDS, FAST) as client:
        assert client.username() == "alice"
    assert fake.count("POST", "/api/v1/users/token") == 1
    (token_file,) = (tmp_path / "cache" / "tokens").iterdir()
    assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o600
    fake.clear_requests()
    with PeerTubeClient(fake.url, CREDS, FAST) as client:
        client.me()
    assert fake.count("POST", "/api/v1/users/token") == 0
    assert fake.count("GET", "/api/v1/oauth-clients/local") == 0


def test_expired_token_is_refreshed_with_the_refresh_grant(tmp_path, monkeypatch):
    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
    with FakePeerTube(rate_limit=None, login_rate_limit=None, token_ttl=1) as fake:
        fake.add_user("alice", "alice-secret-pw")
        with PeerTubeClient(fake.url, CREDS, FAST) as client:
            client.me()
            time.sleep(1.1)  # the access token expired; the refresh token did not
            client.quota_used()
        grants = [r for r in fake.requests if r.path == "/api/v1/users/token"]
        assert len(grants) == 2 and all(r.status == 200 for r in grants)


def test_token_from_env_is_used_as_is(fake):
    with PeerTubeClient(fake.url, CREDS, FAST) as client:
        client.me()
    token = next(iter((fake.state.tokens if hasattr(fake.state, "tokens") else {}).keys()), None)
    if token is None:
        pytest.skip("fake does not expose tokens")
    fake.clear_requests()
    with PeerTubeClient(fake.url, Credentials(token=token), FAST) as client:
        assert client.username() == "alice"
    assert fake.count("POST", "/api/v1/users/token") == 0


def test_credentials_from_env_prefer_named_instance_and_hide_secrets():
    env = {
        "PEERTUBE_USERNAME": "a",
        "PEERTUBE_PASSWORD": "pw-general",
        "PEERTUBE_PASSWORD__PROD": "pw-prod",
    }
    creds = credentials_from_env(env, suffix="prod")
    assert creds.password == "pw-prod"
    assert "pw-prod" not in repr(creds) and "pw-prod" not in str(creds)
    with pytest.raises(ConfigError, match="PEERTUBE_USERNAME"):
        credentials_from_env({})


def test_pages_of_100(fake):
    for i in range(250):
        fake.add_video("alice", name=f"Video {i:03d}")
    fake.clear_requests()
    with PeerTubeClient(fake.url, CREDS, FAST) as client:
        names = [v.name for v in client.iter_my_videos()]
    assert names == [f"Video {i:03d}" for i in range(250)]
    assert fake.count("GET", "/api/v1/users/me/videos") == 3


def test_429_is_waited_out_never_failed(tmp_path, monkeypatch):
    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
    with FakePeerTube(rate_limit=(5, 0.5), login_rate_limit=None) as fake:
        fake.add_user("alice", "alice-secret-pw")
        with PeerTubeClient(fake.url, CREDS, FAST) as client:  # no client-side limit: trips 429
            for _ in range(15):
                client.quota_used()
        statuses = [r.status for r in fake.requests]
        assert 429 in statuses
        assert fake.count("GET", "/api/v1/users/me/video-quota-used") - statuses.count(429) >= 15


def test_client_side_limiter_avoids_429(tmp_path, monkeypatch):
    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
    with FakePeerTube(rate_limit=(5, 0.5), login_rate_limit=None) as fake:
        fake.add_user("alice", "alice-secret-pw")
        settings = ClientSettings(rate_limit=(5, 0.5), retry_base=0.01)
        with PeerTubeClient(fake.url, CREDS, settings) as client:
            for _ in range(12):
                client.quota_used()
        assert 429 not in [r.status for r in fake.requests]


def test_5xx_retried_for_get_but_never_for_a_create(fake):
    with PeerTubeClient(fake.url, CREDS, FAST) as client:
        channel = client.channels()["alice_channel"]
        fake.faults.inject(503, method="GET", path="/api/v1/users/me/video-quota-used", times=2)
        assert "videoQuotaUsed" in client.quota_used()
        fake.faults.inject(500, method="POST", path="/api/v1/videos/imports", times=1)
        with pytest.raises(ServerError):
            client.create_import(
                {"targetUrl": "https://x.org/a.mp4", "channelId": channel, "name": "abc"}
            )
    assert fake.count("POST", "/api/v1/videos/imports") == 1
    assert fake.videos() == []


def test_errors_carry_peertube_body_and_endpoint(fake):
    with PeerTubeClient(fake.url, CREDS, FAST) as client, pytest.raises(NotFound) as info:
        client.get_video("00000000-0000-4000-8000-000000000000")
    assert info.value.status == 404 and "/api/v1/videos/" in str(info.value)


class _ProxyPage(BaseHTTPRequestHandler):
    """What a reverse proxy in front of PeerTube sends when the app is down or misrouted."""

    def do_GET(self) -> None:
        body = b"<html><body><h1>Welcome to nginx!</h1></body></html>"
        if "truncated" in self.path:
            body = b'{"total": 3, "data": [{"id": 1'
        self.send_response(200)
        self.send_header("Content-Type", "text/html" if b"<html" in body else "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize("path", ["/api/v1/videos/categories", "/api/v1/truncated"])
def test_html_or_truncated_answer_is_a_bad_response_naming_the_endpoint(path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ProxyPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        client = PeerTubeClient(url, Credentials(token="t0ken-value"), FAST)
        with client, pytest.raises(BadResponse) as info:
            client.transport.json("GET", path)
        assert f"GET {path}: unexpected response: not JSON" in str(info.value)
    finally:
        server.shutdown()


def test_plain_http_only_to_loopback():
    with pytest.raises(ConfigError, match="--insecure-http"):
        PeerTubeClient("http://videos.example.org", CREDS)
    PeerTubeClient("http://videos.example.org", CREDS, ClientSettings(insecure_http=True)).close()
    PeerTubeClient("http://localhost:9", CREDS).close()


def test_secrets_never_logged(fake, caplog):
    caplog.set_level(logging.DEBUG)
    with PeerTubeClient(fake.url, CREDS, FAST) as client:
        client.me()
        client.vocabularies()
    assert "alice-secret-pw" not in caplog.text
    assert "Bearer" not in caplog.text
