"""The client over real HTTP against the fake: auth, pages, limits, retries, typed errors."""

from __future__ import annotations

import json
import logging
import os
import stat
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ptsync.clock import FakeClock
from ptsync.errors import (
    AuthenticationError,
    BadResponse,
    ConfigError,
    NotFound,
    RateLimited,
    ServerError,
    TransportError,
)
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
    clock = FakeClock()
    with FakePeerTube(rate_limit=None, login_rate_limit=None, token_ttl=3600, clock=clock) as fake:
        fake.add_user("alice", "alice-secret-pw")
        with PeerTubeClient(fake.url, CREDS, replace(FAST, clock=clock)) as client:
            client.me()
            clock.advance(3600)  # the access token expired; the refresh token did not
            client.quota_used()
        grants = [r for r in fake.requests if r.path == "/api/v1/users/token"]
        assert len(grants) == 2 and all(r.status == 200 for r in grants)
        assert 401 not in [r.status for r in fake.requests]  # renewed before, not refused


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
    clock = FakeClock()
    with FakePeerTube(rate_limit=(5, 0.5), login_rate_limit=None, clock=clock) as fake:
        fake.add_user("alice", "alice-secret-pw")
        settings = replace(FAST, clock=clock)
        with PeerTubeClient(fake.url, CREDS, settings) as client:  # no client-side limit: 429s
            for _ in range(15):
                client.quota_used()
        statuses = [r.status for r in fake.requests]
        assert 429 in statuses
        assert fake.count("GET", "/api/v1/users/me/video-quota-used") - statuses.count(429) >= 15


def test_client_side_limiter_avoids_429(tmp_path, monkeypatch):
    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
    clock = FakeClock()
    with FakePeerTube(rate_limit=(5, 0.5), login_rate_limit=None, clock=clock) as fake:
        fake.add_user("alice", "alice-secret-pw")
        settings = ClientSettings(rate_limit=(5, 0.5), retry_base=0.01, clock=clock)
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
    threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
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


def _token_file(tmp_path):
    (path,) = (tmp_path / "cache" / "tokens").iterdir()
    return path


def test_refused_refresh_falls_back_to_the_password_grant(fake, tmp_path):
    with PeerTubeClient(fake.url, CREDS, FAST) as client:
        client.me()
    path = _token_file(tmp_path)
    cached = json.loads(path.read_text())
    path.write_text(json.dumps({**cached, "access_expires": 0, "refresh": "revoked-refresh"}))
    fake.clear_requests()
    with PeerTubeClient(fake.url, CREDS, FAST) as client:
        assert client.username() == "alice"
    grants = [r.status for r in fake.requests if r.path == "/api/v1/users/token"]
    assert grants == [400, 200]  # refresh refused, then a fresh login
    assert json.loads(path.read_text())["access"] != cached["access"]


def test_revoked_access_token_is_renewed_once(fake):
    with PeerTubeClient(fake.url, CREDS, FAST) as client:
        client.me()
        fake.faults.inject(401, method="GET", path="/api/v1/users/me/video-quota-used")
        assert "videoQuotaUsed" in client.quota_used()
    assert fake.count("POST", "/api/v1/users/token") == 2  # login, then the refresh grant


def test_corrupt_token_cache_is_ignored(fake, tmp_path):
    folder = tmp_path / "cache" / "tokens"
    with PeerTubeClient(fake.url, CREDS, FAST) as client:
        client.me()
    path = _token_file(tmp_path)
    for junk in ("{not json", '["a"]', '{"access": "x", "access_expires": "soon"}'):
        path.write_text(junk)
        with PeerTubeClient(fake.url, CREDS, FAST) as client:
            assert client.username() == "alice"
        assert json.loads(path.read_text())["access"]
    assert len(list(folder.iterdir())) == 1


def test_token_cache_can_be_disabled(fake, tmp_path):
    settings = replace(FAST, use_token_cache=False)
    with PeerTubeClient(fake.url, CREDS, settings) as client:
        client.me()
    assert not (tmp_path / "cache" / "tokens").exists()


