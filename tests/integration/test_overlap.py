"""Issue 25: a run's start-up requests do not wait for each other where nothing needs them to.

The fake takes a (virtual) second over the login, ``/users/me``, each list page and the
playlist listing, half a second over the vocabularies and ``/config``, a tenth over each
detail, as a slow real server would (``service_time``). The fake runs on a manual ``FakeClock``: while the
test holds time still, what the fake has answered and how many requests wait for their time
show what was sent together; no wall-clock bound. The requests are
the ones ``test_request_counts.py`` counts; only their order in time changes.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from ptsync.clock import FakeClock
from ptsync.marker import Marker, compose_description
from ptsync.session import Options, Run
from ptsync.testing import FakePeerTube
from ptsync.testing.service import VOCABULARIES, ServiceTime

USER, PASSWORD, SYSTEM = "alice", "pw-alice-1", "nisv"
N = 250  # three list pages
SLOW = ServiceTime.of(
    {
        "GET /api/v1/config": 0.5,
        "GET /api/v1/videos/categories": 0.5,
        "GET /api/v1/videos/licences": 0.5,
        "GET /api/v1/videos/languages": 0.5,
        "GET /api/v1/videos/privacies": 0.5,
        "GET /api/v1/video-playlists/privacies": 0.5,
        "POST /api/v1/users/token": 1.0,
        "GET /api/v1/users/me": 1.0,
        "GET /api/v1/users/me/videos": 1.0,
        "GET /api/v1/accounts/*/video-playlists": 1.0,
        "GET /api/v1/videos/*": 0.1,  # details
    }
)
PUBLIC = VOCABULARIES  # /config and the five vocabularies: public, asked together


@pytest.fixture(params=["6.3", "8.0"])
def slow(request, tmp_path, monkeypatch) -> Iterator[FakePeerTube]:
    """The fake on a manual clock: an answer with a service time waits for ``advance``."""
    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
    clock = FakeClock(auto=False)
    with FakePeerTube(
        rate_limit=None,
        login_rate_limit=None,
        version=request.param,
        clock=clock,
        service_time=SLOW,
    ) as server:
        server.add_user(USER, PASSWORD)
        for i in range(N):
            text = compose_description(Marker(SYSTEM, f"v{i}"), f"Text {i}.")
            server.add_video(USER, name=f"Video {i}", description=text, privacy=1, tags=["aa"])
        yield server


def manifest(tmp_path: Path) -> Path:
    """All N videos with their tags: one detail GET each on a cold plan."""
    entries = "".join(
        f"  - {{id: v{i}, source: {{url: 'https://x.org/{i}.mp4'}}, name: Video {i}, tags: [aa]}}\n"
        for i in range(N)
    )
    path = tmp_path / "videos.yaml"
    path.write_text(f"apiVersion: ptsync/v1\nsystem: {SYSTEM}\nvideos:\n{entries}")
    return path


def start_plan(fake: FakePeerTube, path: Path, **options: object) -> Future[int]:
    """A plan on the fake's clock, in a thread of its own; its result: the unchanged count."""
    env = {"PEERTUBE_URL": fake.url, "PEERTUBE_USERNAME": USER, "PEERTUBE_PASSWORD": PASSWORD}

    def run() -> int:
        with Run([str(path)], Options(env=env, rate_limit=None, **options), clock=clock) as run:
            (planned,) = run.plan()
        assert not planned.plan.has_changes
        return planned.plan.summary.unchanged

    clock = manual(fake)
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        return pool.submit(run)
    finally:
        pool.shutdown(wait=False)


def finish(fake: FakePeerTube, planned: Future[int]) -> None:
    manual(fake).auto = True  # the rest (details) on its own
    assert planned.result(timeout=60) == N


def manual(fake: FakePeerTube) -> FakeClock:
    assert isinstance(fake.clock, FakeClock)
    return fake.clock


def answered(fake: FakePeerTube) -> set[str]:
    """What the fake has answered so far, as ``METHOD path?start=``."""
    return {
        f"{r.method} {r.path}" + (f"?{r.query['start']}" if "start" in r.query else "")
        for r in fake.requests
    }


