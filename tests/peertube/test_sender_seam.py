"""The one HTTP seam: a Run whose clients send through an injected ``Sender`` needs no server.

Like httpx's MockTransport: the library facade takes ``connect=``, the client takes
``sender=``, and every request (login included) goes through ``Sender.request``.
"""

from __future__ import annotations

import json
import socket
import threading
from typing import Any
from urllib.parse import urlsplit

import pytest

from ptsync.peertube import PeerTubeClient
from ptsync.peertube.sender import Answer
from ptsync.plan.changes import CreateVideo
from ptsync.session import Options, Run

ANSWERS: dict[str, Any] = {
    "/api/v1/videos/categories": {"15": "Science & Technology"},
    "/api/v1/videos/licences": {"1": "Attribution"},
    "/api/v1/videos/languages": {"en": "English"},
    "/api/v1/videos/privacies": {"1": "Public", "2": "Unlisted", "3": "Private"},
    "/api/v1/video-playlists/privacies": {"1": "Public"},
    "/api/v1/config": {"serverVersion": "8.0.1"},
    "/api/v1/users/me": {"id": 1, "username": "alice", "role": {"id": 2}, "videoChannels": [
        {"id": 3, "name": "alice_channel"}
    ]},
    "/api/v1/users/me/videos": {"total": 0, "data": []},
    "/api/v1/users/me/videos/imports": {"total": 0, "data": []},
    "/api/v1/accounts/alice/video-playlists": {"total": 0, "data": []},
}  # fmt: skip


class CannedSender:
    """Answers GETs from ``ANSWERS`` with plain data; records every request."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str | None]] = []

    def request(self, method: str, url: str, **kwargs: Any) -> Answer:
        path = urlsplit(url).path
        self.seen.append((method, path, (kwargs.get("headers") or {}).get("Authorization")))
        body = ANSWERS.get(path)
        return Answer(
            200 if body is not None else 404,
            {"Content-Type": "application/json"},
            json.dumps(body if body is not None else {"status": 404}).encode(),
            url,
        )

    def close(self) -> None:
        pass


def test_a_run_plans_through_an_injected_sender_without_a_network(tmp_path, monkeypatch):
    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
    manifest = tmp_path / "m.yaml"
    manifest.write_text(
        "apiVersion: ptsync/v1\nsystem: nisv\nvideos:\n"
        "  - id: x\n    source: {url: 'https://archive.example.org/x.mp4'}\n    name: Video X\n"
    )
    sender = CannedSender()
    env = {"PEERTUBE_URL": "https://videos.example.org", "PEERTUBE_TOKEN": "secret-token-1"}

    def connect(url, credentials, settings):
        return PeerTubeClient(url, credentials, settings, sender=sender)

    with Run([str(manifest)], Options(env=env), connect=connect) as run:
        (planned,) = run.plan()
    (create,) = planned.plan.of(CreateVideo)
    assert create.external_id == "x"
    paths = [path for _, path, _ in sender.seen]
    assert "/api/v1/users/me/videos" in paths and "/api/v1/config" in paths
    assert all(auth == "Bearer secret-token-1" for _, _, auth in sender.seen)


def test_a_server_newer_than_every_profile_gets_a_notice_and_one_below_6_is_refused(
    tmp_path, monkeypatch
):
    from ptsync.errors import ConfigError
    from ptsync.plan.changes import NoticeKind

    manifest = tmp_path / "m.yaml"
    manifest.write_text("apiVersion: ptsync/v1\nsystem: nisv\nvideos: []\n")
    env = {"PEERTUBE_URL": "https://videos.example.org", "PEERTUBE_TOKEN": "secret-token-1"}
    for version, expect in (("9.1.0", "notice"), ("5.2.1", "error")):
        monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / f"cache-{version}"))
        monkeypatch.setitem(ANSWERS, "/api/v1/config", {"serverVersion": version})
        sender = CannedSender()

        def connect(url, credentials, settings, sender=sender):
            return PeerTubeClient(url, credentials, settings, sender=sender)

        with Run([str(manifest)], Options(env=env), connect=connect) as run:
            if expect == "error":
                with pytest.raises(ConfigError, match=r"needs PeerTube 6\.0 or newer"):
                    run.plan()
                continue
            (planned,) = run.plan()
        (notice,) = [n for n in planned.plan.notices if n.kind is NoticeKind.SERVER_VERSION]
        assert "9.1.0 is newer than the newest version ptsync knows (8.3)" in notice.message


# --- the seam's contract: plain data, no redirects followed, bodies capped ------------------


def test_an_answer_is_plain_data_with_case_insensitive_headers():
    answer = Answer(307, {"location": "/elsewhere", "Content-Type": "text/plain"}, b"moved")
    assert answer.headers["Location"] == answer.headers.get("LOCATION") == "/elsewhere"
    assert answer.redirect == "/elsewhere" and answer.content_type == "text/plain"
    assert Answer(308, {"Range": "bytes=0-9"}).redirect is None  # the upload protocol's 308
    assert dict(Answer(200, {"X-A": "1"}).headers) == {"X-A": "1"}
    with pytest.raises(ValueError):
        Answer(200, {}, b"<html>").json()


@pytest.fixture
def fake_server(tmp_path, monkeypatch):
    from ptsync.testing import FakePeerTube

    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
    with FakePeerTube(rate_limit=None, login_rate_limit=None) as server:
        yield server


def test_the_default_sender_stops_reading_at_the_cap_and_never_follows_a_redirect(fake_server):
    from ptsync.peertube.sender import MAX_ERROR_BODY, RequestsSender

    sender = RequestsSender()
    url = fake_server.url + "/api/v1/config"
    try:
        fake_server.faults.inject("endless")
        cut = sender.request("GET", url, timeout=(5, 5), limit=100_000)
        assert (cut.status, cut.truncated) == (200, True) and len(cut.body) <= 100_000
        fake_server.faults.inject("endless", status=502)
        error = sender.request("GET", url, timeout=(5, 5), limit=10 * MAX_ERROR_BODY)
        assert error.truncated and len(error.body) <= MAX_ERROR_BODY
        fake_server.faults.inject("redirect", to="http://127.0.0.1:9/x")
        moved = sender.request("GET", url, timeout=(5, 5))
        assert (moved.status, moved.redirect) == (307, "http://127.0.0.1:9/x")
        whole = sender.request("GET", url, timeout=(5, 5))
        assert not whole.truncated and "serverVersion" in whole.json()
    finally:
        sender.close()


class _Trickle(threading.Thread):
    """Answers 200 at once, then one byte of body every 20 ms until the client hangs up."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]

    def run(self) -> None:
        connection, _ = self.listener.accept()
        connection.recv(65536)
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n[")
        try:
            while True:
                connection.sendall(b"1,")
                threading.Event().wait(0.02)
        except OSError:
            pass
        finally:
            connection.close()
            self.listener.close()


def test_a_body_trickling_past_the_read_timeout_is_a_timeout(tmp_path, monkeypatch):
    from ptsync.errors import TimedOut
    from ptsync.peertube import ClientSettings, Credentials

    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
    server = _Trickle()
    server.start()
    settings = ClientSettings(rate_limit=None, max_retries=1, timeout=(2, 0.3))
    url = f"http://127.0.0.1:{server.port}"
    client = PeerTubeClient(url, Credentials(token="t0ken"), settings)
    with client, pytest.raises(TimedOut) as info:
        client.server_config()
    assert str(info.value) == "GET /api/v1/config: timed out (no answer within 0.3 s)"
    server.join(timeout=30)
    assert not server.is_alive()  # the client hung up