def test_username_without_password_is_a_config_error():
    with pytest.raises(ConfigError, match="credentials"):
        PeerTubeClient("https://videos.example.org", Credentials("alice", None))


def test_429_that_outlasts_the_allowed_wait_is_rate_limited(fake):
    fake.faults.retry_after = 2
    settings = replace(FAST, max_rate_limit_wait=1.0)
    with PeerTubeClient(fake.url, CREDS, settings) as client:
        client.me()
        fake.faults.inject("429", method="GET", path="/api/v1/config", times=5)
        with pytest.raises(RateLimited):
            client.server_config()
    assert fake.count("GET", "/api/v1/config") == 1


def test_5xx_gives_up_after_max_retries(fake):
    with PeerTubeClient(fake.url, CREDS, FAST) as client:
        client.me()
        fake.faults.inject(502, method="GET", path="/api/v1/config", times=10)
        with pytest.raises(ServerError, match="GET /api/v1/config: 502"):
            client.server_config()
    assert fake.count("GET", "/api/v1/config") == FAST.max_retries


def test_dropped_connections_are_retried_for_get_then_a_transport_error(fake):
    with PeerTubeClient(fake.url, CREDS, FAST) as client:
        client.me()
        fake.faults.inject("drop", method="GET", path="/api/v1/config", times=1)
        assert isinstance(client.server_config(), dict)
    with PeerTubeClient(fake.url, CREDS, FAST) as client:  # /config is read once per client
        client.me()
        fake.faults.inject("drop", method="GET", path="/api/v1/config", times=10)
        with pytest.raises(TransportError, match="GET /api/v1/config"):
            client.server_config()


def test_vocabularies_and_channels(fake):
    fake.add_channel("alice", "archive")
    with PeerTubeClient(fake.url, CREDS, FAST) as client:
        vocab = client.vocabularies()
    assert vocab.channels.keys() == {"alice_channel", "archive"}
    assert vocab.categories and vocab.licences and vocab.languages["en"]
    assert vocab.privacies[1] and vocab.playlist_privacies


def test_imports_listed_oldest_or_newest_first_and_filtered(fake):
    fake.set_import_target("https://media.example.org/a.mp4")
    fake.set_import_target("https://media.example.org/b.mp4")
    with PeerTubeClient(fake.url, CREDS, FAST) as client:
        channel = client.channels()["alice_channel"]
        for name in "ab":
            created = client.create_import(
                {
                    "targetUrl": f"https://media.example.org/{name}.mp4",
                    "channelId": channel,
                    "name": f"Import {name}",
                }
            )
            assert created["id"] and created["video"]["uuid"]
        oldest = [i.target_url for i in client.iter_my_imports()]
        newest = [i.target_url for i in client.iter_my_imports(newest_first=True)]
        only_b = list(client.iter_my_imports("https://media.example.org/b.mp4"))
        fake.complete_imports()
        client.delete_import(created["id"])
        assert len(list(client.iter_my_imports())) == 1
    assert oldest == newest[::-1] and oldest[0].endswith("a.mp4")
    assert [i.target_url for i in only_b] == ["https://media.example.org/b.mp4"]


def test_playlists_and_elements(fake):
    first = fake.add_video("alice", name="One")
    second = fake.add_video("alice", name="Two")
    with PeerTubeClient(fake.url, CREDS, FAST) as client:
        channel = client.channels()["alice_channel"]
        created = client.create_playlist(
            {"displayName": "Best of", "privacy": 1, "videoChannelId": channel}
        )
        pid = created["id"]
        element = client.add_playlist_element(pid, first["uuid"])
        client.add_playlist_element(pid, second["id"])
        client.move_playlist_element(pid, 2, 0)
        order = [e["video"]["uuid"] for e in client.playlist_elements(pid)]
        assert order == [second["uuid"], first["uuid"]]
        client.delete_playlist_element(pid, element["id"])
        assert [u for _, u in client.playlist_video_uuids(pid)] == [second["uuid"]]
        assert [p["displayName"] for p in client.my_playlists()] == ["Best of"]
        client.delete_playlist(pid)
        assert client.my_playlists() == []


