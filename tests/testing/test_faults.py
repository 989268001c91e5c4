"""Fault injection and the request log. The fake runs on a manual ``FakeClock``: latency and
slow answers last until the test moves time."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from ptsync.clock import FakeClock
from ptsync.testing import FakePeerTube, RequestRecord
from tests.testing.conftest import VIDEO_FILE, Api, channel_id, seed_users


@pytest.fixture()
def fake() -> Iterator[FakePeerTube]:
    clock = FakeClock(auto=False)
    with FakePeerTube(
        rate_limit=None, login_rate_limit=None, import_duration=None, clock=clock
    ) as server:
        seed_users(server)
        yield server


def _get(fake: FakePeerTube, path: str = "/api/v1/config", **kwargs: object) -> requests.Response:
    return requests.get(fake.url + path, timeout=kwargs.pop("timeout", 5), **kwargs)  # type: ignore[arg-type]


def test_request_log_records_every_request(fake: FakePeerTube) -> None:
    api = Api(fake.url).login("alice", "secret")
    fake.clear_requests()
    api.get("/api/v1/users/me/videos", params={"count": 5})
    api.get("/api/v1/videos/00000000-0000-4000-8000-000000000000")
    records = fake.requests
    assert [r.status for r in records] == [200, 404]
    first = records[0]
    assert isinstance(first, RequestRecord)
    assert (first.method, first.path, first.query) == (
        "GET",
        "/api/v1/users/me/videos",
        {"count": "5"},
    )
    assert first.username == "alice" and first.fault is None
    assert first.started <= records[1].started
    assert fake.count() == 2
    assert fake.count("GET", "/api/v1/videos/*") == 1
    assert fake.count("get", "/api/v1/users/me/videos") == 1
    assert fake.count("PUT") == 0
    fake.clear_requests()
    assert fake.requests == []


def test_injected_status_hits_only_matching_requests_then_stops(fake: FakePeerTube) -> None:
    fake.faults.inject(503, method="GET", path="/api/v1/config", times=2)
    assert _get(fake, "/api/v1/videos/categories").status_code == 200
    assert [_get(fake).status_code for _ in range(3)] == [503, 503, 200]
    assert [r.fault for r in fake.requests] == [None, "503", "503", None]
    assert fake.faults.pending == []


def test_injected_429_looks_like_the_real_one(fake: FakePeerTube) -> None:
    fake.faults.inject("429")
    response = _get(fake)
    assert response.status_code == 429
    assert response.text == "Too many requests, please try again later."
    assert response.headers["Retry-After"] == "1"
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"


def test_drop_closes_without_answer(fake: FakePeerTube) -> None:
    fake.faults.inject("drop", path="/api/v1/config")
    with pytest.raises(requests.ConnectionError):
        _get(fake)
    assert _get(fake).status_code == 200
    dropped = fake.requests[0]
    assert dropped.status == 0 and dropped.fault == "drop"


def test_slow_answers_after_the_client_gave_up(fake: FakePeerTube) -> None:
    fake.faults.slow_seconds = 0.4
    fake.faults.inject("slow")
    with pytest.raises(requests.Timeout):
        _get(fake, timeout=0.1)
    assert fake.requests == []  # logged when answered
    fake.clock.advance(0.4)
    assert fake.requests[0].fault == "slow" and fake.requests[0].status == 200


def test_after_fault_applies_the_change_but_loses_the_answer(fake: FakePeerTube) -> None:
    api = Api(fake.url).login("alice", "secret")
    uuid = fake.add_video("alice", name="Before", privacy=1)["uuid"]
    fake.faults.inject(502, method="PUT", path="/api/v1/videos/*", when="after")
    response = api.put(f"/api/v1/videos/{uuid}", json={"name": "After"})
    assert response.status_code == 502
    assert fake.video(uuid)["name"] == "After"  # type: ignore[index]
    fake.faults.inject("drop", method="POST", path="/api/v1/videos/upload", when="after")
    fields = {"channelId": channel_id(fake, "alice_videos"), "name": "Created anyway"}
    with pytest.raises(requests.ConnectionError):
        api.post("/api/v1/videos/upload", data=fields, files={"videofile": VIDEO_FILE})
    assert [v["name"] for v in fake.videos("alice")].count("Created anyway") == 1
    assert fake.count("POST", "/api/v1/videos/upload") == 1


def test_random_faults_are_reproducible_with_a_seed(fake: FakePeerTube) -> None:
    def run() -> list[int]:
        fake.faults.seed = 1234
        fake.faults.error_rate = 0.5
        fake.faults.error_statuses = (500, 503)
        return [_get(fake).status_code for _ in range(20)]

    first, second = run(), run()
    assert first == second
    assert {500, 503, 200} >= set(first) and 200 in first and len(set(first)) > 1


def test_random_faults_respect_path_globs(fake: FakePeerTube) -> None:
    fake.faults.error_rate = 1.0
    fake.faults.paths = ["/api/v1/videos/*"]
    assert _get(fake).status_code == 200
    assert _get(fake, "/api/v1/videos/categories").status_code in (500, 502, 503)
    fake.faults.clear()
    assert _get(fake, "/api/v1/videos/categories").status_code == 200


def test_rate_limited_rate_and_drop_rate(fake: FakePeerTube) -> None:
    fake.faults.rate_limited_rate = 1.0
    assert _get(fake).status_code == 429
    fake.faults.clear()
    fake.faults.drop_rate = 1.0
    with pytest.raises(requests.ConnectionError):
        _get(fake)


def test_latency_delays_api_requests_only(fake: FakePeerTube) -> None:
    assert isinstance(fake.clock, FakeClock)
    fake.faults.latency = 0.15
    with ThreadPoolExecutor(max_workers=1) as pool:
        api = pool.submit(_get, fake)
        fake.clock.wait_for_sleepers(1)
        assert requests.get(fake.url + "/", timeout=5).status_code == 404  # answered at once
        assert not api.done()
        fake.clock.advance(0.1)
        assert not api.done()
        fake.clock.advance(0.05)
        assert api.result(timeout=5).status_code == 200


def test_bad_injections_are_refused(fake: FakePeerTube) -> None:
    with pytest.raises(ValueError):
        fake.faults.inject("explode")
    with pytest.raises(ValueError):
        fake.faults.inject(500, when="during")


def test_lost_answer_to_the_last_chunk_is_safe_to_retry(fake: FakePeerTube) -> None:
    api = Api(fake.url).login("alice", "secret")
    init = api.post(
        "/api/v1/videos/upload-resumable",
        json={
            "channelId": channel_id(fake, "alice_videos"),
            "name": "Lost answer",
            "filename": "l.mp4",
        },
        headers={"X-Upload-Content-Length": "100", "X-Upload-Content-Type": "video/mp4"},
    )
    url = "http:" + init.headers["Location"]
    headers = {"Authorization": f"Bearer {api.token}", "Content-Range": "bytes 0-99/100"}
    fake.faults.inject("drop", method="PUT", path="/api/v1/videos/upload-resumable", when="after")
    with pytest.raises(requests.ConnectionError):
        requests.put(url, data=b"z" * 100, headers=headers, timeout=5)
    retried = requests.put(url, data=b"z" * 100, headers=headers, timeout=5)
    assert retried.status_code == 200
    assert [v["name"] for v in fake.videos("alice")].count("Lost answer") == 1
    assert fake.video(retried.json()["video"]["uuid"]) is not None


def test_latency_is_not_serialised_across_concurrent_requests(fake: FakePeerTube) -> None:
    assert isinstance(fake.clock, FakeClock)
    fake.faults.latency = 0.2
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = [pool.submit(_get, fake) for _ in range(8)]
        fake.clock.wait_for_sleepers(8)  # all eight wait out their latency at once
        fake.clock.advance(0.2)
        assert [a.result(timeout=5).status_code for a in answers] == [200] * 8


# --- hostile servers: redirects, hangs, endless and huge bodies, malformed answers ---------


def test_redirect_to_an_origin_keeps_the_path_and_query(fake: FakePeerTube) -> None:
    fake.faults.inject("redirect", method="POST", path="/api/v1/users/token", to="http://x.test:9")
    response = requests.post(
        fake.url + "/api/v1/users/token?a=1", data={"x": "y"}, allow_redirects=False, timeout=5
    )
    assert response.status_code == 307
    assert response.headers["Location"] == "http://x.test:9/api/v1/users/token?a=1"
    fake.faults.inject("redirect", to="http://x.test:9/elsewhere", status=301)
    moved = _get(fake, allow_redirects=False)
    assert (moved.status_code, moved.headers["Location"]) == (301, "http://x.test:9/elsewhere")
    assert [r.fault for r in fake.requests] == ["redirect", "redirect"]
    assert _get(fake).status_code == 200  # used up


def test_hang_accepts_logs_and_never_answers_until_released(fake: FakePeerTube) -> None:
    fake.faults.inject("hang", path="/api/v1/config", times=2)
    for _ in range(2):
        with pytest.raises(requests.Timeout):
            _get(fake, timeout=0.2)
    hung = [r for r in fake.requests if r.fault == "hang"]
    assert [(r.path, r.status) for r in hung] == [("/api/v1/config", 0)] * 2  # logged on arrival
    fake.faults.release()
    assert _get(fake).status_code == 200


def test_a_hung_request_is_let_go_when_the_fake_stops() -> None:
    server = FakePeerTube(rate_limit=None, login_rate_limit=None).start()
    server.faults.inject("hang")
    with ThreadPoolExecutor(max_workers=1) as pool:
        waiting = pool.submit(requests.get, server.url + "/api/v1/config", timeout=30)
        server.wait_for_requests(lambda logged: len(logged) == 1)  # the fake holds it
        server.stop()
        with pytest.raises(requests.ConnectionError):
            waiting.result()


def _read_at_most(response: requests.Response, cap: int) -> int:
    size = 0
    for block in response.iter_content(65536):
        size += len(block)
        if size > cap:
            break
    response.close()
    return size


def test_endless_body_never_ends(fake: FakePeerTube) -> None:
    fake.faults.inject("endless", path="/api/v1/users/me/videos")
    response = _get(fake, "/api/v1/users/me/videos", stream=True)
    assert response.status_code == 200 and "Content-Length" not in response.headers
    assert response.headers["Content-Type"].startswith("application/json")
    assert _read_at_most(response, 4 * 2**20) > 4 * 2**20
    fake.faults.inject("endless", status=502)
    assert _get(fake, stream=True).status_code == 502


def test_huge_body_is_valid_json_of_the_announced_size(fake: FakePeerTube) -> None:
    fake.faults.huge_bytes = 3 * 2**20 + 5
    fake.faults.inject("huge", path="/api/v1/config")
    response = _get(fake)
    assert int(response.headers["Content-Length"]) == len(response.content) == 3 * 2**20 + 5
    assert response.json()["data"] == []


def test_malformed_answer_after_the_server_acted(fake: FakePeerTube) -> None:
    api = Api(fake.url).login("alice", "secret")
    fake.faults.inject(
        "malformed", method="POST", path="/api/v1/videos/imports", when="after",
        body={"id": 7, "video": {"id": 1}},
    )  # fmt: skip
    answer = api.post(
        "/api/v1/videos/imports",
        json={
            "channelId": channel_id(fake, "alice_videos"),
            "targetUrl": "https://archive.example.org/m.mp4",
            "name": "Made anyway",
        },
    )
    assert answer.status_code == 200 and answer.json() == {"id": 7, "video": {"id": 1}}
    assert [v["name"] for v in fake.videos("alice")] == ["Made anyway"]


def test_hostile_injections_need_their_parameters(fake: FakePeerTube) -> None:
    with pytest.raises(ValueError, match="redirect needs"):
        fake.faults.inject("redirect")
    with pytest.raises(ValueError, match="redirect needs"):
        fake.faults.inject("redirect", to="http://x.test", status=200)
