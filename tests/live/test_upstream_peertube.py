"""Another PeerTube's channel as a mirror source: listed through its public API (a second fake)."""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta

import pytest

from ptsync.live.upstream import UpstreamError, UpstreamFailure, identify, list_upstream
from ptsync.live.upstream.peertube import channel_source
from ptsync.testing import FakePeerTube

PAGES = "/api/v1/video-channels/lectures/videos"


@pytest.fixture(scope="module")
def other(tmp_path_factory):
    with FakePeerTube(version="8.0", rate_limit=None, login_rate_limit=None) as server:
        server.add_user("carol", "carol-secret-pw", channels=["lectures"])
        for n in range(250):
            server.add_video("carol", channel="lectures", name=f"Lecture {n}")
        server.add_video("carol", channel="lectures", name="Draft", privacy=3)
        yield server


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))


def test_a_channel_is_listed_100_at_a_time_anonymously(other):
    other.clear_requests()
    listing = list_upstream(f"{other.url}/c/lectures/videos")
    assert len(listing.entries) == 250  # the private draft is not public
    assert other.count("GET", PAGES) == 3
    assert other.count() == 3  # no login, nothing else
    assert {r.username for r in other.requests} == {None}  # no token sent
    host = other.url.removeprefix("http://")
    newest = listing.entries[0]
    video = next(v for v in other.videos("carol") if v["name"] == "Lecture 249")
    assert newest.title == "Lecture 249"
    assert newest.external_id == f"peertube:{host}:{video['uuid']}"
    assert newest.import_url == f"{other.url}/w/{video['shortUUID']}"
    assert identify(newest.import_url) == newest.external_id
    assert f"{other.url}/videos/watch/{video['uuid']}" in newest.match_urls
    assert newest.published is not None


def test_limit_and_since_stop_paging_early(other):
    other.clear_requests()
    listing = list_upstream(f"{other.url}/video-channels/lectures", limit=150)
    assert len(listing.entries) == 150
    assert other.count("GET", PAGES) == 2
    other.clear_requests()
    tomorrow = date.today() + timedelta(days=2)
    assert list_upstream(f"{other.url}/c/lectures", since=tomorrow).entries == ()
    assert other.count("GET", PAGES) == 1


def test_an_unknown_channel_is_one_line(other):
    with pytest.raises(UpstreamError) as caught:
        list_upstream(f"{other.url}/c/nobody/videos")
    assert caught.value.kind is UpstreamFailure.UNREACHABLE
    assert str(caught.value) == f"{other.url}/c/nobody/videos: unreachable: no such channel (404)"


def test_a_given_getter_replaces_the_transport(other):
    seen = []

    def get(path, params):
        seen.append((path, dict(params)))
        return {"total": 1, "data": [{"uuid": "ba8ef0d1-a74d-4c1e-9990-d66fe0ac3d0b"}]}

    listing = list_upstream("https://tube.example.org/c/talks", peertube_get=get)
    assert [e.import_url for e in listing.entries] == [
        "https://tube.example.org/w/p39xq7yxyZDWuB5vNzRNdB"
    ]
    assert seen == [
        (
            "/api/v1/video-channels/talks/videos",
            {"start": 0, "count": 100, "sort": "-publishedAt", "nsfw": "both"},
        )
    ]


def test_a_broken_answer_is_one_line():
    with pytest.raises(UpstreamError) as caught:
        list_upstream("https://tube.example.org/c/talks", peertube_get=lambda p, q: "<html>")
    assert caught.value.kind is UpstreamFailure.FAILED


def test_channel_urls_are_recognised_and_others_are_not():
    assert channel_source("https://tube.example.org/c/talks/videos").handle == "talks"
    assert channel_source("https://tube.example.org/video-channels/talks@other.org").handle == (
        "talks@other.org"
    )
    assert channel_source("https://tube.example.org/w/p/abc") is None
    assert channel_source("https://tube.example.org/feeds/videos.xml?videoChannelId=3") is None


def test_youtube_channel_paths_stay_with_yt_dlp():
    pytest.importorskip("yt_dlp")
    from ptsync.live.upstream.identify import claimed_by_extractor

    assert claimed_by_extractor("https://www.youtube.com/c/SomeUniversity/videos")
    assert not claimed_by_extractor("https://tube.example.org/c/talks/videos")


class _Recording:
    """A PeerTube-shaped channel listing on loopback that keeps every request's headers, and
    sends ``/c/moved/videos`` to another origin."""

    def __init__(self, elsewhere: str) -> None:
        self.headers: list[dict[str, str]] = []
        self.elsewhere = elsewhere

    def __call__(self, environ, start_response):
        from werkzeug.wrappers import Request, Response

        request = Request(environ)
        self.headers.append(dict(request.headers))
        if "moved" in request.path:
            answer = Response(status=302, headers={"Location": self.elsewhere + request.path})
        else:
            body = {
                "total": 1,
                "data": [{"uuid": "9c9de5e8-0a1b-4ca3-9d1e-3a5b0c2d7f11", "name": "A talk"}],
            }
            answer = Response(json.dumps(body), content_type="application/json")
        return answer(environ, start_response)


def test_the_listing_sends_no_credentials_and_follows_no_redirect_elsewhere(monkeypatch):
    """The run's own PeerTube credentials exist in the environment; the other instance gets
    no Authorization header, and a redirect to a third origin is not followed."""
    from werkzeug.serving import make_server

    monkeypatch.setenv("PEERTUBE_TOKEN", "the-runs-own-token")
    monkeypatch.setenv("PEERTUBE_PASSWORD", "the-runs-own-password")
    third = _Recording("")
    app = _Recording("")
    servers = [make_server("127.0.0.1", 0, third), make_server("127.0.0.1", 0, app)]
    app.elsewhere = f"http://127.0.0.1:{servers[0].port}"
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for thread in threads:
        thread.start()
    try:
        root = f"http://127.0.0.1:{servers[1].port}"
        listing = list_upstream(f"{root}/c/talks/videos")
        assert [e.title for e in listing.entries] == ["A talk"]
        with pytest.raises(UpstreamError) as caught:
            list_upstream(f"{root}/c/moved/videos")
    finally:
        for server in servers:
            server.shutdown()
    assert app.headers and all("Authorization" not in h for h in app.headers)
    assert all(h["User-Agent"].startswith("ptsync/") for h in app.headers)
    assert third.headers == []  # never reached
    assert "another origin" in str(caught.value) and "token" not in str(caught.value)
