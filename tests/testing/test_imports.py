"""Imports by URL: synchronous checks, the job lifecycle, listing, deleting, cancelling."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ptsync.clock import FakeClock
from ptsync.testing import FakePeerTube
from tests.testing.conftest import Api, channel_id, seed_users

IMPORTS = "/api/v1/videos/imports"
MINE = "/api/v1/users/me/videos/imports"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakePeerTube]:
    with FakePeerTube(rate_limit=None, login_rate_limit=None, import_duration=None) as server:
        seed_users(server)
        yield server


def _import(fake: FakePeerTube, api: Api, url: str, **fields: object) -> dict[str, object]:
    body = {"channelId": channel_id(fake, "alice_videos"), "targetUrl": url}
    body.update(fields)
    response = api.post(IMPORTS, json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_accepted_import_creates_the_video_at_once(fake: FakePeerTube, alice: Api) -> None:
    url = "https://archive.example.org/small.mp4"
    row = _import(fake, alice, url, name="Imported by URL", privacy=1, tags=["imported"])
    assert list(row) == [
        "id", "targetUrl", "magnetUri", "torrentName", "state", "error", "updatedAt", "createdAt", "video",
    ]  # fmt: skip
    assert row["state"] == {"id": 1, "label": "Pending"}
    video = row["video"]
    assert isinstance(video, dict)
    assert video["state"] == {"id": 3, "label": "To import"}
    assert video["tags"] == ["imported"] and video["waitTranscoding"] is True
    assert video["duration"] == 0 and video["thumbnailPath"] is None
    assert video["originallyPublishedAt"].endswith("T00:00:00.000Z")
    assert "blacklisted" not in video
    listed = alice.get("/api/v1/users/me/videos", params={"search": "Imported by URL"}).json()
    assert listed["data"][0]["state"]["id"] == 3
    fake.complete_imports()
    final = alice.get(MINE, params={"targetUrl": url}).json()["data"][0]
    assert final["state"] == {"id": 2, "label": "Success"}
    assert final["video"]["state"] == {"id": 1, "label": "Published"}
    assert final["video"]["duration"] > 0 and final["video"]["thumbnailPath"]
    assert final["video"]["updatedAt"] > video["updatedAt"]
    assert final["updatedAt"] >= final["video"]["updatedAt"]


def test_no_privacy_means_private(fake: FakePeerTube, alice: Api) -> None:
    row = _import(fake, alice, "https://archive.example.org/private.mp4", name="Private import")
    assert row["video"]["privacy"] == {"id": 3, "label": "Private"}  # type: ignore[index]


def test_unreachable_url_fails_synchronously(fake: FakePeerTube, alice: Api) -> None:
    url = "https://archive.example.org/missing.mp4"
    fake.set_import_target(url, "unreachable")
    before = len(fake.videos("alice"))
    response = alice.post(
        IMPORTS,
        json={"channelId": channel_id(fake, "alice_videos"), "targetUrl": url, "name": "Nope"},
    )
    assert response.status_code == 400
    assert response.json() == {
        "type": "about:blank",
        "title": "Bad Request",
        "detail": f"Cannot fetch information from import for URL {url}",
        "status": 400,
        "targetUrl": url,
        "error": f"Cannot fetch information from import for URL {url}",
    }
    assert len(fake.videos("alice")) == before


def test_not_a_video_fails_later_and_deletes_the_video(fake: FakePeerTube, alice: Api) -> None:
    url = "https://archive.example.org/bad.mp4"
    fake.set_import_target(url, "not-a-video")
    row = _import(fake, alice, url, name="Broken import", privacy=1)
    uuid = row["video"]["uuid"]  # type: ignore[index]
    fake.complete_imports()
    failed = alice.get(MINE, params={"targetUrl": url}).json()["data"][0]
    assert failed["state"] == {"id": 3, "label": "Failed"}
    assert failed["error"].startswith("ffprobe exited with code 1\n")
    assert "Invalid data found when processing input" in failed["error"]
    assert "video" not in failed
    assert alice.get(f"/api/v1/videos/{uuid}").status_code == 404


def test_over_quota_import_is_accepted_then_fails(fake: FakePeerTube) -> None:
    fake.add_user("small", "secret", video_quota=500)
    api = Api(fake.url).login("small", "secret")
    body = {
        "channelId": channel_id(fake, "small_channel"),
        "targetUrl": "https://example.com/q.mp4",
        "name": "Quota",
    }
    created = api.post(IMPORTS, json=body)
    assert created.status_code == 200
    fake.complete_imports()
    row = api.get(MINE).json()["data"][0]
    assert row["state"]["id"] == 3
    assert "quota" in row["error"]


def test_same_url_twice_makes_two_imports_and_filter_is_exact(
    fake: FakePeerTube, alice: Api
) -> None:
    url = "https://archive.example.org/twice.mp4"
    first = _import(fake, alice, url, name="Twice one")
    second = _import(fake, alice, url, name="Twice two")
    assert first["id"] != second["id"]
    rows = alice.get(MINE, params={"targetUrl": url}).json()
    assert rows["total"] == 2
    assert [r["id"] for r in rows["data"]] == [second["id"], first["id"]]
    assert alice.get(MINE, params={"targetUrl": url + "?x"}).json()["total"] == 0


def test_target_url_rules(fake: FakePeerTube, alice: Api) -> None:
    own = channel_id(fake, "alice_videos")
    localhost = alice.post(
        IMPORTS, json={"channelId": own, "targetUrl": "http://localhost:8766/test.mp4"}
    )
    assert localhost.status_code == 400
    assert localhost.json()["invalid-params"]["targetUrl"] == {
        "type": "field",
        "value": "http://localhost:8766/test.mp4",
        "msg": "Invalid value",
        "path": "targetUrl",
        "location": "body",
    }
    for target in ("http://127.0.0.1:8766/test.mp4", "http://10.1.2.3/a.mp4", "http://[::1]/a.mp4"):
        refused = alice.post(
            IMPORTS, json={"channelId": own, "targetUrl": target, "name": "Loopback"}
        )
        assert refused.status_code == 403
        assert refused.json() == {
            "type": "about:blank",
            "title": "Forbidden",
            "detail": "Cannot use non unicast IP as targetUrl.",
            "status": 403,
            "error": "Cannot use non unicast IP as targetUrl.",
        }
    public_ip = alice.post(
        IMPORTS, json={"channelId": own, "targetUrl": "http://93.184.216.34/a.mp4"}
    )
    assert public_ip.status_code == 200
    no_target = alice.post(IMPORTS, json={"channelId": own, "name": "No target"})
    assert no_target.json()["detail"] == "Should have a magnetUri or a targetUrl or a torrent file."
    unknown = alice.post(
        IMPORTS, json={"channelId": 9999, "targetUrl": "https://example.com/a.mp4"}
    )
    assert unknown.json()["detail"] == 'Unknown video "video channel" for this instance.'


def test_single_form_tag_is_rejected_but_json_is_fine(fake: FakePeerTube, alice: Api) -> None:
    form = {
        "channelId": channel_id(fake, "alice_videos"),
        "targetUrl": "https://example.com/s.mp4",
        "name": "Single tag",
        "tags": "imported",
    }
    response = alice.post(IMPORTS, data=form)
    assert response.status_code == 400
    assert response.json()["instance"] == IMPORTS
    assert response.json()["invalid-params"]["tags"]["value"] == "imported"
    assert "docs" not in response.json()


def test_private_targets_allowed_when_configured_and_http_import_can_be_off() -> None:
    with FakePeerTube(
        rate_limit=None, login_rate_limit=None, allow_private_import_targets=True
    ) as fake:
        fake.add_user("alice", "secret")
        api = Api(fake.url).login("alice", "secret")
        body = {
            "channelId": channel_id(fake, "alice_channel"),
            "targetUrl": "http://127.0.0.1:8765/small.mp4",
        }
        assert api.post(IMPORTS, json=body).status_code == 200
    with FakePeerTube(rate_limit=None, login_rate_limit=None, http_import_enabled=False) as fake:
        fake.add_user("alice", "secret")
        api = Api(fake.url).login("alice", "secret")
        assert api.get("/api/v1/config").json()["import"]["videos"]["http"]["enabled"] is False
        body = {
            "channelId": channel_id(fake, "alice_channel"),
            "targetUrl": "https://example.com/a.mp4",
        }
        refused = api.post(IMPORTS, json=body)
        assert refused.status_code == 409
        assert refused.json()["detail"] == "HTTP import is not enabled on this instance."


def test_timed_lifecycle_pending_processing_success() -> None:
    clock = FakeClock(auto=False)
    with FakePeerTube(
        rate_limit=None, login_rate_limit=None, import_duration=0.4, clock=clock
    ) as fake:
        fake.add_user("alice", "secret")
        api = Api(fake.url).login("alice", "secret")
        body = {
            "channelId": channel_id(fake, "alice_channel"),
            "targetUrl": "https://example.com/t.mp4",
            "privacy": 1,
        }
        assert api.post(IMPORTS, json=body).json()["state"]["id"] == 1
        clock.advance(0.05)
        assert api.get(MINE).json()["data"][0]["state"] == {"id": 1, "label": "Pending"}
        clock.advance(0.1)  # past a quarter of the duration: the job runs
        assert api.get(MINE).json()["data"][0]["state"] == {"id": 6, "label": "Processing"}
        clock.advance(0.2)
        assert api.get(MINE).json()["data"][0]["state"]["id"] == 6
        clock.advance(0.1)  # past the duration
        done = api.get(MINE).json()["data"][0]
        assert done["state"]["id"] == 2
        assert done["video"]["name"] == "t"


def test_delete_and_cancel(fake: FakePeerTube, alice: Api, bob: Api) -> None:
    pending = _import(fake, alice, "https://example.com/pending.mp4", name="Pending one")
    refused = alice.delete(f"{IMPORTS}/{pending['id']}")
    assert refused.status_code == 409
    assert bob.post(f"{IMPORTS}/{pending['id']}/cancel").status_code == 403
    cancelled = alice.post(f"{IMPORTS}/{pending['id']}/cancel")
    assert cancelled.status_code == 204
    row = next(r for r in fake.imports("alice") if r["id"] == pending["id"])
    assert row["state"] == {"id": 5, "label": "Cancelled"}
    assert alice.post(f"{IMPORTS}/{pending['id']}/cancel").status_code == 409
    assert alice.delete(f"{IMPORTS}/{pending['id']}").status_code == 204
    assert all(r["id"] != pending["id"] for r in fake.imports("alice"))
    assert alice.delete(f"{IMPORTS}/{pending['id']}").status_code == 404
    assert alice.delete(f"{IMPORTS}/abc").status_code == 400
