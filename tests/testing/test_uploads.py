"""Legacy multipart upload, resumable upload (uploadx protocol) and source replacement."""

from __future__ import annotations

import hashlib
import os

import requests

from ptsync.testing import FakePeerTube
from tests.testing.conftest import VIDEO_FILE, Api, channel_id

LEGACY_DOCS = "https://docs.joinpeertube.org/api-rest-reference.html#operation/uploadLegacy"
RESUMABLE = "/api/v1/videos/upload-resumable"


def _legacy(
    api: Api, fields: dict[str, object], files: dict[str, object] | None = None
) -> requests.Response:
    return api.post("/api/v1/videos/upload", data=fields, files=files or {"videofile": VIDEO_FILE})


def test_legacy_upload_creates_a_private_video_by_default(fake: FakePeerTube, alice: Api) -> None:
    fields = {
        "channelId": channel_id(fake, "alice_videos"),
        "name": "Legacy",
        "tags[0]": "aa",
        "tags[1]": "bb",
    }
    response = _legacy(alice, fields)
    assert response.status_code == 200
    video = response.json()["video"]
    assert list(video) == ["id", "shortUUID", "uuid"]
    detail = alice.get(f"/api/v1/videos/{video['uuid']}").json()
    assert detail["privacy"] == {"id": 3, "label": "Private"}
    assert detail["tags"] == ["aa", "bb"]
    assert detail["waitTranscoding"] is False
    source = fake.source_file(video["uuid"])
    assert source is not None and source["inputFilename"] == "clip.mp4"
    assert source["sha256"] == hashlib.sha256(VIDEO_FILE[1]).hexdigest()


def test_legacy_upload_errors(fake: FakePeerTube, alice: Api) -> None:
    own = channel_id(fake, "alice_videos")
    no_name = _legacy(alice, {"channelId": own})
    assert no_name.json()["invalid-params"]["name"] == {
        "type": "field",
        "value": "",
        "msg": "Should have a video name between 3 and 120 characters long",
        "path": "name",
        "location": "body",
    }
    no_file = alice.post(
        "/api/v1/videos/upload",
        files={"name": (None, "no file here"), "channelId": (None, str(own))},
    )
    assert no_file.status_code == 400
    assert no_file.json()["invalid-params"] == {
        "videofile": {
            "type": "field",
            "msg": "Should have a file",
            "path": "videofile",
            "location": "body",
        }
    }
    unknown = _legacy(alice, {"channelId": 99999, "name": "abc"})
    assert unknown.json() == {
        "type": "about:blank",
        "title": "Bad Request",
        "detail": 'Unknown video "video channel" for this instance.',
        "status": 400,
        "docs": LEGACY_DOCS,
        "error": 'Unknown video "video channel" for this instance.',
    }
    others = _legacy(alice, {"channelId": channel_id(fake, "bob_channel"), "name": "abc"})
    assert others.status_code == 400
    assert others.json()["detail"] == 'Unknown video "video channel" for this account.'
    stray = alice.post(
        "/api/v1/videos/upload",
        data={"name": "no file", "channelId": own},
        files={"dummy": ("d", b"x")},
    )
    assert stray.status_code == 500
    assert stray.json()["code"] == "MulterError" and stray.json()["docs"] == LEGACY_DOCS
    text = _legacy(
        alice,
        {"channelId": own, "name": "Text"},
        {"videofile": ("a.txt", b"0123456789ab", "text/plain")},
    )
    assert text.status_code == 415


def test_quota_is_checked_for_legacy_and_resumable_init(fake: FakePeerTube) -> None:
    fake.add_user("tight", "secret", video_quota=1000)
    api = Api(fake.url).login("tight", "secret")
    own = channel_id(fake, "tight_channel")
    legacy = _legacy(api, {"channelId": own, "name": "Too big"})
    assert legacy.status_code == 413
    assert legacy.json()["code"] == "quota_reached"
    assert legacy.json()["detail"] == "The user video quota is exceeded with this video."
    init = api.post(
        RESUMABLE,
        json={"channelId": own, "name": "Too big resumable", "filename": "small.mp4"},
        headers={"X-Upload-Content-Length": "30382", "X-Upload-Content-Type": "video/mp4"},
    )
    assert init.status_code == 413
    assert init.json()["docs"].endswith("#operation/uploadResumableInit")
    assert fake.videos("tight") == []