def test_update_video_as_json_and_as_multipart_with_a_thumbnail(fake, tmp_path):
    video = fake.add_video("alice", name="Before")
    image = tmp_path / "thumb.jpg"
    image.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 64)
    with PeerTubeClient(fake.url, CREDS, FAST) as client:
        client.update_video(video["uuid"], {"name": "After", "tags": ["beta", "alpha"]})
        client.update_video(video["uuid"], {"nsfw": True, "tags": ["solo"]}, thumbnail=image)
        live = client.get_video(video["uuid"])
    assert live.name == "After" and live.fields["nsfw"] is True
    assert set(live.fields["tags"]) == {"solo"}
    assert fake.thumbnail(video["uuid"]) == image.read_bytes()


def test_debug_log_line_per_request(fake, caplog):
    caplog.set_level(logging.DEBUG, logger="ptsync.http")
    with PeerTubeClient(fake.url, CREDS, FAST) as client:
        list(client.iter_my_videos())
    lines = [r.getMessage() for r in caplog.records if r.name == "ptsync.http"]
    assert any(
        line.startswith("GET /api/v1/users/me/videos?start=0&count=100&sort=createdAt -> 200 (")
        and line.endswith(" ms)")
        for line in lines
    )


def test_no_secret_in_logs_reprs_or_errors(fake, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    with PeerTubeClient(fake.url, CREDS, FAST) as client:
        client.me()
        fake.faults.inject(401, method="GET", path="/api/v1/config")  # forces a refresh grant
        client.server_config()
        with pytest.raises(NotFound) as info:
            client.get_video(999999)
    cached = json.loads(_token_file(tmp_path).read_text())
    secrets = [CREDS.password, cached["access"], cached["refresh"], cached["client_secret"]]
    wrong = Credentials("alice", "wrong-password-123")
    with pytest.raises(AuthenticationError) as refused:
        PeerTubeClient(fake.url, wrong, replace(FAST, use_token_cache=False)).me()
    secrets.append(wrong.password)
    texts = [caplog.text, str(info.value), str(refused.value), repr(refused.value)]
    texts += [repr(CREDS), str(CREDS), repr(Credentials(token=cached["access"]))]
    for text in texts:
        for secret in secrets:
            assert secret not in text


def test_login_window_counters_do_not_throttle_the_api(tmp_path, monkeypatch):
    """/users/token carries the login limiter's headers (15 per 5 min), not the API window's."""
    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
    clock = FakeClock()
    with FakePeerTube(rate_limit=(50, 10.0), login_rate_limit=(1, 300.0), clock=clock) as fake:
        fake.add_user("alice", "alice-secret-pw")
        settings = ClientSettings(rate_limit=(50, 10.0), retry_base=0.01, clock=clock)
        with PeerTubeClient(fake.url, CREDS, settings) as client:
            for _ in range(10):
                client.quota_used()
            assert client.transport.limiter.waited == 0
        assert clock.elapsed == 0  # not a moment waited
        assert 429 not in [r.status for r in fake.requests]


def test_named_instance_credentials():
    general = {"PEERTUBE_TOKEN": "general-token", "PEERTUBE_PASSWORD": "pw-general"}
    own = {**general, "PEERTUBE_USERNAME__PROD": "bob", "PEERTUBE_PASSWORD__PROD": "pw-prod"}
    assert credentials_from_env(own, "prod") == Credentials("bob", "pw-prod", None)
    assert credentials_from_env(general, "prod").token == "general-token"  # nothing of its own
    dashed = {"PEERTUBE_TOKEN__MY_PROD": "prod-token"}
    assert credentials_from_env(dashed, "my-prod").token == "prod-token"
    with pytest.raises(ConfigError, match="PEERTUBE_USERNAME__PROD"):
        credentials_from_env({"PEERTUBE_USERNAME": "alice"}, "prod")


def test_remaining_endpoints(fake, tmp_path):
    for i in range(3):
        fake.add_video("alice", name=f"Clip {i}")
    locked = fake.add_video("alice", name="Locked", privacy=5, password="let-me-in")
    vtt = tmp_path / "en.vtt"
    vtt.write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n")
    with PeerTubeClient(fake.url, CREDS, FAST) as client:
        assert client.my_videos_total() == 4
        assert [v.name for v in client.search_my_videos("Locked")] == ["Locked"]
        assert client.video_passwords(locked["uuid"]) == ["let-me-in"]
        assert client.get_video_raw(locked["uuid"])["uuid"] == locked["uuid"]
        client.put_caption(locked["uuid"], "en", vtt)
        assert [c["language"]["id"] for c in client.captions(locked["uuid"])] == ["en"]
        assert fake.caption(locked["uuid"], "en") == vtt.read_bytes()
        client.delete_caption(locked["uuid"], "en")
        assert client.captions(locked["uuid"]) == []
        client.create_channel({"name": "archive_2", "displayName": "Archive"})
        assert "archive_2" in client.channels()  # the cached user was refreshed
        client.update_channel("archive_2", {"displayName": "Old archive"})
        assert (client.get_channel("archive_2") or {})["displayName"] == "Old archive"
        assert client.get_channel("nope_nope") is None
        client.delete_video(locked["uuid"])
        assert client.video_source(locked["uuid"]) is None
        assert client.my_videos_total() == 3


@pytest.mark.parametrize("version", ["6.3", "8.0"])
def test_a_lost_serialisation_race_is_sent_again_at_once_other_500s_after_a_backoff(
    tmp_path, monkeypatch, version
):
    """Two PUTs of one user overlap (each takes the server 170 ms); PostgreSQL aborts one.
    Sent again within a tenth of the backoff's base, on the fake's clock; an ordinary 500
    waits at least the base."""
    from concurrent.futures import ThreadPoolExecutor

    from ptsync.testing.service import ServiceTime

    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
    clock = FakeClock()
    service = ServiceTime.of({"PUT /api/v1/videos/*": 0.17})
    with FakePeerTube(
        rate_limit=None, login_rate_limit=None, clock=clock, version=version, service_time=service
    ) as fake:
        fake.add_user("alice", "alice-secret-pw")
        first, second = (fake.add_video("alice", name=f"Video {n}") for n in (1, 2))
        settings = ClientSettings(rate_limit=None, retry_base=0.5, max_retries=3, clock=clock)
        with PeerTubeClient(fake.url, CREDS, settings) as client:
            client.me()
            fake.fail_concurrent_updates(1)
            clock.auto = False  # held still until both PUTs are with the server
            with ThreadPoolExecutor(max_workers=2) as pool:
                done = [
                    pool.submit(client.update_video, v["uuid"], {"name": "Both"})
                    for v in (first, second)
                ]
                clock.wait_for_sleepers(2)
                clock.auto = True
                [d.result() for d in done]
            fake.faults.inject(500, method="PUT", times=1)
            client.update_video(first["uuid"], {"name": "Again"})
        puts = [r for r in fake.requests if r.method == "PUT"]
    assert fake.serialization_failures == 1
    assert sorted(r.status for r in puts[:3]) == [204, 204, 500]
    assert [r.status for r in puts[3:]] == [500, 204]
    raced = next(r for r in puts if r.status == 500 and r.fault is None)
    again = next(r for r in puts if r.path == raced.path and r.started > raced.started)
    assert raced.finished is not None and again.started - raced.finished <= 0.1
    injected, retried = puts[-2:]
    assert injected.fault == "500" and retried.started - (injected.finished or 0) >= 0.5
    assert sorted(v["name"] for v in fake.videos("alice")) == ["Again", "Both"]
