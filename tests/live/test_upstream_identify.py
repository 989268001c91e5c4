"""identify(): every spelling of one upstream video names it the same way; ids always fit."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ptsync.live.upstream import external_id, identify
from ptsync.live.upstream.identify import full_uuid
from ptsync.marker import ID_PATTERN
from ptsync.shortuuid import to_short

YT = "dQw4w9WgXcQ"
UUID = "ba8ef0d1-a74d-4c1e-9990-d66fe0ac3d0b"
SHORT = "p39xq7yxyZDWuB5vNzRNdB"  # recorded: the shortUUID PeerTube 8.0.1 gave that uuid


@pytest.mark.parametrize(
    "url",
    [
        f"https://www.youtube.com/watch?v={YT}",
        f"https://youtube.com/watch?v={YT}&t=42s",
        f"http://www.youtube.com/watch?feature=share&v={YT}",
        f"https://m.youtube.com/watch?v={YT}",
        f"https://youtu.be/{YT}",
        f"https://youtu.be/{YT}?si=abc",
        f"https://www.youtube.com/shorts/{YT}",
        f"https://www.youtube.com/embed/{YT}",
        f"https://www.youtube.com/watch?v={YT}#__youtubedl_smuggle=%7B%22referer%22%3A+%22x%22%7D",
    ],
)
def test_every_youtube_spelling_is_one_id(url):
    pytest.importorskip("yt_dlp")
    assert identify(url) == f"youtube:{YT}"


def test_a_recorded_sync_import_is_the_feed_item_it_came_from():
    recorded = (
        "http://127.0.0.1:8765/small.mp4?feed=1"
        "#__youtubedl_smuggle=%7B%22force_videoid%22%3A+%22lab-1%22%7D"
    )
    assert identify(recorded) == "feed:lab-1"
    assert identify("http://127.0.0.1:8765/small.mp4?feed=1") is None  # no guid: no identity


def test_the_smuggled_form_is_yt_dlps_own():
    yt_dlp = pytest.importorskip("yt_dlp")
    url = yt_dlp.utils.smuggle_url("https://cdn.example.org/a.mp4", {"force_videoid": "g/1 2"})
    assert identify(url) == external_id("feed", "g/1 2")
    assert yt_dlp.utils.unsmuggle_url(url)[1] == {"force_videoid": "g/1 2"}


@pytest.mark.parametrize(
    "url",
    [
        f"https://Videos.Example.org/videos/watch/{UUID}",
        f"https://videos.example.org/w/{SHORT}",
        f"https://videos.example.org/w/{UUID}?start=10",
        f"https://videos.example.org/videos/embed/{SHORT}",
        f"https://videos.example.org/api/v1/videos/{UUID}",
        f"peertube:videos.example.org:{UUID}",
    ],
)
def test_every_peertube_spelling_on_any_host_is_one_id(url):
    assert identify(url) == f"peertube:videos.example.org:{UUID}"


def test_short_uuids_round_trip():
    assert full_uuid(SHORT) == UUID
    assert to_short(UUID) == SHORT


@pytest.mark.parametrize(
    "url",
    [
        "https://cdn.example.org/media/lecture.mp4",
        "https://videos.example.org/w/p/hFdJoTuyhNJVa1cDWd1d12",  # a PeerTube playlist
        "https://www.youtube.com/@university/videos",  # a channel, not a video
        "ftp://example.org/a.mp4",
        "not a url",
    ],
)
def test_non_videos_have_no_identity(url):
    pytest.importorskip("yt_dlp")
    assert identify(url) is None


def test_ids_outside_the_pattern_are_mapped_readably_and_apart():
    first = external_id("feed", "https://example.org/?p=1")
    second = external_id("feed", "https://example.org/&p=1")
    assert first != second
    assert first.startswith("feed:https:_example.org_p_1+")
    assert external_id("feed", "https://example.org/?p=1") == first  # stable
    assert external_id("feed", "a--b") != "feed:a--b"  # "--" would end the marker comment
    assert external_id("youtube", YT) == f"youtube:{YT}"  # fitting ids stay as they are


@given(st.text(min_size=1, max_size=300))
def test_any_raw_id_becomes_a_valid_ptsync_id(raw):
    made = external_id("feed", raw)
    assert len(made) <= 100
    assert re.fullmatch(ID_PATTERN, made)
