"""The one HTTP seam: a Run whose clients send through an injected ``Sender`` needs no server.

Like httpx's MockTransport: the library facade takes ``connect=``, the client takes
``sender=``, and every request (login included) goes through ``Sender.request``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from ptsync.peertube import PeerTubeClient
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
    """Answers GETs from ``ANSWERS``; records every request."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str | None]] = []

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        path = urlsplit(url).path
        self.seen.append((method, path, (kwargs.get("headers") or {}).get("Authorization")))
        response = requests.Response()
        response.url = url
        body = ANSWERS.get(path)
        response.status_code = 200 if body is not None else 404
        response._content = json.dumps(body if body is not None else {"status": 404}).encode()
        response.headers["Content-Type"] = "application/json"
        return response

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
        assert "9.1.0 is newer than the newest version ptsync knows (8.x)" in notice.message
