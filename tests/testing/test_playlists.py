"""Playlists: multipart-only creation, reading, elements, reordering, deletion."""

from __future__ import annotations

from typing import Any

from ptsync.testing import FakePeerTube
from tests.testing.conftest import Api, channel_id

TYPE_ERROR = {
    "type": "https://docs.joinpeertube.org/api-rest-reference.html#section/Errors/TypeError",
    "detail": "Cannot read properties of undefined (reading 'thumbnailfile')",
    "status": 500,
    "code": "TypeError",
    "error": "Cannot read properties of undefined (reading 'thumbnailfile')",
}


def _multipart(fields: dict[str, Any]) -> dict[str, tuple[None, str]]:
    return {key: (None, str(value)) for key, value in fields.items()}


def _create(fake: FakePeerTube, api: Api, name: str = "Highlights", **extra: Any) -> dict[str, Any]:
    fields = {"displayName": name, "privacy": 1, "videoChannelId": channel_id(fake, "alice_videos")}
    fields.update(extra)
    response = api.post("/api/v1/video-playlists", files=_multipart(fields))
    assert response.status_code == 200, response.text
    return dict(response.json()["videoPlaylist"])


def test_only_multipart_creates_a_playlist(fake: FakePeerTube, alice: Api) -> None:
    fields = {
        "displayName": "Broken",
        "privacy": 1,
        "videoChannelId": channel_id(fake, "alice_videos"),
    }
    before = len(fake.playlists("alice"))
    as_json = alice.post("/api/v1/video-playlists", json=fields)
    as_form = alice.post("/api/v1/video-playlists", data=fields)
    for response in (as_json, as_form):
        assert response.status_code == 500
        assert response.json() == TYPE_ERROR
    assert len(fake.playlists("alice")) == before
    created = _create(fake, alice, description="<!-- ptsync:nisv/highlights -->")
    assert list(created) == ["id", "shortUUID", "uuid"]


def test_validation_runs_before_the_crash(alice: Api) -> None:
    response = alice.post("/api/v1/video-playlists", json={"privacy": 1})
    assert response.status_code == 400
    assert "displayName" in response.json()["invalid-params"]
    public_without_channel = alice.post(
        "/api/v1/video-playlists", files=_multipart({"displayName": "X", "privacy": 1})
    )
    assert public_without_channel.status_code == 400


def test_playlist_json_and_account_listing(fake: FakePeerTube, alice: Api, anon: Api) -> None:
    created = _create(fake, alice, "Listed")
    body = anon.get(f"/api/v1/video-playlists/{created['uuid']}").json()
    assert body["displayName"] == "Listed"
    assert body["privacy"] == {"id": 1, "label": "Public"}
    assert body["type"] == {"id": 1, "label": "Regular"}
    assert body["videoChannel"]["name"] == "alice_videos"
    assert body["videosLength"] == 0
    assert anon.get(f"/api/v1/video-playlists/{created['shortUUID']}").json()["id"] == created["id"]
    mine = alice.get("/api/v1/accounts/alice/video-playlists", params={"count": 100}).json()["data"]
    assert any(p["type"]["label"] == "Watch later" for p in mine)
    public = anon.get("/api/v1/accounts/alice/video-playlists", params={"count": 100}).json()[
        "data"
    ]
    assert all(p["privacy"]["id"] == 1 for p in public)


def test_elements_add_list_reorder_remove(fake: FakePeerTube, alice: Api) -> None:
    playlist = _create(fake, alice, "Ordered")
    uuids = [fake.add_video("alice", name=f"Element {n}", privacy=1)["uuid"] for n in range(4)]
    path = f"/api/v1/video-playlists/{playlist['id']}/videos"
    element_ids = []
    for uuid in uuids:
        added = alice.post(path, json={"videoId": uuid})
        assert added.status_code == 200
        element_ids.append(added.json()["videoPlaylistElement"]["id"])
    assert fake.playlist_videos(playlist["uuid"]) == uuids
    reordered = alice.post(f"{path}/reorder", json={"startPosition": 2, "insertAfterPosition": 0})
    assert reordered.status_code == 204
    assert fake.playlist_videos(playlist["uuid"]) == [uuids[1], uuids[0], uuids[2], uuids[3]]
    alice.post(
        f"{path}/reorder", json={"startPosition": 1, "insertAfterPosition": 4, "reorderLength": 2}
    )
    assert fake.playlist_videos(playlist["uuid"]) == [uuids[2], uuids[3], uuids[1], uuids[0]]
    listed = alice.get(path).json()
    assert listed["total"] == 4
    assert [e["position"] for e in listed["data"]] == [1, 2, 3, 4]
    assert list(listed["data"][0]) == [
        "id",
        "position",
        "startTimestamp",
        "stopTimestamp",
        "type",
        "video",
    ]
    assert listed["data"][0]["video"]["uuid"] == uuids[2]
    too_far = alice.post(f"{path}/reorder", json={"startPosition": 5, "insertAfterPosition": 0})
    assert (
        too_far.json()["detail"]
        == "Start position or insert after position exceed the playlist limits (max: 4)"
    )
    assert alice.delete(f"{path}/{element_ids[2]}").status_code == 204
    assert fake.playlist_videos(playlist["uuid"]) == [uuids[3], uuids[1], uuids[0]]
    assert alice.delete(f"{path}/{element_ids[2]}").status_code == 404
    assert alice.get(f"/api/v1/video-playlists/{playlist['uuid']}").json()["videosLength"] == 3


