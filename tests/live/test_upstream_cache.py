"""The listing cache is an accelerator: fresh hits skip the source, nothing else changes."""

from __future__ import annotations

import json

import pytest

from ptsync.live.upstream import ListingCache, list_upstream

pytest.importorskip("yt_dlp")


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def cache(tmp_path, clock):
    return ListingCache(tmp_path / "upstream", ttl=600, clock=clock)


def test_a_fresh_listing_is_reused_and_an_old_one_is_not(upstream, cache, clock):
    upstream.add("a")
    upstream.add("b", state="private")
    url = upstream.url + "/feed.xml"
    first = list_upstream(url, cache=cache)
    assert upstream.count() == 1 and not first.from_cache
    clock.now += 599
    again = list_upstream(url, cache=cache)
    assert upstream.count() == 1 and again.from_cache
    assert (again.entries, again.problems) == (first.entries, first.problems)
    clock.now += 1
    upstream.add("c")
    later = list_upstream(url, cache=cache)
    assert upstream.count() == 2 and not later.from_cache
    assert [e.external_id for e in later.entries] == ["feed:c", "feed:a"]


def test_since_and_limit_are_part_of_the_key(upstream, cache):
    upstream.add_many(5)
    url = upstream.url + "/feed.xml"
    assert len(list_upstream(url, cache=cache).entries) == 5
    assert len(list_upstream(url, limit=2, cache=cache).entries) == 2
    assert upstream.count() == 2


def test_deleting_or_breaking_the_cache_changes_nothing(upstream, cache, tmp_path):
    upstream.add_many(3)
    url = upstream.url + "/feed.xml"
    first = list_upstream(url, cache=cache)
    (stored,) = (tmp_path / "upstream").iterdir()
    stored.write_text("{not json")
    assert list_upstream(url, cache=cache).entries == first.entries
    for path in (tmp_path / "upstream").iterdir():
        path.unlink()
    assert list_upstream(url, cache=cache).entries == first.entries
    assert list_upstream(url).entries == first.entries  # no cache at all
    assert upstream.count() == 4


def test_a_clock_set_back_is_a_miss(upstream, cache, clock):
    upstream.add("a")
    url = upstream.url + "/feed.xml"
    list_upstream(url, cache=cache)
    clock.now -= 10
    assert not list_upstream(url, cache=cache).from_cache


def test_listings_with_secrets_are_never_written(upstream, cache, tmp_path):
    upstream.add("a")
    list_upstream(upstream.url + "/feed.xml?token=s3cr3t", cache=cache)
    assert not (tmp_path / "upstream").exists() or not any((tmp_path / "upstream").iterdir())
    list_upstream(upstream.url + "/feed.xml", cache=cache)
    (stored,) = (tmp_path / "upstream").iterdir()
    assert upstream.url.split("//")[1] in json.loads(stored.read_text())["entries"][0]["url"]
    assert "s3cr3t" not in stored.read_text()
