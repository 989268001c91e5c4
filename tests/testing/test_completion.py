"""Server-side completion: slow creates that finish without the client, wedged uploads, 500s.

Each test starts its own small fake on a manual ``FakeClock``: a delay lasts until the test
moves time past it, so "not visible yet" is checked while the request is provably still in
flight (its thread has not returned), and "done" right after ``fake.clock.advance``.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from ptsync.clock import FakeClock
from ptsync.testing import FakePeerTube
from ptsync.testing import server as server_cli
from ptsync.testing.completion import BUSY_MESSAGE, DEFAULT_CREATE_DELAY
from ptsync.testing.contention import MESSAGE as SERIALIZATION
from tests.testing.conftest import Api, channel_id

IMPORTS = "/api/v1/videos/imports"
RESUMABLE = "/api/v1/videos/upload-resumable"
DELAY = 0.4
MARKER = "<!-- ptsync:nisv/slow -->"
SIZE = 3000


def _fake(clock: FakeClock | None = None, **options: Any) -> FakePeerTube:
    fake = FakePeerTube(
        rate_limit=None,
        login_rate_limit=None,
        import_duration=None,
        clock=clock or FakeClock(auto=False),
        **options,
    )
    fake.start()
    fake.add_user("alice", "secret")
    return fake


@pytest.fixture
def make() -> Iterator[Callable[..., FakePeerTube]]:
    started: list[FakePeerTube] = []

    def build(clock: FakeClock | None = None, **options: Any) -> FakePeerTube:
        started.append(_fake(clock, **options))
        return started[-1]

    yield build
    for fake in started:
        fake.stop()


def _import_body(fake: FakePeerTube) -> dict[str, object]:
    return {
        "channelId": channel_id(fake, "alice_channel"),
        "targetUrl": "https://archive.example.org/slow.mp4",
        "name": "Slow import",
        "description": f"{MARKER}\n\nText.",
    }


def _mine(api: Api) -> list[dict[str, Any]]:
    return list(api.get("/api/v1/users/me/videos").json()["data"])


def _clock(fake: FakePeerTube) -> FakeClock:
    assert isinstance(fake.clock, FakeClock)
    return fake.clock


class Background:
    """A request sent on a thread, so the test can look at the server meanwhile."""

    def __init__(self, send: Callable[[], requests.Response]) -> None:
        self.response: requests.Response | None = None
        self._thread = threading.Thread(target=self._run, args=(send,))
        self._thread.start()

    def _run(self, send: Callable[[], requests.Response]) -> None:
        self.response = send()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def join(self) -> requests.Response:
        self._thread.join(timeout=10)
        assert self.response is not None
        return self.response


# --- imports ------------------------------------------------------------------------------


def test_import_answers_after_the_delay_and_is_invisible_until_then(
    make: Callable[..., FakePeerTube],
) -> None:
    fake = make(create_delay=DELAY)
    alice = Api(fake.url).login("alice", "secret")
    post = Background(lambda: alice.post(IMPORTS, json=_import_body(fake)))
    _clock(fake).wait_for_sleepers(1)  # the create waits for its delay
    _clock(fake).advance(DELAY * 0.9)
    seen, imports = _mine(alice), alice.get("/api/v1/users/me/videos/imports").json()
    assert post.running, "the import POST answered before its delay"
    assert seen == [] and imports["total"] == 0 and fake.videos() == []
    _clock(fake).advance(DELAY)  # past the delay
    response = post.join()
    assert response.status_code == 200
    assert [v["name"] for v in _mine(alice)] == ["Slow import"]


def test_validation_errors_answer_at_once(make: Callable[..., FakePeerTube]) -> None:
    fake = make(create_delay=30.0)
    alice = Api(fake.url).login("alice", "secret")
    response = alice.post(IMPORTS, json={**_import_body(fake), "channelId": 999})
    # answered although time never moved: nothing waited for the delay
    assert response.status_code == 400 and _clock(fake).sleepers == 0


def test_import_finishes_after_the_client_timed_out(make: Callable[..., FakePeerTube]) -> None:
    fake = make(create_delay=DELAY)
    alice = Api(fake.url).login("alice", "secret")
    with pytest.raises(requests.ReadTimeout):
        requests.post(
            fake.url + IMPORTS,
            json=_import_body(fake),
            headers={"Authorization": f"Bearer {alice.token}"},
            timeout=DELAY / 4,
        )
    _clock(fake).wait_for_sleepers(1)
    assert _mine(alice) == []
    _clock(fake).advance(DELAY)
    assert len(_mine(alice)) == 1
    video = _mine(alice)[0]
    assert video["description"].startswith(MARKER)
    assert alice.get("/api/v1/users/me/videos/imports").json()["total"] == 1


def test_import_finishes_after_the_client_was_killed(make: Callable[..., FakePeerTube]) -> None:
    fake = make(create_delay=1.0)
    alice = Api(fake.url).login("alice", "secret")
    script = (
        "import requests, sys\n"
        "body = {'channelId': int(sys.argv[3]), 'name': 'Killed',"
        " 'targetUrl': 'https://archive.example.org/killed.mp4'}\n"
        "print('sending', flush=True)\n"
        "requests.post(sys.argv[1], json=body,"
        " headers={'Authorization': 'Bearer ' + sys.argv[2]}, timeout=60)\n"
    )
    arguments = [fake.url + IMPORTS, str(alice.token), str(channel_id(fake, "alice_channel"))]
    client = subprocess.Popen(
        [sys.executable, "-c", script, *arguments], stdout=subprocess.PIPE, text=True
    )
    assert client.stdout is not None and client.stdout.readline() == "sending\n"
    _clock(fake).wait_for_sleepers(1)  # the server got it and waits for the create's delay
    answered = fake.count("POST", IMPORTS)
    client.kill()
    client.wait(timeout=10)
    assert answered == 0, "the import was answered before the client was killed"
    _clock(fake).advance(1.0)
    assert [v["name"] for v in _mine(alice)] == ["Killed"]


def test_import_of_a_closed_socket_still_creates(make: Callable[..., FakePeerTube]) -> None:
    fake = make(create_delay=DELAY)
    alice = Api(fake.url).login("alice", "secret")
    body = json.dumps(_import_body(fake)).encode()
    head = (
        f"POST {IMPORTS} HTTP/1.1\r\nHost: {fake.url[7:]}\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {alice.token}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", fake.port)) as raw:
        raw.sendall(head.encode() + body)
        _clock(fake).wait_for_sleepers(1)
    _clock(fake).advance(DELAY)
    assert len(_mine(alice)) == 1


# --- resumable uploads --------------------------------------------------------------------


def _session(fake: FakePeerTube, api: Api, name: str = "Upload") -> str:
    headers = {"X-Upload-Content-Length": str(SIZE), "X-Upload-Content-Type": "video/mp4"}
    body = {"channelId": channel_id(fake, "alice_channel"), "name": name, "filename": "a.mp4"}
    init = api.post(RESUMABLE, json=body, headers=headers)
    assert init.status_code == 201
    return "http:" + init.headers["Location"]


def _put(
    api: Api, url: str, content_range: str, data: bytes = b"", timeout: float = 10
) -> requests.Response:
    headers = {"Authorization": f"Bearer {api.token}", "Content-Range": content_range}
    return requests.put(url, data=data, headers=headers, timeout=timeout)


def _all(api: Api, url: str, timeout: float = 10) -> requests.Response:
    return _put(api, url, f"bytes 0-{SIZE - 1}/{SIZE}", b"\x00" * SIZE, timeout)


def _status(api: Api, url: str) -> requests.Response:
    return _put(api, url, f"bytes */{SIZE}")


def _phase(fake: FakePeerTube, url: str) -> str:
    return str(fake.upload_sessions[url.split("upload_id=")[1]]["phase"])


def _assert_busy(response: requests.Response, *, error_key: bool) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "300"
    assert response.headers["Content-Type"] == "application/problem+json; charset=utf-8"
    expected = {
        "type": "about:blank",
        "title": "Service Unavailable",
        "detail": BUSY_MESSAGE,
        "status": 503,
        "docs": "https://docs.joinpeertube.org/api-rest-reference.html#operation/uploadResumable",
    }
    assert response.json() == ({**expected, "error": BUSY_MESSAGE} if error_key else expected)


@pytest.mark.parametrize("version", ["6.3", "8.0"])
def test_final_chunk_is_processed_then_the_session_is_gone(
    make: Callable[..., FakePeerTube], version: str
) -> None:
    fake = make(upload_delay=DELAY, version=version)
    alice = Api(fake.url).login("alice", "secret")
    url = _session(fake, alice)
    final = Background(lambda: _all(alice, url))
    _clock(fake).wait_for_sleepers(1)
    assert _phase(fake, url) == "processing"
    _assert_busy(_status(alice, url), error_key=version == "6.3")
    _assert_busy(_all(alice, url), error_key=version == "6.3")
    assert final.running and _mine(alice) == []
    _clock(fake).advance(DELAY)
    response = final.join()
    assert response.status_code == 200
    assert [v["uuid"] for v in _mine(alice)] == [response.json()["video"]["uuid"]]
    assert _status(alice, url).status_code == 404
    assert _all(alice, url).status_code == 404


def test_final_chunk_finishes_after_the_client_timed_out(make: Callable[..., FakePeerTube]) -> None:
    fake = make(create_delay=3 * DELAY)
    alice = Api(fake.url).login("alice", "secret")
    url = _session(fake, alice, "Left behind")
    with pytest.raises(requests.ReadTimeout):
        _all(alice, url, DELAY / 4)
    _clock(fake).wait_for_sleepers(1)
    _clock(fake).advance(DELAY)
    assert [v["name"] for v in _mine(alice)] == ["Left behind"]
    assert _status(alice, url).status_code == 404


def test_upload_delay_defaults_to_a_share_of_the_create_delay() -> None:
    assert FakePeerTube(create_delay=3.0).state.settings.finish_delay == pytest.approx(1.0)
    assert FakePeerTube(create_delay=3.0, upload_delay=0).state.settings.finish_delay == 0
    assert FakePeerTube().state.settings.finish_delay is None
    with pytest.raises(ValueError, match="create_delay"):
        FakePeerTube(create_delay=-1)


def test_wedged_session_answers_503_until_cancelled(make: Callable[..., FakePeerTube]) -> None:
    fake = make()
    alice = Api(fake.url).login("alice", "secret")
    fake.wedge_uploads(1)
    url = _session(fake, alice, "Wedged")
    _assert_busy(_all(alice, url), error_key=True)
    for _ in range(3):
        _assert_busy(_status(alice, url), error_key=True)
    assert _phase(fake, url) == "wedged" and _mine(alice) == []
    cancel = requests.delete(url, headers={"Authorization": f"Bearer {alice.token}"}, timeout=5)
    assert cancel.status_code == 204
    assert _status(alice, url).status_code == 404
    fresh = _session(fake, alice, "Second try")
    assert _all(alice, fresh).status_code == 200
    assert [v["name"] for v in _mine(alice)] == ["Second try"]


def test_wedge_filter_unwedge_and_release(make: Callable[..., FakePeerTube]) -> None:
    fake = make(upload_delay=0.05, clock=FakeClock())  # time moves whenever the fake waits
    alice = Api(fake.url).login("alice", "secret")
    fake.wedge_uploads(where=lambda session: session["name"].startswith("Stuck"))
    stuck, fine = _session(fake, alice, "Stuck one"), _session(fake, alice, "Fine")
    assert _all(alice, fine).status_code == 200
    _assert_busy(_all(alice, stuck), error_key=True)
    fake.unwedge()
    later = _session(fake, alice, "Stuck later")
    assert _all(alice, later).status_code == 200
    _assert_busy(_status(alice, stuck), error_key=True)
    fake.unwedge(release=True)
    assert sorted(v["name"] for v in _mine(alice)) == ["Fine", "Stuck later", "Stuck one"]
    assert _status(alice, stuck).status_code == 404


def test_wedge_count_must_be_positive() -> None:
    with pytest.raises(ValueError, match="count"):
        FakePeerTube().wedge_uploads(0)


# --- serialisation failures ---------------------------------------------------------------


@pytest.mark.parametrize("version", ["6.3", "8.0"])
def test_concurrent_updates_can_fail_with_a_serialization_error(
    make: Callable[..., FakePeerTube], version: str
) -> None:
    fake = make(version=version)
    alice = Api(fake.url).login("alice", "secret")
    first, second = (fake.add_video("alice", name=f"Video {n}") for n in (1, 2))
    fake.fail_concurrent_updates(1)
    assert alice.put(f"/api/v1/videos/{first['uuid']}", json={"name": "Alone"}).status_code == 204
    fake.faults.latency = 0.3  # both PUTs are in PeerTube at once

    def rename(video: dict[str, Any]) -> Background:
        return Background(
            lambda: alice.put(f"/api/v1/videos/{video['uuid']}", json={"name": "Both"})
        )

    puts = [rename(first), rename(second)]
    _clock(fake).wait_for_sleepers(2)
    _clock(fake).advance(0.3)
    responses = [put.join() for put in puts]
    assert sorted(r.status_code for r in responses) == [204, 500]
    failed = next(r for r in responses if r.status_code == 500).json()
    assert failed["detail"] == SERIALIZATION and failed["code"] == "SequelizeDatabaseError"
    assert failed["docs"].endswith("#operation/putVideo")
    assert ("error" in failed) is (version == "6.3")
    names = sorted(v["name"] for v in fake.videos("alice"))
    assert names.count("Both") == 1
    assert fake.serialization_failures == 1
    fake.faults.latency = 0.0
    assert rename(second).join().status_code == 204


# --- the command line ---------------------------------------------------------------------


def test_cli_flags() -> None:
    parse = server_cli._parser().parse_args
    assert parse(["--create-delay"]).create_delay == DEFAULT_CREATE_DELAY
    assert parse(["--create-delay", "0.5", "--upload-delay", "0.1"]).upload_delay == 0.1
    assert parse([]).create_delay is None and parse([]).version == "6.3"
    with pytest.raises(SystemExit):
        parse(["--version", "5.0"])


def test_cli_serves_another_version_with_slow_creates() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "ptsync.testing.server", "--port", str(port),
               "--version", "8.0", "--create-delay", str(DELAY), "--user", "ann:pw1"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        assert process.stdout.readline().startswith("Fake PeerTube 8.0 listening on")
        url = f"http://127.0.0.1:{port}"
        assert requests.get(f"{url}/api/v1/config", timeout=5).json()["serverVersion"] == "8.0.1"
        ann = Api(url).login("ann", "pw1")
        channel = requests.get(f"{url}/api/v1/video-channels/ann_channel", timeout=5).json()["id"]
        started = time.monotonic()
        body = {
            "channelId": channel,
            "targetUrl": "https://archive.example.org/a.mp4",
            "name": "CLI",
        }
        assert ann.post(IMPORTS, json=body).json()["attempts"] == 0
        assert time.monotonic() - started >= DELAY * 0.9
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