def test_deleted_video_leaves_a_deleted_element(fake: FakePeerTube, alice: Api) -> None:
    playlist = _create(fake, alice, "With a hole")
    uuid = fake.add_video("alice", name="Gone soon", privacy=1)["uuid"]
    path = f"/api/v1/video-playlists/{playlist['id']}/videos"
    alice.post(path, json={"videoId": uuid})
    alice.delete(f"/api/v1/videos/{uuid}")
    element = alice.get(path).json()["data"][0]
    assert element["type"] == 1 and element["video"] is None


def test_update_and_delete_playlist(fake: FakePeerTube, alice: Api, bob: Api) -> None:
    playlist = _create(fake, alice, "Mutable")
    url = f"/api/v1/video-playlists/{playlist['id']}"
    assert alice.put(url, json={"displayName": "Nope"}).json() == TYPE_ERROR
    assert alice.put(url, files=_multipart({"displayName": "Changed"})).status_code == 204
    assert alice.get(url).json()["displayName"] == "Changed"
    assert bob.put(url, files=_multipart({"displayName": "Mine"})).status_code == 403
    assert bob.delete(url).status_code == 403
    assert alice.delete(url).status_code == 204
    assert alice.get(url).status_code == 404
    watch_later = next(p for p in fake.playlists("alice") if p["type"]["id"] == 2)
    refused = alice.delete(f"/api/v1/video-playlists/{watch_later['id']}")
    assert refused.json()["detail"] == "Cannot delete a watch later playlist."


def test_private_playlist_visibility(fake: FakePeerTube, alice: Api, bob: Api, anon: Api) -> None:
    playlist = _create(fake, alice, "Secret list", privacy=3)
    url = f"/api/v1/video-playlists/{playlist['uuid']}"
    assert alice.get(url).status_code == 200
    assert bob.get(url).status_code == 403
    assert anon.get(url).status_code == 401


def test_an_unlisted_playlist_is_read_only_by_uuid_and_written_by_any_id(
    fake: FakePeerTube, alice: Api, root: Api, anon: Api
) -> None:
    """``videoPlaylistsGetValidator``: an unlisted playlist read by its numeric id is 404
    "Playlist not found" (both GETs, even for its owner); its uuid or shortUUID reads it. The
    edit, element and reorder validators have no such rule: any id form works there."""
    video = fake.add_video("alice", name="In an unlisted playlist", privacy=1)
    playlist = _create(fake, alice, "Unlisted", privacy=2)
    base = "/api/v1/video-playlists/"
    for ident in (playlist["id"], str(playlist["id"])):
        for suffix in ("", "/videos"):
            refused = alice.get(f"{base}{ident}{suffix}")
            assert refused.status_code == 404 and refused.json()["detail"] == "Playlist not found"
    for ident in (playlist["uuid"], playlist["shortUUID"]):
        assert anon.get(f"{base}{ident}").json()["privacy"]["id"] == 2
        assert anon.get(f"{base}{ident}/videos").json()["total"] == 0
    numeric = f"{base}{playlist['id']}"
    added = alice.post(f"{numeric}/videos", json={"videoId": video["uuid"]})
    assert added.status_code == 200, added.text
    alice.post(f"{numeric}/videos", json={"videoId": video["id"]})
    moved = alice.post(
        f"{numeric}/videos/reorder", json={"startPosition": 2, "insertAfterPosition": 0}
    )
    assert moved.status_code == 204
    element = added.json()["videoPlaylistElement"]["id"]
    assert alice.delete(f"{numeric}/videos/{element}").status_code == 204
    assert alice.put(numeric, files=_multipart({"privacy": 3})).status_code == 204
    assert alice.get(f"{numeric}/videos").json()["total"] == 1  # private: the id reads again
    assert alice.put(numeric, files=_multipart({"privacy": 2})).status_code == 204
    listed = {p["uuid"]: p["privacy"]["id"] for p in _listing(alice, "alice")}
    assert listed[playlist["uuid"]] == 2  # the owner lists every privacy
    for viewer in (anon, root):  # others (an administrator too) list only public ones
        assert playlist["uuid"] not in {p["uuid"] for p in _listing(viewer, "alice")}
    assert alice.delete(numeric).status_code == 204


def _listing(api: Api, owner: str) -> list[dict[str, Any]]:
    response = api.get(f"/api/v1/accounts/{owner}/video-playlists", params={"count": 100})
    assert response.status_code == 200, response.text
    return list(response.json()["data"])
