"""Exact request counts (issue 4): what a plan costs, cold and warm, over 250 managed videos."""

from __future__ import annotations

import re
import shutil

import pytest

from ptsync.marker import Marker, compose_description
from ptsync.testing import FakePeerTube
from tests.fakeenv import point_at

DETAIL = re.compile(r"^/api/v1/videos/[0-9a-f-]{36}$")
FAST = ("--rate-limit", "off")  # the fake has no limit here; the limiter has its own tests
N = 250
PAGES = 3  # ceil(250 / 100)
LOGIN = {("GET", "/api/v1/oauth-clients/local"), ("POST", "/api/v1/users/token")}
VOCABULARY = {
    ("GET", "/api/v1/videos/categories"),
    ("GET", "/api/v1/videos/licences"),
    ("GET", "/api/v1/videos/languages"),
    ("GET", "/api/v1/videos/privacies"),
    ("GET", "/api/v1/video-playlists/privacies"),
    ("GET", "/api/v1/users/me"),
}


@pytest.fixture
def seeded(tmp_path, monkeypatch):
    with FakePeerTube(rate_limit=None, login_rate_limit=None) as fake:
        fake.add_user("alice", "pw-alice-1")
        for i in range(N):
            description = compose_description(Marker("nisv", f"v{i}"), f"Text {i}.")
            fake.add_video("alice", name=f"Video {i}", description=description, tags=["aa", "bb"])
        point_at(monkeypatch, fake, tmp_path / "cache")
        yield fake


def manifest(tmp_path, *, tags: bool, rename: int = 0):
    lines = ["apiVersion: ptsync/v1\nsystem: nisv\nvideos:\n"]
    for i in range(N):
        name = f"Video {i} v2" if i < rename else f"Video {i}"
        extra = ", tags: [aa, bb]" if tags else ""
        lines.append(
            f"  - {{id: v{i}, source: {{url: 'https://x.org/{i}.mp4'}}, name: {name}, privacy: Public{extra}}}\n"
        )
    path = tmp_path / f"m-{tags}-{rename}.yaml"
    path.write_text("".join(lines))
    return path


def details(fake):
    return sum(1 for r in fake.requests if r.method == "GET" and DETAIL.match(r.path))


def calls(fake):
    return sorted((r.method, r.path) for r in fake.requests)


def test_cold_plan_lists_pages_logs_in_and_reads_vocabularies_once(seeded, tmp_path, cli):
    result = cli("plan", str(manifest(tmp_path, tags=False)), *FAST)
    assert "No changes. 250 videos" in result.out
    seen = calls(seeded)
    assert seen.count(("GET", "/api/v1/users/me/videos")) == PAGES
    assert set(seen) == {("GET", "/api/v1/users/me/videos")} | LOGIN | VOCABULARY
    assert len(seen) == PAGES + len(LOGIN) + len(VOCABULARY)


def test_warm_plan_costs_only_the_list_pages(seeded, tmp_path, cli):
    path = manifest(tmp_path, tags=False)
    cli("plan", str(path), *FAST)
    seeded.clear_requests()
    assert "No changes." in cli("plan", str(path), *FAST).out
    assert calls(seeded) == [("GET", "/api/v1/users/me/videos")] * PAGES


def test_tags_need_one_detail_get_per_video_then_come_from_the_cache(seeded, tmp_path, cli):
    path = manifest(tmp_path, tags=True)
    first = cli("plan", str(path), *FAST).out
    assert details(seeded) == N
    seeded.clear_requests()
    assert cli("plan", str(path), *FAST).out == first
    assert calls(seeded) == [("GET", "/api/v1/users/me/videos")] * PAGES


def test_cache_is_only_an_accelerator(seeded, tmp_path, cli):
    path = manifest(tmp_path, tags=True)
    reference = cli("plan", str(path), *FAST, "--format", "json").out
    for cache_file in (tmp_path / "cache").rglob("*.json"):
        cache_file.write_text("{not json")
    assert cli("plan", str(path), *FAST, "--format", "json").out == reference
    shutil.rmtree(tmp_path / "cache")
    assert cli("plan", str(path), *FAST, "--format", "json").out == reference
    seeded.clear_requests()
    assert cli("plan", str(path), *FAST, "--format", "json", "--no-cache").out == reference
    assert details(seeded) == N


def test_apply_of_ten_changes_sends_exactly_ten_puts(seeded, tmp_path, cli):
    path = manifest(tmp_path, tags=False, rename=10)
    cli("plan", str(path), *FAST)
    seeded.clear_requests()
    assert "10 updated" in cli("apply", str(path), "--auto-approve", *FAST).out
    assert seeded.count("PUT") == 10
    assert seeded.count() == PAGES + 10
