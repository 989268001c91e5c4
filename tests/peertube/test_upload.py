"""Resumable uploads over HTTP against the fake: chunks, broken connections, killed processes."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import replace
from pathlib import Path

import pytest

from ptsync.errors import UploadSessionGone
from ptsync.live.cache import cache_dir
from ptsync.peertube import ClientSettings, Credentials, PeerTubeClient
from ptsync.peertube.upload import session_url
from ptsync.testing import FakePeerTube

CHUNK = 64 * 1024
SETTINGS = ClientSettings(rate_limit=None, retry_base=0.01, max_retries=3, chunk_size=CHUNK)
CREDS = Credentials("alice", "alice-secret-pw")
UPLOAD = "/api/v1/videos/upload-resumable"


class Killed(Exception):
    """Stands for the process dying in the middle of an upload."""


@pytest.fixture
def fake(tmp_path, monkeypatch):
    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
    with FakePeerTube(rate_limit=None, login_rate_limit=None) as server:
        server.add_user("alice", "alice-secret-pw")
        yield server


@pytest.fixture
def movie(tmp_path) -> Path:
    path = tmp_path / "movie.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + secrets.token_bytes(300_000))
    return path


def _metadata(client: PeerTubeClient) -> dict:
    return {"name": "Moon landing", "channelId": client.channels()["alice_channel"], "privacy": 1}


def _stored(fake: FakePeerTube, video: dict, movie: Path) -> None:
    source = fake.source_file(video["uuid"])
    assert source is not None and source["size"] == movie.stat().st_size
    assert source["sha256"] == hashlib.sha256(movie.read_bytes()).hexdigest()


def _chunk_puts(fake: FakePeerTube) -> list:
    return [r for r in fake.requests if r.method == "PUT" and r.path == UPLOAD]


def test_upload_in_64k_chunks(fake, movie):
    seen: list[tuple[int, int]] = []
    with PeerTubeClient(fake.url, CREDS, SETTINGS) as client:
        video = client.upload(
            movie, _metadata(client), on_progress=lambda d, t: seen.append((d, t))
        )
    size = movie.stat().st_size
    assert {"id", "uuid", "shortUUID"} <= set(video)
    assert len(_chunk_puts(fake)) == -(-size // CHUNK) == 5
    assert fake.count("POST", UPLOAD) == 1
    assert seen[0] == (0, size) and seen[-1] == (size, size)
    assert len(fake.videos()) == 1
    _stored(fake, video, movie)


def test_dropped_chunk_is_resumed_from_the_server_offset(fake, movie):
    with PeerTubeClient(fake.url, CREDS, SETTINGS) as client:
        metadata = _metadata(client)
        fake.faults.inject("drop", method="PUT", path=UPLOAD, times=1)  # the chunk never arrives
        fake.faults.inject("drop", method="PUT", path=UPLOAD, times=1, when="after")  # answer lost
        video = client.upload(movie, metadata)
    puts = _chunk_puts(fake)
    assert [p.status for p in puts].count(0) == 2  # both dropped requests are in the log
    assert len(puts) >= 5 + 2  # every chunk, plus an offset query after each drop
    assert fake.count("POST", UPLOAD) == 1
    assert len(fake.videos()) == 1
    _stored(fake, video, movie)


def test_chunk_refused_by_a_429_is_sent_again_whole(fake, movie):
    fake.faults.retry_after = 0
    settings = replace(SETTINGS, timeout=(2.0, 2.0))  # a half-sent body would stall, then fail
    with PeerTubeClient(fake.url, CREDS, settings) as client:
        metadata = _metadata(client)
        fake.faults.inject("429", method="PUT", path=UPLOAD, times=2)
        video = client.upload(movie, metadata)
    statuses = [p.status for p in _chunk_puts(fake)]
    assert statuses.count(429) == 2 and len(statuses) == 5 + 2  # no offset query was needed
    _stored(fake, video, movie)


def test_upload_cut_by_a_killed_process_resumes_with_the_next_client(fake, movie):
    key = "nisv/moon-1/digest"

    def die_after_two_chunks(done: int, total: int) -> None:
        if done >= 2 * CHUNK:
            raise Killed

    with PeerTubeClient(fake.url, CREDS, SETTINGS) as first:
        metadata = _metadata(first)
        with pytest.raises(Killed):
            first.upload(movie, metadata, on_progress=die_after_two_chunks, session_key=key)
    (session,) = fake.upload_sessions.values()
    assert session["offset"] == 2 * CHUNK and not session["completed"]
    (record,) = (cache_dir() / "uploads").iterdir()
    fake.clear_requests()

    with PeerTubeClient(fake.url, CREDS, SETTINGS) as second:
        video = second.upload(movie, metadata, session_key=key)
    assert fake.count("POST", UPLOAD) == 0  # resumed, not started again
    assert len(_chunk_puts(fake)) == 1 + 3  # the offset query, then the 3 missing chunks
    assert not record.exists()  # finished: the session record is gone
    assert len(fake.videos()) == 1
    _stored(fake, video, movie)


def test_a_stored_session_the_server_forgot_is_reported_then_a_new_upload_starts(fake, movie):
    """A gone session may have become a video after its run died: the caller is told (so it
    looks for the video by marker) and the session is forgotten; the next call starts anew."""
    key = "nisv/moon-2/digest"
    with PeerTubeClient(fake.url, CREDS, SETTINGS) as client:
        metadata = _metadata(client)
        with pytest.raises(Killed):
            client.upload(movie, metadata, on_progress=_kill_at(CHUNK), session_key=key)
        (record,) = (cache_dir() / "uploads").iterdir()
        location = record.read_text().split('"location":"')[1].split('"')[0]
        client.cancel_upload(location)
        assert fake.upload_sessions == {}
        with pytest.raises(UploadSessionGone):
            client.upload(movie, metadata, session_key=key)
        assert list((cache_dir() / "uploads").iterdir()) == []
        video = client.upload(movie, metadata, session_key=key)
    assert fake.count("POST", UPLOAD) == 2
    assert len(fake.videos()) == 1
    _stored(fake, video, movie)


def test_source_replacement_uses_the_same_protocol(tmp_path, monkeypatch, movie):
    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
    with FakePeerTube(
        rate_limit=None, login_rate_limit=None, video_file_update_enabled=True
    ) as fake:
        fake.add_user("alice", "alice-secret-pw")
        existing = fake.add_video("alice", name="Old cut", input_filename="old.mp4")
        with PeerTubeClient(fake.url, CREDS, SETTINGS) as client:
            client.replace_source(existing["uuid"], movie)
            assert client.video_source(existing["uuid"])["inputFilename"] == "movie.mp4"
        _stored(fake, existing, movie)


def test_session_url_stays_on_the_instance_we_talk_to():
    base, init = "https://videos.example.org", UPLOAD
    want = "https://videos.example.org/api/v1/videos/upload-resumable?upload_id=abc"
    assert session_url(base, init, "//videos.example.org" + init + "?upload_id=abc") == want
    assert session_url(base, init, init + "?upload_id=abc") == want
    assert session_url(base, init, "upload-resumable?upload_id=abc") == want
    assert session_url(base, init, "https://elsewhere.example.com" + init + "?upload_id=abc") == (
        want
    )


def _kill_at(offset: int):
    def progress(done: int, total: int) -> None:
        if done >= offset:
            raise Killed

    return progress
