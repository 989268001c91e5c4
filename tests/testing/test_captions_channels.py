"""Captions and channels."""

from __future__ import annotations

import requests

from ptsync.testing import FakePeerTube
from tests.testing.conftest import Api

VTT = b"WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n"


def _caption(
    api: Api, uuid: str, lang: str, data: bytes = VTT, mimetype: str = "text/vtt"
) -> requests.Response:
    files = {"captionfile": (f"c.{lang}.vtt", data, mimetype)}
    return api.put(f"/api/v1/videos/{uuid}/captions/{lang}", files=files)


def test_caption_put_list_replace_delete(fake: FakePeerTube, alice: Api, anon: Api) -> None:
    uuid = fake.add_video("alice", name="Captioned", privacy=1)["uuid"]
    put = _caption(alice, uuid, "en")
    assert put.status_code == 204 and put.content == b""
    assert fake.caption(uuid, "en") == VTT
    _caption(alice, uuid, "fr", b"WEBVTT\n\nfr\n", "application/octet-stream")
    listed = anon.get(f"/api/v1/videos/{uuid}/captions").json()
    assert listed["total"] == 2
    first = listed["data"][0]
    assert list(first) == ["language", "automaticallyGenerated", "captionPath", "updatedAt"]
    assert first["language"] == {"id": "en", "label": "English"}
    assert first["automaticallyGenerated"] is False
    assert first["captionPath"].startswith("/lazy-static/video-captions/")
    assert first["captionPath"].endswith("-en.vtt")
    _caption(alice, uuid, "en", b"WEBVTT\n\nchanged\n")
    again = anon.get(f"/api/v1/videos/{uuid}/captions").json()["data"][0]
    assert again["captionPath"] != first["captionPath"]
    assert fake.caption(uuid, "en") == b"WEBVTT\n\nchanged\n"
    assert alice.delete(f"/api/v1/videos/{uuid}/captions/en").status_code == 204
    missing = alice.delete(f"/api/v1/videos/{uuid}/captions/en")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "Video caption not found"
    assert fake.caption(uuid, "en") is None


def test_caption_validation_and_ownership(fake: FakePeerTube, alice: Api, bob: Api) -> None:
    uuid = fake.add_video("alice", name="Caption rules")["uuid"]
    unknown_language = _caption(alice, uuid, "xx-nope")
    assert unknown_language.status_code == 400
    assert unknown_language.json()["invalid-params"]["captionLanguage"]["location"] == "params"
    no_file = alice.put(f"/api/v1/videos/{uuid}/captions/en", data={"x": "y"})
    assert "captionfile" in no_file.json()["invalid-params"]
    image = _caption(alice, uuid, "en", b"GIF89a", "image/gif")
    assert image.status_code == 400
    assert _caption(bob, uuid, "en").status_code == 403


def test_account_channels_newest_first_with_owner(fake: FakePeerTube, anon: Api) -> None:
    body = anon.get("/api/v1/accounts/alice/video-channels").json()
    assert [c["name"] for c in body["data"]] == ["alice_archive", "alice_videos"]
    assert body["data"][0]["ownerAccount"]["name"] == "alice"
    assert anon.get("/api/v1/accounts/nobody/video-channels").status_code == 404


def test_create_get_update_channel(fake: FakePeerTube, alice: Api, anon: Api) -> None:
    created = alice.post(
        "/api/v1/video-channels",
        json={"name": "alice_extra", "displayName": "Alice Extra", "description": "More videos"},
    )
    assert created.status_code == 200
    channel = created.json()["videoChannel"]
    assert list(channel) == ["id"]
    got = anon.get("/api/v1/video-channels/alice_extra").json()
    assert got["id"] == channel["id"]
    assert got["displayName"] == "Alice Extra" and got["description"] == "More videos"
    assert got["support"] is None and got["ownerAccount"]["name"] == "alice"
    assert anon.get(f"/api/v1/video-channels/alice_extra@127.0.0.1:{fake.port}").status_code == 200
    update = alice.put(
        "/api/v1/video-channels/alice_extra", json={"displayName": "Renamed", "support": "Tip jar"}
    )
    assert update.status_code == 204
    again = anon.get("/api/v1/video-channels/alice_extra").json()
    assert again["displayName"] == "Renamed" and again["support"] == "Tip jar"
    assert again["updatedAt"] > got["updatedAt"]


def test_channel_conflicts_and_validation(alice: Api, bob: Api) -> None:
    for name in ("alice_videos", "bob"):
        duplicate = alice.post("/api/v1/video-channels", json={"name": name, "displayName": "Dup"})
        assert duplicate.status_code == 409
        assert duplicate.json() == {
            "type": "about:blank",
            "title": "Conflict",
            "detail": "Another actor (account/channel) with this name on this instance already exists or has already existed.",
            "status": 409,
            "error": "Another actor (account/channel) with this name on this instance already exists or has already existed.",
        }
    invalid = alice.post("/api/v1/video-channels", json={"name": "Bad Name!", "displayName": ""})
    assert invalid.status_code == 400
    assert invalid.json()["detail"] == "Incorrect request parameters: name, displayName"
    assert invalid.json()["invalid-params"]["displayName"]["value"] == ""
    other = bob.put("/api/v1/video-channels/alice_videos", json={"displayName": "Mine now"})
    assert other.status_code == 403


def test_routes_without_multer_ignore_multipart_bodies(alice: Api) -> None:
    response = alice.post(
        "/api/v1/video-channels",
        files={"name": (None, "from_multipart"), "displayName": (None, "X")},
    )
    assert response.status_code == 400
    assert set(response.json()["invalid-params"]) == {"name", "displayName"}