def _init(fake: FakePeerTube, api: Api, size: int, **fields: object) -> requests.Response:
    body = {
        "channelId": channel_id(fake, "alice_archive"),
        "name": "Resumable",
        "filename": "other.mp4",
    }
    body.update(fields)
    headers = {"X-Upload-Content-Length": str(size), "X-Upload-Content-Type": "video/mp4"}
    return api.post(RESUMABLE, json=body, headers=headers)


def _location(fake: FakePeerTube, init: requests.Response) -> str:
    location = init.headers["Location"]
    assert location.startswith(f"//127.0.0.1:{fake.port}{RESUMABLE}?upload_id=")
    return "http:" + location


def _put(api: Api, url: str, data: bytes, content_range: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {api.token}", "Content-Range": content_range}
    return requests.put(url, data=data, headers=headers, timeout=10)


def test_resumable_upload_in_chunks(fake: FakePeerTube, alice: Api) -> None:
    payload = os.urandom(80338)
    init = _init(fake, alice, len(payload), privacy=1, tags=["one", "two"])
    assert init.status_code == 201
    assert init.content == b""
    assert init.headers["Cache-Control"] == "no-store"
    url = _location(fake, init)
    status = _put(alice, url, b"", "bytes */80338")
    assert status.status_code == 308 and "Range" not in status.headers
    first = _put(alice, url, payload[:40169], "bytes 0-40168/80338")
    assert first.status_code == 308
    assert first.headers["Range"] == "bytes=0-40168"
    assert not [v for v in fake.videos("alice") if v["name"] == "Resumable"]
    again = _put(alice, url, b"", "bytes */80338")
    assert again.status_code == 308 and again.headers["Range"] == "bytes=0-40168"
    last = _put(alice, url, payload[40169:], "bytes 40169-80337/80338")
    assert last.status_code == 200
    video = last.json()["video"]
    detail = alice.get(f"/api/v1/videos/{video['uuid']}").json()
    assert detail["privacy"]["id"] == 1 and detail["tags"] == ["one", "two"]
    assert detail["channel"]["name"] == "alice_archive"
    source = alice.get(f"/api/v1/videos/{video['uuid']}/source").json()
    assert source["inputFilename"] == "other.mp4" and source["size"] == 80338
    assert fake.source_file(video["uuid"])["data"] == payload  # type: ignore[index]


def test_last_chunk_retried_after_success_returns_the_same_video(
    fake: FakePeerTube, alice: Api
) -> None:
    payload = os.urandom(2000)
    url = _location(fake, _init(fake, alice, len(payload), name="Retried"))
    done = _put(alice, url, payload, "bytes 0-1999/2000")
    retried = _put(alice, url, payload, "bytes 0-1999/2000")
    assert done.status_code == retried.status_code == 200
    assert done.json() == retried.json()
    assert len([v for v in fake.videos("alice") if v["name"] == "Retried"]) == 1


def test_out_of_order_chunks_never_corrupt_the_file(fake: FakePeerTube, alice: Api) -> None:
    payload = os.urandom(3000)
    url = _location(fake, _init(fake, alice, len(payload), name="Out of order"))
    assert _put(alice, url, payload[:1000], "bytes 0-999/3000").headers["Range"] == "bytes=0-999"
    gap = _put(alice, url, payload[2000:], "bytes 2000-2999/3000")
    assert gap.status_code == 308 and gap.headers["Range"] == "bytes=0-999"
    overlap = _put(alice, url, payload[500:2000], "bytes 500-1999/3000")
    assert overlap.headers["Range"] == "bytes=0-1999"
    conflict = _put(alice, url, payload[2000:] + b"extra", "bytes 2000-3004/3000")
    assert conflict.status_code == 409
    last = _put(alice, url, payload[2000:], "bytes 2000-2999/3000")
    uuid = last.json()["video"]["uuid"]
    assert fake.source_file(uuid)["sha256"] == hashlib.sha256(payload).hexdigest()  # type: ignore[index]


def test_big_upload_keeps_hash_and_size_but_not_the_bytes(fake: FakePeerTube, alice: Api) -> None:
    payload = os.urandom(3 * 1024 * 1024 + 17)
    url = _location(fake, _init(fake, alice, len(payload), name="Big"))
    chunk = 1024 * 1024
    for start in range(0, len(payload), chunk):
        end = min(start + chunk, len(payload)) - 1
        response = _put(alice, url, payload[start : end + 1], f"bytes {start}-{end}/{len(payload)}")
    assert response.status_code == 200
    source = fake.source_file(response.json()["video"]["uuid"])
    assert source == {
        "inputFilename": "other.mp4",
        "size": len(payload),
        "sha256": hashlib.sha256(payload).hexdigest(),
        "data": None,
    }


def test_cancel_and_unknown_upload_ids(fake: FakePeerTube, alice: Api, bob: Api) -> None:
    url = _location(fake, _init(fake, alice, 5000, name="Cancelled"))
    upload_id = url.rsplit("=", 1)[1]
    assert fake.upload_sessions[upload_id]["offset"] == 0
    assert _put(bob, url, b"x" * 10, "bytes 0-9/5000").status_code == 403
    cancelled = requests.delete(url, headers={"Authorization": f"Bearer {alice.token}"}, timeout=5)
    assert cancelled.status_code == 204
    assert upload_id not in fake.upload_sessions
    assert _put(alice, url, b"x" * 10, "bytes 0-9/5000").status_code == 404
    assert alice.delete(f"{RESUMABLE}?upload_id=nope").status_code == 404


def test_resumable_init_validation(fake: FakePeerTube, alice: Api) -> None:
    no_headers = alice.post(
        RESUMABLE, json={"channelId": 1, "name": "No headers", "filename": "a.mp4"}
    )
    assert no_headers.status_code == 400
    params = no_headers.json()["invalid-params"]
    assert params["x-upload-content-length"]["location"] == "headers"
    no_filename = _init(fake, alice, 100, filename=None)
    assert no_filename.status_code == 201
    missing = alice.post(
        RESUMABLE,
        json={"channelId": 1, "name": "No filename"},
        headers={"X-Upload-Content-Length": "100", "X-Upload-Content-Type": "video/mp4"},
    )
    assert missing.json()["invalid-params"]["filename"]["msg"] == "Invalid value"


def test_source_replace_is_refused_when_disabled(fake: FakePeerTube, alice: Api) -> None:
    uuid = fake.add_video("alice", name="Replace me", input_filename="v1.mp4")["uuid"]
    response = alice.post(
        f"/api/v1/videos/{uuid}/source/replace-resumable",
        json={"filename": "v2.mp4"},
        headers={"X-Upload-Content-Length": "100", "X-Upload-Content-Type": "video/mp4"},
    )
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "Updating the file of an existing video is not allowed on this instance"
    )


