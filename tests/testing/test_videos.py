"""Reading and deleting videos: identifiers, visibility rules, description, source."""

from __future__ import annotations

from ptsync.testing import FakePeerTube
from tests.testing.conftest import Api

GET_DOCS = "https://docs.joinpeertube.org/api-rest-reference.html#operation/getVideo"
DEL_DOCS = "https://docs.joinpeertube.org/api-rest-reference.html#operation/delVideo"


def test_detail_by_id_uuid_and_short_uuid(fake: FakePeerTube, anon: Api) -> None:
    made = fake.add_video("alice", name="Three ways", privacy=1)
    bodies = [anon.get(f"/api/v1/videos/{made[key]}").json() for key in ("id", "uuid", "shortUUID")]
    assert bodies[0] == bodies[1] == bodies[2]
    assert bodies[0]["shortUUID"] == made["shortUUID"]
    assert bodies[0]["channel"]["ownerAccount"]["name"] == "alice"
    assert bodies[0]["account"]["userId"] == bodies[0]["channel"]["ownerAccount"]["userId"]


def test_invalid_id_is_the_recorded_400(anon: Api) -> None:
    response = anon.get("/api/v1/videos/not-a-valid-id")
    assert response.status_code == 400
    assert response.json() == {
        "type": "about:blank",
        "title": "Bad Request",
        "detail": "Incorrect request parameters: id",
        "instance": "/api/v1/videos/not-a-valid-id",
        "status": 400,
        "invalid-params": {
            "id": {
                "type": "field",
                "value": "not-a-valid-id",
                "msg": "Should have a valid video id (id, short UUID or UUID)",
                "path": "id",
                "location": "params",
            }
        },
        "docs": GET_DOCS,
        "error": "Incorrect request parameters: id",
    }


def test_unknown_video_is_404(anon: Api) -> None:
    response = anon.get("/api/v1/videos/00000000-0000-4000-8000-000000000000")
    assert response.status_code == 404
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "detail": "Video not found",
        "status": 404,
        "docs": GET_DOCS,
        "error": "Video not found",
    }


def test_private_video_visibility(
    fake: FakePeerTube, alice: Api, bob: Api, root: Api, anon: Api
) -> None:
    uuid = fake.add_video("alice", name="Secret", privacy=3)["uuid"]
    denied = anon.get(f"/api/v1/videos/{uuid}")
    assert denied.status_code == 401
    assert denied.json()["detail"] == "Not authenticated"
    assert "code" not in denied.json()
    forbidden = bob.get(f"/api/v1/videos/{uuid}")
    assert forbidden.status_code == 403
    assert (
        forbidden.json()["detail"] == "Cannot fetch information of private/internal/blocked video"
    )
    assert alice.get(f"/api/v1/videos/{uuid}").status_code == 200
    assert root.get(f"/api/v1/videos/{uuid}").status_code == 200


def test_unlisted_needs_auth_only_by_numeric_id(fake: FakePeerTube, anon: Api) -> None:
    made = fake.add_video("alice", name="Unlisted", privacy=2)
    assert anon.get(f"/api/v1/videos/{made['uuid']}").status_code == 200
    assert anon.get(f"/api/v1/videos/{made['shortUUID']}").status_code == 200
    assert anon.get(f"/api/v1/videos/{made['id']}").status_code == 401


def test_password_protected_needs_the_header(fake: FakePeerTube, alice: Api, bob: Api) -> None:
    uuid = fake.add_video("alice", name="Locked", password="open-sesame")["uuid"]
    assert alice.get(f"/api/v1/videos/{uuid}").json()["privacy"]["id"] == 5
    missing = bob.get(f"/api/v1/videos/{uuid}")
    assert missing.status_code == 403 and missing.json()["code"] == "video_requires_password"
    wrong = bob.get(f"/api/v1/videos/{uuid}", headers={"x-peertube-video-password": "nope"})
    assert wrong.json()["code"] == "incorrect_video_password"
    right = bob.get(f"/api/v1/videos/{uuid}", headers={"x-peertube-video-password": "open-sesame"})
    assert right.status_code == 200
    passwords = alice.get(f"/api/v1/videos/{uuid}/passwords").json()
    assert [p["password"] for p in passwords["data"]] == ["open-sesame"]


def test_description_endpoint_returns_full_text(fake: FakePeerTube, anon: Api) -> None:
    uuid = fake.add_video("alice", name="Long", privacy=1, description="w" * 400)["uuid"]
    assert anon.get(f"/api/v1/videos/{uuid}/description").json() == {"description": "w" * 400}


def test_source_is_owner_only(fake: FakePeerTube, alice: Api, bob: Api) -> None:
    uuid = fake.add_video("alice", name="Sourced", input_filename="lecture-7.mp4", size=2048)[
        "uuid"
    ]
    source = alice.get(f"/api/v1/videos/{uuid}/source").json()
    assert source["inputFilename"] == "lecture-7.mp4"
    assert source["size"] == 2048
    assert bob.get(f"/api/v1/videos/{uuid}/source").status_code == 403
    bare = fake.add_video("alice", name="No source")["uuid"]
    assert alice.get(f"/api/v1/videos/{bare}/source").status_code == 404


def test_delete_then_again_and_someone_elses(fake: FakePeerTube, alice: Api, bob: Api) -> None:
    uuid = fake.add_video("alice", name="Doomed")["uuid"]
    other = bob.delete(f"/api/v1/videos/{uuid}")
    assert other.status_code == 403
    assert other.json() == {
        "type": "about:blank",
        "title": "Forbidden",
        "detail": "Cannot manage a video of another user.",
        "status": 403,
        "docs": DEL_DOCS,
        "error": "Cannot manage a video of another user.",
    }
    deleted = alice.delete(f"/api/v1/videos/{uuid}")
    assert deleted.status_code == 204
    assert deleted.content == b""
    again = alice.delete(f"/api/v1/videos/{uuid}")
    assert again.status_code == 404
    assert again.json()["docs"] == DEL_DOCS
    assert fake.video(uuid) is None


def test_fake_video_matches_http_detail(fake: FakePeerTube, alice: Api) -> None:
    uuid = fake.add_video("alice", name="Same either way", tags=["b", "a"])["uuid"]
    assert fake.video(uuid) == alice.get(f"/api/v1/videos/{uuid}").json()
    assert [v["name"] for v in fake.videos("alice")][-1] == "Same either way"
