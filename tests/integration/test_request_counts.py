"""Exact request counts (issue 4): what a plan and an apply cost, cold and warm.

110 videos carry this system's marker (two list pages, the second holding 10); 11 of them
(every tenth) lack the tag ``bb`` that the manifest wants, so a plan that manages tags has 11
updates, and one that gets the tags wrong shows it. The fake has no rate limit and ptsync's limiter is off: only counts
are asserted, never wall-clock time.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from ptsync.marker import Marker, compose_description
from ptsync.render.json import render_json
from ptsync.session import Options, Run
from ptsync.testing import FakePeerTube

USER, PASSWORD, SYSTEM = "alice", "pw-alice-1", "nisv"
N = 110
PAGES = 2  # ceil(110 / 100): /users/me/videos pages of 100, the last one partly filled
LACKING_TAG = range(0, N, 10)  # 11 videos tagged [aa] where the manifest says [aa, bb]

LIST = ("GET", "/api/v1/users/me/videos")
CONFIG = ("GET", "/api/v1/config")  # serverVersion, read on every plan (issue 24.4)
PLAYLISTS = ("GET", "/api/v1/accounts/alice/video-playlists")  # owned ones the manifest lacks
DETAIL = ("GET", "/api/v1/videos/{uuid}")
LOGIN = Counter({("GET", "/api/v1/oauth-clients/local"): 1, ("POST", "/api/v1/users/token"): 1})
VOCABULARY = Counter(
    {
        ("GET", "/api/v1/videos/categories"): 1,
        ("GET", "/api/v1/videos/licences"): 1,
        ("GET", "/api/v1/videos/languages"): 1,
        ("GET", "/api/v1/videos/privacies"): 1,
        ("GET", "/api/v1/video-playlists/privacies"): 1,
        ("GET", "/api/v1/users/me"): 1,  # the user's channels
        CONFIG: 1,  # serverVersion, which the cached copy is checked against when warm
    }
)
# A warm plan: the list pages, the playlist listing and /config, whose serverVersion picks the
# behaviour and must equal the cached vocabularies' (an upgrade refetches them).
WARM = Counter({LIST: PAGES, PLAYLISTS: 1, CONFIG: 1})
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def fake(request, tmp_path, monkeypatch):
    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
    version = getattr(request, "param", "6.3")  # parametrised by tests/integration/conftest.py
    with FakePeerTube(rate_limit=None, login_rate_limit=None, version=version) as server:
        server.add_user(USER, PASSWORD)
        for i in range(N):
            server.add_video(
                USER,
                name=f"Video {i}",
                description=compose_description(Marker(SYSTEM, f"v{i}"), f"Text {i}."),
                privacy=1,
                tags=["aa"] if i in LACKING_TAG else ["aa", "bb"],
            )
        yield server


@pytest.fixture
def cache(tmp_path) -> Path:
    return tmp_path / "cache"


def manifest(tmp_path: Path, *, tags: bool = False, renamed: int = 0) -> Path:
    """All N videos with list-only fields (name, privacy), optionally tags (details needed)."""
    lines = [f"apiVersion: ptsync/v1\nsystem: {SYSTEM}\nvideos:\n"]
    for i in range(N):
        name = f"Video {i} v2" if i < renamed else f"Video {i}"
        lines.append(
            f"  - id: v{i}\n    source: {{url: 'https://x.org/{i}.mp4'}}\n"
            f"    name: {name}\n    privacy: Public\n"
        )
        if tags:
            lines.append("    tags: [aa, bb]\n")
    path = tmp_path / f"videos-{tags}-{renamed}.yaml"
    path.write_text("".join(lines))
    return path


def options(fake: FakePeerTube, **extra) -> Options:
    env = {"PEERTUBE_URL": fake.url, "PEERTUBE_USERNAME": USER, "PEERTUBE_PASSWORD": PASSWORD}
    return Options(env=env, rate_limit=None, **extra)


def plan(fake: FakePeerTube, path: Path, **extra) -> str:
    """One plan run from scratch (new process state, cache from disk); the plan document."""
    with Run([str(path)], options(fake, **extra)) as run:
        return render_json([group.plan for group in run.plan()])


def sent(fake: FakePeerTube) -> Counter:
    """Requests since the last clear, by (method, path with uuids folded); all answered 200."""
    records = fake.requests
    assert all(200 <= r.status < 300 for r in records), [(r.path, r.status) for r in records]
    return Counter((r.method, UUID.sub("{uuid}", r.path)) for r in records)


def cold_cost(*, details: int = 0) -> Counter:
    return LOGIN + VOCABULARY + Counter({LIST: PAGES, PLAYLISTS: 1, DETAIL: details})


def test_cold_plan_of_list_fields_lists_pages_logs_in_and_reads_vocabularies_once(fake, tmp_path):
    document = plan(fake, manifest(tmp_path))
    assert f'"unchanged": {N}' in document and '"update": 0' in document
    assert sent(fake) == cold_cost()
    assert len(fake.requests) == PAGES + 1 + 2 + 7


def test_warm_plan_sends_the_list_pages_the_playlist_listing_and_config(fake, tmp_path):
    path = manifest(tmp_path)
    cold = plan(fake, path)
    fake.clear_requests()
    assert plan(fake, path) == cold
    assert sent(fake) == WARM
    assert len(fake.requests) == PAGES + 2


def test_tags_cost_one_detail_get_per_video_cold_and_none_warm(fake, tmp_path):
    path = manifest(tmp_path, tags=True)
    cold = plan(fake, path)
    assert f'"update": {len(LACKING_TAG)}' in cold
    assert sent(fake) == cold_cost(details=N)
    assert len({r.path for r in fake.requests if UUID.search(r.path)}) == N  # each video once
    fake.clear_requests()
    assert plan(fake, path) == cold
    assert sent(fake) == WARM


def test_deleting_the_cache_dir_gives_the_same_plan_at_the_cold_cost(fake, tmp_path, cache):
    path = manifest(tmp_path, tags=True)
    reference = plan(fake, path)
    shutil.rmtree(cache)
    fake.clear_requests()
    assert plan(fake, path) == reference
    assert sent(fake) == cold_cost(details=N)


def test_use_cache_false_bypasses_every_cache_the_token_included(fake, tmp_path, cache):
    path = manifest(tmp_path, tags=True)
    reference = plan(fake, path)
    fake.clear_requests()
    assert plan(fake, path, use_cache=False) == reference
    assert sent(fake) == cold_cost(details=N)  # a login too: --no-cache skips the token cache
    fake.clear_requests()  # the caches, the token's included, are left intact
    assert plan(fake, path) == reference
    assert sent(fake) == WARM


GARBAGE = {
    "binary": b"\x00\xff\xfe not even utf-8",
    "truncated": b'{"version": 1, "entr',
    "wrong-shape": b"[]",
}


def test_a_corrupt_cache_changes_no_plan(fake, tmp_path, cache):
    """Each kind of garbage in turn, written over every cache file; the warm plan after each
    leaves the cache whole, as a first plan would, before the next kind."""
    path = manifest(tmp_path, tags=True)
    reference = plan(fake, path)
    for kind, garbage in GARBAGE.items():
        files = [p for p in cache.rglob("*") if p.is_file()]
        assert {p.parent.name for p in files} == {"details", "tokens", "vocabularies", cache.name}
        for file in files:
            file.write_bytes(garbage)
        fake.clear_requests()
        assert plan(fake, path) == reference, kind
        assert sent(fake) == cold_cost(details=N), kind  # everything refetched, nothing trusted
        fake.clear_requests()
        assert plan(fake, path) == reference, kind  # and the cache is whole again
        assert sent(fake) == WARM, kind


def test_apply_of_ten_renames_sends_exactly_ten_puts(fake, tmp_path):
    path = manifest(tmp_path, renamed=10)
    with Run([str(path)], options(fake)) as run:
        planned = run.plan()
        assert planned[0].plan.summary.update == 10
        fake.clear_requests()
        report = run.apply(planned)[0]
    assert (report.count("update"), report.failed) == (10, 0)
    assert sent(fake) == Counter({("PUT", "/api/v1/videos/{uuid}"): 10})
    renamed = {v["name"] for v in fake.videos(USER) if v["name"].endswith(" v2")}
    assert renamed == {f"Video {i} v2" for i in range(10)}
    fake.clear_requests()
    assert '"update": 0' in plan(fake, path)
    assert sent(fake) == WARM


def test_after_an_apply_the_next_plan_is_warm_and_a_later_edit_costs_one_detail(
    fake, tmp_path, cache
):
    """Issue 20 item 3. Every PUT bumps updatedAt, the detail cache's key; apply knows what
    it wrote and learns the new updatedAt with one listing (2 pages for 11 updates), so the
    next plan sends no detail GET. A web-UI edit afterwards bumps updatedAt again: exactly
    that video is fetched, and the drift shows. A cold plan agrees with every warm one."""
    path = manifest(tmp_path, tags=True)
    with Run([str(path)], options(fake)) as run:
        planned = run.plan()
        fake.clear_requests()
        report = run.apply(planned)[0]
    assert (report.count("update"), report.failed) == (len(LACKING_TAG), 0)
    assert sent(fake) == Counter({("PUT", "/api/v1/videos/{uuid}"): len(LACKING_TAG), LIST: PAGES})

    fake.clear_requests()
    warm = plan(fake, path)
    assert '"update": 0' in warm
    assert sent(fake) == WARM  # no detail GET after the apply

    edited = next(v for v in fake.videos(USER) if v["name"] == "Video 10")  # one apply updated
    fake.edit_video(edited["uuid"], tags=["aa", "cc"])
    fake.clear_requests()
    drifted = plan(fake, path)
    assert '"update": 1' in drifted and edited["uuid"] in drifted
    assert sent(fake) == WARM + Counter({DETAIL: 1})
    assert [r.path for r in fake.requests if UUID.search(r.path)] == [
        f"/api/v1/videos/{edited['uuid']}"
    ]
    shutil.rmtree(cache)
    assert plan(fake, path) == drifted  # the cache changed nothing


def test_an_apply_with_few_updates_among_many_videos_does_not_list_again(fake, tmp_path):
    """Listing 2 pages to save 2 detail GETs would save nothing: not done (only a listing that
    costs fewer requests than the details it saves is made)."""
    path = manifest(tmp_path, tags=True)
    with Run([str(path)], options(fake)) as run:
        run.apply(run.plan())
    for video in fake.videos(USER)[:2]:
        fake.edit_video(video["uuid"], tags=["zz"])
    with Run([str(path)], options(fake)) as run:
        planned = run.plan()
        assert planned[0].plan.summary.update == 2
        fake.clear_requests()
        run.apply(planned)
    assert sent(fake) == Counter({("PUT", "/api/v1/videos/{uuid}"): 2})


def test_a_well_formed_but_wrong_detail_cache_changes_no_plan(fake, tmp_path, cache):
    import json

    path = manifest(tmp_path, tags=True)
    reference = plan(fake, path)
    (details,) = (cache / "details").iterdir()
    data = json.loads(details.read_text())
    for entry in data["entries"].values():
        entry["fields"]["tags"] = "aa"
    details.write_text(json.dumps(data))
    assert plan(fake, path) == reference
