"""Listing feeds and pages served on 127.0.0.1 through yt-dlp (flat) and the Atom reader."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from datetime import UTC, date, datetime

import pytest

from ptsync.live.upstream import (
    EntryProblemKind,
    UpstreamError,
    UpstreamFailure,
    identify,
    list_upstream,
)
from ptsync.marker import ID_PATTERN

pytest.importorskip("yt_dlp")

# The form PeerTube's own sync imported on 6.3, 8.0.1 and 8.2 (README "as recorded").
RECORDED = "http://127.0.0.1:8765/small.mp4?feed=1#__youtubedl_smuggle=%7B%22force_videoid%22%3A+%22lab-1%22%7D"


@pytest.mark.parametrize("path", ["/feed.xml", "/atom.xml"])
def test_feed_items_become_entries_named_by_their_guid(upstream, path):
    upstream.add("lab-1", title="First", published=datetime(2026, 3, 1, tzinfo=UTC))
    upstream.add("lab-2", title="Second", published=datetime(2026, 3, 2, tzinfo=UTC))
    listing = list_upstream(upstream.url + path)
    assert [e.external_id for e in listing.entries] == ["feed:lab-2", "feed:lab-1"]
    first = listing.entries[1]
    assert first.title == "First"
    assert first.published == datetime(2026, 3, 1, tzinfo=UTC)
    # the exact string PeerTube's channel sync imports for that item (recorded form)
    media = upstream.url + "/media/lab-1.mp4"
    assert first.import_url == RECORDED.replace("http://127.0.0.1:8765/small.mp4?feed=1", media)
    assert first.match_urls == (first.import_url, media)
    assert identify(first.import_url) == first.external_id
    assert listing.problems == ()


def test_rss_listing_is_one_request_and_atom_two(upstream):
    upstream.add_many(3)
    list_upstream(upstream.url + "/feed.xml")
    assert upstream.requests == ["/feed.xml"]
    list_upstream(upstream.url + "/atom.xml")  # yt-dlp calls it unsupported, then ptsync reads it
    assert upstream.requests[1:] == ["/atom.xml", "/atom.xml"]


def test_five_thousand_entries_are_one_flat_extraction(upstream):
    upstream.add_many(5000, dated=False)  # dates cost yt-dlp CPU, not requests (docs/mirrors.md)
    listing = list_upstream(upstream.url + "/feed.xml")
    assert len(listing.entries) == 5000
    assert upstream.count() == 1
    assert not any(path.startswith("/media/") for path in upstream.requests)


def test_limit_keeps_the_newest_and_since_the_recent(upstream):
    for day in range(1, 8):
        upstream.add(f"d{day}", published=datetime(2026, 5, day, 12, tzinfo=UTC))
    url = upstream.url + "/feed.xml"
    newest = list_upstream(url, limit=3)
    assert [e.external_id for e in newest.entries] == ["feed:d7", "feed:d6", "feed:d5"]
    recent = list_upstream(url, since=date(2026, 5, 5))
    assert [e.external_id for e in recent.entries] == ["feed:d7", "feed:d6", "feed:d5"]
    both = list_upstream(url, since=date(2026, 5, 3), limit=2)
    assert [e.external_id for e in both.entries] == ["feed:d7", "feed:d6"]


def test_a_new_entry_upstream_is_listed_next_time_and_a_removed_one_is_gone(upstream):
    upstream.add("old")
    url = upstream.url + "/feed.xml"
    assert [e.external_id for e in list_upstream(url).entries] == ["feed:old"]
    upstream.add("new")
    upstream.remove("old")
    assert [e.external_id for e in list_upstream(url).entries] == ["feed:new"]


@pytest.mark.parametrize("path", ["/feed.xml", "/atom.xml"])
def test_private_removed_and_guidless_items_are_problems_the_rest_is_listed(upstream, path):
    upstream.add("fine")
    upstream.add("hidden", state="private")
    upstream.add("gone", state="removed")
    upstream.add("anonymous", guid=None)
    listing = list_upstream(upstream.url + path)
    assert [e.external_id for e in listing.entries] == ["feed:fine"]
    kinds = {p.kind for p in listing.problems}
    assert kinds == {EntryProblemKind.PRIVATE, EntryProblemKind.REMOVED, EntryProblemKind.NO_GUID}
    for problem in listing.problems:
        line = str(problem)
        assert "\n" not in line and line.startswith(upstream.url + path + ": entry ")
    (guidless,) = [p for p in listing.problems if p.kind is EntryProblemKind.NO_GUID]
    assert "anonymous.mp4" in str(guidless)


@pytest.mark.parametrize("path", ["/feed.xml", "/atom.xml"])
def test_a_feed_without_any_guid_cannot_be_listed(upstream, path):
    upstream.add("a", guid=None)
    upstream.add("b", guid=None)
    with pytest.raises(UpstreamError) as caught:
        list_upstream(upstream.url + path)
    assert caught.value.kind is UpstreamFailure.NO_GUIDS
    assert str(caught.value) == (
        f"{upstream.url}{path}: no guids: none of its 2 items has a guid, so none has a stable id"
    )


def test_a_page_of_embedded_videos_lists_them_by_platform_id(upstream):
    upstream.add("one", youtube="dQw4w9WgXcQ")
    upstream.add("two", youtube="9bZkp7q19f0")
    listing = list_upstream(upstream.url + "/playlist.html")
    assert [e.external_id for e in listing.entries] == [
        "youtube:9bZkp7q19f0",
        "youtube:dQw4w9WgXcQ",
    ]
    entry = listing.entries[1]
    assert entry.import_url == "https://www.youtube.com/embed/dQw4w9WgXcQ"
    assert "https://www.youtube.com/watch?v=dQw4w9WgXcQ" in entry.match_urls
    assert upstream.count() == 1  # the page only: no request to YouTube


def test_a_page_embedding_one_video_lists_it_without_visiting_it(upstream):
    """yt-dlp answers such a page with the embed's URL; it is the entry, never followed (a
    visit would reach YouTube: these tests have no network, so it would fail the listing)."""
    upstream.add("one", youtube="dQw4w9WgXcQ")
    listing = list_upstream(upstream.url + "/playlist.html")
    assert [e.external_id for e in listing.entries] == ["youtube:dQw4w9WgXcQ"]
    assert listing.entries[0].import_url == "https://www.youtube.com/embed/dQw4w9WgXcQ"
    assert upstream.count() == 1


def test_a_page_behind_a_login_needs_sign_in(upstream):
    with pytest.raises(UpstreamError) as caught:
        list_upstream(upstream.url + "/signin.html")
    assert caught.value.kind is UpstreamFailure.NEEDS_SIGN_IN
    assert str(caught.value).startswith(f"{upstream.url}/signin.html: needs sign-in: HTTP 401")


def test_missing_page_unsupported_page_and_dead_host_are_one_line_each(upstream):
    with pytest.raises(UpstreamError) as missing:
        list_upstream(upstream.url + "/nothing.xml")
    assert missing.value.kind is UpstreamFailure.UNREACHABLE
    assert "HTTP 404" in str(missing.value)
    with pytest.raises(UpstreamError) as unsupported:
        list_upstream(upstream.url + "/about.html")
    assert unsupported.value.kind is UpstreamFailure.UNSUPPORTED
    assert str(unsupported.value) == (
        f"{upstream.url}/about.html: unsupported: not a channel, playlist or feed yt-dlp can list"
    )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}/feed.xml"
    with pytest.raises(UpstreamError) as refused:
        list_upstream(dead, timeout=5)
    assert refused.value.kind is UpstreamFailure.UNREACHABLE
    for error in (missing.value, unsupported.value, refused.value):
        assert "\n" not in str(error)


def test_secrets_in_the_source_url_are_not_shown(upstream):
    url = f"http://user:hunter2@127.0.0.1:{upstream.url.rsplit(':', 1)[1]}/nothing.xml?token=s3cr3t"
    with pytest.raises(UpstreamError) as caught:
        list_upstream(url)
    assert "hunter2" not in str(caught.value) and "s3cr3t" not in str(caught.value)
    assert "REDACTED" in str(caught.value)


def test_ids_fit_ptsyncs_id_pattern(upstream):
    upstream.add("weird", guid="https://example.org/?p=123&lang=nl--x " + "z" * 120)
    (entry,) = list_upstream(upstream.url + "/feed.xml").entries
    assert len(entry.external_id) <= 100
    assert re.fullmatch(ID_PATTERN, entry.external_id)
    assert identify(entry.import_url) == entry.external_id


def test_without_yt_dlp_the_error_names_the_extra(tmp_path):
    code = (
        "import sys; sys.modules['yt_dlp'] = None\n"
        "from ptsync.live.upstream import list_upstream, MissingExtra\n"
        "try:\n"
        "    list_upstream('https://feeds.example.org/a.xml?token=abc')\n"
        "except MissingExtra as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == (
        "https://feeds.example.org/a.xml?token=REDACTED: listing this source needs yt-dlp, "
        "which is not installed: pip install 'ptsync[mirrors]'"
    )


def test_listing_prints_nothing_even_when_it_fails(upstream, capfd):
    upstream.add("a")
    list_upstream(upstream.url + "/feed.xml")
    with pytest.raises(UpstreamError):
        list_upstream(upstream.url + "/nothing.xml")
    assert capfd.readouterr() == ("", "")


def test_a_source_that_never_answers_fails_after_the_socket_timeout():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)  # accepts the connection, never answers
        url = f"http://127.0.0.1:{server.getsockname()[1]}/feed.xml"
        with pytest.raises(UpstreamError) as caught:
            list_upstream(url, timeout=0.5)
    assert caught.value.kind is UpstreamFailure.UNREACHABLE
    assert "\n" not in str(caught.value)
