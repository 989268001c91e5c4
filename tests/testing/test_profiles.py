"""Version profiles over HTTP: what a 6.3, 7.3, 8.0, 8.1, 8.2 and 8.3 fake answer differently
(what 8.1 to 8.3 added is in ``test_profiles_after_8_0.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ptsync.testing import FakePeerTube
from ptsync.testing.profiles import PROFILES, profile
from tests.testing.conftest import VIDEO_FILE, Api, channel_id, seed_users

VERSIONS = ("6.3", "7.3", "8.0", "8.1", "8.2", "8.3")
SERVER_VERSIONS = dict(
    zip(VERSIONS, ("6.3.0", "7.3.0", "8.0.1", "8.1.8", "8.2.3", "8.3.0"), strict=True)
)
IMPORTS = "/api/v1/videos/imports"
MINE = "/api/v1/users/me/videos/imports"
BAD = "https://archive.example.org/bad.mp4"


@pytest.fixture(scope="module", params=VERSIONS)
def fake(request: pytest.FixtureRequest) -> Iterator[FakePeerTube]:
    with FakePeerTube(
        rate_limit=None, login_rate_limit=None, import_duration=None, version=request.param
    ) as server:
        seed_users(server)
        server.set_import_target(BAD, "not-a-video")
        yield server


def _video(fake: FakePeerTube, **fields: object) -> dict[str, object]:
    return fake.add_video("alice", name="Profiled", input_filename="profiled.mp4", **fields)  # type: ignore[arg-type]


def _import(fake: FakePeerTube, api: Api, url: str) -> dict[str, object]:
    body = {"channelId": channel_id(fake, "alice_videos"), "targetUrl": url, "name": "By URL"}
    response = api.post(IMPORTS, json={**body, "description": "<!-- ptsync:t/imp -->\n\nx"})
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_profiles_are_named_and_looked_up() -> None:
    assert list(PROFILES) == list(VERSIONS)
    assert profile("8.0.1") is profile("8.0")
    assert profile("8.2.3") is profile("8.2")
    assert FakePeerTube().version == "6.3"
    with pytest.raises(ValueError, match="unknown PeerTube profile"):
        FakePeerTube(version="9.0")


def since(fake: FakePeerTube, release: str) -> bool:
    """The fake plays ``release`` or a later one."""
    return VERSIONS.index(fake.version) >= VERSIONS.index(release)


def test_server_version(fake: FakePeerTube, anon: Api) -> None:
    config = anon.get("/api/v1/config").json()
    assert config["serverVersion"] == SERVER_VERSIONS[fake.version]
    assert ("commentsEnabled" in config["defaults"]["publish"]) is not since(fake, "8.0")
    assert ("nsfwFlagsSettings" in config) is (fake.version != "6.3")


def test_error_bodies(fake: FakePeerTube, alice: Api) -> None:
    body = alice.get("/api/v1/videos/00000000-0000-4000-8000-000000000000").json()
    expected = {
        "type": "about:blank",
        "title": "Not Found",
        "detail": "Video not found",
        "status": 404,
        "docs": "https://docs.joinpeertube.org/api-rest-reference.html#operation/getVideo",
    }
    if fake.version == "6.3":
        expected["error"] = "Video not found"
    assert body == expected


def test_video_detail_keys(fake: FakePeerTube, alice: Api) -> None:
    video = _video(fake)
    detail = alice.get(f"/api/v1/videos/{video['uuid']}").json()
    new = {"nsfwFlags", "nsfwSummary", "comments", "liveSchedules"}
    if fake.version == "6.3":
        assert not new & detail.keys()
        assert {"commentsEnabled", "descriptionPath"} <= detail.keys()
        assert detail["embedPath"] == f"/videos/embed/{video['uuid']}"
    else:
        assert new <= detail.keys() and "descriptionPath" not in detail
        assert ("commentsEnabled" in detail) is (fake.version == "7.3")
        assert detail["embedPath"] == f"/videos/embed/{video['shortUUID']}"
    listed = alice.get("/api/v1/users/me/videos").json()["data"][0]
    assert ("blockedOwner" in listed) is since(fake, "8.0")
    assert ("nsfwFlags" in listed) is (fake.version != "6.3")


def test_description_route_exists_on_6_3_only(fake: FakePeerTube, alice: Api) -> None:
    video = _video(fake, description="Words.")
    response = alice.get(f"/api/v1/videos/{video['uuid']}/description")
    if fake.version == "6.3":
        assert response.json() == {"description": "Words."}
    else:
        assert response.status_code == 400 and response.content == b""


def test_source_filename(fake: FakePeerTube, alice: Api) -> None:
    source = alice.get(f"/api/v1/videos/{_video(fake)['uuid']}/source").json()
    assert source["inputFilename"] == "profiled.mp4"
    assert ("filename" in source) is not since(fake, "8.0")
    assert ("fileUrl" in source) is not since(fake, "8.2")
    assert source["metadata"]["streams"][0]["codec_name"] == "h264"


def test_captions_urls(fake: FakePeerTube, alice: Api) -> None:
    video = _video(fake)
    files = {"captionfile": ("en.vtt", b"WEBVTT\n", "text/vtt")}
    assert alice.put(f"/api/v1/videos/{video['uuid']}/captions/en", files=files).ok
    caption = alice.get(f"/api/v1/videos/{video['uuid']}/captions").json()["data"][0]
    if fake.version == "6.3":
        assert "fileUrl" not in caption
    else:
        assert caption["fileUrl"] == fake.url + caption["captionPath"]
        assert caption["m3u8Url"] is None


def test_vocabularies(fake: FakePeerTube, anon: Api, alice: Api) -> None:
    licences = anon.get("/api/v1/videos/licences").json()
    languages = anon.get("/api/v1/videos/languages").json()
    assert ("8" in licences and "9" in licences) is (fake.version != "6.3")
    assert ("rcf" in languages) is (fake.version != "6.3")
    assert ("gsw" in languages) is since(fake, "8.0")
    update = alice.put(f"/api/v1/videos/{_video(fake)['uuid']}", json={"licence": 9})
    assert update.status_code == (400 if fake.version == "6.3" else 204)


def test_playlist_bodies(fake: FakePeerTube, alice: Api) -> None:
    body = {
        "displayName": "As JSON",
        "privacy": 1,
        "videoChannelId": channel_id(fake, "alice_videos"),
    }
    as_json = alice.post("/api/v1/video-playlists", json=body)
    as_form = alice.post("/api/v1/video-playlists", data=body)
    multipart = alice.post(
        "/api/v1/video-playlists", files={k: (None, str(v)) for k, v in body.items()}
    )
    assert multipart.status_code == 200
    if fake.version == "6.3":
        assert as_json.status_code == as_form.status_code == 500
        assert as_json.json()["code"] == "TypeError"
    else:
        assert as_json.status_code == as_form.status_code == 200
        playlist = alice.get(f"/api/v1/video-playlists/{as_json.json()['videoPlaylist']['uuid']}")
        assert playlist.json()["videoChannelPosition"] >= 1


def test_failed_import(fake: FakePeerTube, alice: Api) -> None:
    row = _import(fake, alice, BAD)
    video = row["video"]
    assert isinstance(video, dict)
    assert ("attempts" in row) is since(fake, "8.0")
    fake.complete_imports()
    final = alice.get(MINE, params={"targetUrl": BAD}).json()["data"][0]
    assert final["state"] == {"id": 3, "label": "Failed"}
    assert final["error"].startswith("ffprobe exited with code 1")
    detail = alice.get(f"/api/v1/videos/{video['uuid']}")
    listed = [v["uuid"] for v in alice.get("/api/v1/users/me/videos?count=100").json()["data"]]
    if since(fake, "8.0"):
        assert final["attempts"] == 1
        assert final["video"]["uuid"] == video["uuid"]
        assert final["video"]["state"] == {"id": 12, "label": "Import failed"}
        assert detail.json()["state"] == {"id": 12, "label": "Import failed"}
        assert detail.json()["files"] == [] and detail.json()["thumbnailPath"] is None
        assert video["uuid"] in listed
    else:
        assert "video" not in final
        assert detail.status_code == 404
        assert video["uuid"] not in listed


def test_retry_route(fake: FakePeerTube, alice: Api, bob: Api) -> None:
    url = f"https://archive.example.org/retry-{fake.version}.mp4"
    fake.set_import_target(url, "not-a-video")
    row = _import(fake, alice, url)
    fake.complete_imports()
    retry = f"{IMPORTS}/{row['id']}/retry"
    if not since(fake, "8.0"):
        response = alice.post(retry)
        assert response.status_code == 400 and response.content == b""
        return
    assert bob.post(retry).status_code == 403
    fake.set_import_target(url, "ok")
    first = alice.post(retry)
    assert first.status_code == 204 and first.content == b""
    again = alice.post(retry)
    assert again.status_code == 400
    assert again.json() == {
        "type": "about:blank",
        "title": "Bad Request",
        "detail": "Cannot retry a non failed video import",
        "status": 400,
    }
    pending = alice.get(MINE, params={"targetUrl": url}).json()["data"][0]
    assert pending["state"]["id"] == 1 and pending["error"] is None
    assert pending["video"]["state"] == {"id": 3, "label": "To import"}
    fake.complete_imports()
    done = alice.get(MINE, params={"targetUrl": url}).json()
    assert done["total"] == 1
    assert done["data"][0]["state"] == {"id": 2, "label": "Success"}
    assert done["data"][0]["attempts"] == 2
    assert done["data"][0]["video"]["uuid"] == row["video"]["uuid"]  # type: ignore[index]
    assert done["data"][0]["video"]["state"]["id"] == 1


def test_fail_once_target(fake: FakePeerTube, alice: Api) -> None:
    url = f"https://archive.example.org/flaky-{fake.version}.mp4"
    fake.set_import_target(url, "fail-once")
    first = _import(fake, alice, url)
    fake.complete_imports()
    assert alice.get(MINE, params={"targetUrl": url}).json()["data"][0]["state"]["id"] == 3
    if since(fake, "8.0"):
        assert alice.post(f"{IMPORTS}/{first['id']}/retry").status_code == 204
    else:
        _import(fake, alice, url)
    fake.complete_imports()
    states = [r["state"]["id"] for r in alice.get(MINE, params={"targetUrl": url}).json()["data"]]
    assert states[0] == 2


def test_uploads_still_work(fake: FakePeerTube, alice: Api) -> None:
    fields = {"channelId": channel_id(fake, "alice_videos"), "name": "Uploaded", "licence": 7}
    response = alice.post("/api/v1/videos/upload", data=fields, files={"videofile": VIDEO_FILE})
    assert response.status_code == 200
    detail = alice.get(f"/api/v1/videos/{response.json()['video']['uuid']}").json()
    assert detail["licence"] == {"id": 7, "label": "Public Domain Dedication"}


def test_users_me(fake: FakePeerTube, alice: Api) -> None:
    me = alice.get("/api/v1/users/me").json()
    assert me["notificationSettings"]["abuseAsModerator"] == 3
    assert ("nsfwFlagsHidden" in me) is (fake.version != "6.3")
    assert ("videoChannelCollaborations" in me) is since(fake, "8.0")
    assert ("ownerAccountId" in me["videoChannels"][0]) is since(fake, "8.0")
    owner = alice.get("/api/v1/accounts/alice/video-channels").json()["data"][0]["ownerAccount"]
    assert ("userId" in owner) is not since(fake, "8.0")