def test_a_cold_plan_reads_the_vocabularies_together_and_the_pages_together(slow, tmp_path):
    fake, clock = slow, manual(slow)
    planned = start_plan(fake, manifest(tmp_path))
    # first the login and /users/me alone (1 s each): a dead server costs one request's retries
    fake.wait_for_requests(lambda records: "GET /api/v1/oauth-clients/local" in answered(fake))
    clock.wait_for_sleepers(1)
    assert answered(fake) == {"GET /api/v1/oauth-clients/local"} and clock.elapsed == 0
    clock.advance(1.0)
    clock.wait_for_sleepers(1)
    assert "GET /api/v1/users/me" not in answered(fake)
    clock.advance(1.0)
    # /users/me answered: the six public requests (half a second each), four at a time
    clock.wait_for_sleepers(4)
    assert not {f"GET {path}" for path in PUBLIC} & answered(fake)
    clock.advance(0.5)
    clock.wait_for_sleepers(2)
    clock.advance(0.5)
    # then the first page and the playlist listing together
    clock.wait_for_sleepers(2)
    assert {f"GET {path}" for path in PUBLIC} <= answered(fake)
    clock.advance(1.0)
    # the first page said 250: pages 2 and 3 go together
    clock.wait_for_sleepers(2)
    assert {"GET /api/v1/users/me/videos?0"} <= answered(fake)
    assert f"GET /api/v1/accounts/{USER}/video-playlists?0" in answered(fake)
    assert not {"GET /api/v1/users/me/videos?100", "GET /api/v1/users/me/videos?200"} & answered(
        fake
    )
    clock.advance(1.0)
    pages = {f"GET /api/v1/users/me/videos?{start}" for start in (0, 100, 200)}
    fake.wait_for_requests(lambda records: pages <= answered(fake))
    finish(fake, planned)
    assert len(fake.requests) == 2 + 7 + 3 + 1 + N  # login, vocabularies, pages, playlists, details


def test_a_warm_plan_lists_the_videos_and_the_playlists_together(slow, tmp_path):
    fake, clock = slow, manual(slow)
    path = manifest(tmp_path)
    finish(fake, start_plan(fake, path))
    clock.auto = False
    fake.clear_requests()
    planned = start_plan(fake, path)
    clock.wait_for_sleepers(1)  # /config: is the cached vocabulary the server's version's?
    clock.advance(0.5)
    clock.wait_for_sleepers(2)  # the first page and the playlist listing, at once
    assert answered(fake) == {"GET /api/v1/config"}
    clock.advance(1.0)
    clock.wait_for_sleepers(2)  # pages 2 and 3, at once
    clock.advance(1.0)
    finish(fake, planned)
    assert len(fake.requests) == 1 + 3 + 1  # /config, the pages, the playlists: no details


def test_with_parallelism_one_the_pages_go_one_after_another(slow, tmp_path):
    fake, clock = slow, manual(slow)
    clock.auto = True
    finish(fake, start_plan(fake, manifest(tmp_path), parallelism=1))
    pages = sorted(
        (r for r in fake.requests if r.path == "/api/v1/users/me/videos"),
        key=lambda r: int(r.query["start"]),
    )
    assert [int(p.query["start"]) for p in pages] == [0, 100, 200]
    assert all((a.finished or 0) <= b.started for a, b in itertools.pairwise(pages))
    assert len(fake.requests) == 2 + 7 + 3 + 1 + N


def test_the_last_window_s_writes_go_with_the_full_parallelism(tmp_path, monkeypatch):
    """A rule update of 120 videos as an ordinary user (50 requests a window): in every window,
    the last one too, the PUTs go four at a time (each takes the server 0.17 s), so the last
    window's writes end ceil(n / 4) service times after its first; nothing is sent one by one
    at the end. Read from the fake's log on its clock."""
    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
    clock = FakeClock()
    put = 0.17
    with FakePeerTube(
        rate_limit=(50, 10.0),
        login_rate_limit=None,
        clock=clock,
        service_time=ServiceTime.of({"PUT /api/v1/videos/*": put}),
    ) as fake:
        fake.add_user(USER, PASSWORD)
        for i in range(120):
            fake.add_video(USER, name=f"Video {i}", privacy=1, category=15)
        path = tmp_path / "rule.yaml"
        path.write_text(
            f"apiVersion: ptsync/v1\nsystem: {SYSTEM}\nrules:\n"
            f"  - match: {{channel: {USER}_channel}}\n    set: {{category: Education}}\n"
            "videos: []\n"
        )
        env = {"PEERTUBE_URL": fake.url, "PEERTUBE_USERNAME": USER, "PEERTUBE_PASSWORD": PASSWORD}
        with Run([str(path)], Options(env=env, force=True), clock=clock) as run:
            planned = run.plan()
            run.check_safety(planned)
            (report,) = run.apply(planned)
        assert report.count("update") == 120 and not report.failed
        puts = sorted((r for r in fake.requests if r.method == "PUT"), key=lambda r: r.started)
    assert len(puts) == 120 and all(r.status == 204 for r in puts)
    last = [r for r in puts if r.started >= puts[-1].started - 5.0]  # the last window's
    assert len(last) == len(puts) - 38 - 50  # 12 requests before the first PUT

    def in_flight(at: float) -> int:
        return sum(1 for r in last if r.started <= at < (r.finished or r.started))

    assert max(in_flight(r.started) for r in last) == 4
    ends = max(r.finished or 0 for r in last)
    # four at a time: ceil(n / 4) service times (1.36 s); two at a time would be twice that,
    # one by one 5.4 s. Two service times of slack: on a busy machine the virtual clock may
    # move on while a worker that just got its answer has not yet sent its next PUT.
    assert ends - last[0].started <= (math.ceil(len(last) / 4) + 2) * put + 0.01