def test_source_replace_when_enabled() -> None:
    with FakePeerTube(
        rate_limit=None, login_rate_limit=None, video_file_update_enabled=True
    ) as fake:
        fake.add_user("alice", "secret")
        api = Api(fake.url).login("alice", "secret")
        assert api.get("/api/v1/config").json()["videoFile"]["update"]["enabled"] is True
        uuid = fake.add_video("alice", name="Replace me", input_filename="v1.mp4")["uuid"]
        before = api.get(f"/api/v1/videos/{uuid}").json()
        assert before["inputFileUpdatedAt"] is None
        path = f"/api/v1/videos/{uuid}/source/replace-resumable"
        init = api.post(
            path,
            json={"filename": "v2.mp4"},
            headers={"X-Upload-Content-Length": "1500", "X-Upload-Content-Type": "video/mp4"},
        )
        assert init.status_code == 201
        assert init.headers["Location"].startswith(f"//127.0.0.1:{fake.port}{path}?upload_id=")
        url = "http:" + init.headers["Location"]
        assert _put(api, url, b"a" * 1000, "bytes 0-999/1500").status_code == 308
        done = _put(api, url, b"b" * 500, "bytes 1000-1499/1500")
        assert done.status_code == 204
        after = api.get(f"/api/v1/videos/{uuid}").json()
        assert after["inputFileUpdatedAt"] is not None
        assert after["updatedAt"] > before["updatedAt"]
        assert api.get(f"/api/v1/videos/{uuid}/source").json()["inputFilename"] == "v2.mp4"
        assert fake.source_file(uuid)["size"] == 1500  # type: ignore[index]
