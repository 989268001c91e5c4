"""PUT /videos/{id}: validation bodies, partial updates, null clearing, tags, encodings."""

from __future__ import annotations

from ptsync.testing import FakePeerTube
from tests.testing.conftest import Api, channel_id

PUT_DOCS = "https://docs.joinpeertube.org/api-rest-reference.html#operation/putVideo"
TAGS_MSG = "Should have an array of up to 5 tags between 2 and 30 characters each"


def _video(fake: FakePeerTube, **fields: object) -> str:
    base: dict[str, object] = {"name": "Editable", "privacy": 1}
    base.update(fields)
    return str(fake.add_video("alice", **base)["uuid"])  # type: ignore[arg-type]


def _field_error(value: object, msg: str, path: str) -> dict[str, object]:
    return {"type": "field", "value": value, "msg": msg, "path": path, "location": "body"}


def test_several_bad_fields_are_all_reported_in_peertube_order(
    fake: FakePeerTube, alice: Api
) -> None:
    uuid = _video(fake)
    bad = {
        "name": "ab",
        "category": 9999,
        "licence": 9999,
        "privacy": 42,
        "language": "waytoolonglanguage",
        "tags": ["a", "ok", "x" * 31, "d4", "e5", "f6"],
        "description": "ab",
        "support": "x",
    }
    response = alice.put(f"/api/v1/videos/{uuid}", json=bad)
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json; charset=utf-8"
    order = "category, licence, language, privacy, description, support, tags, name"
    assert response.json() == {
        "type": "about:blank",
        "title": "Bad Request",
        "detail": f"Incorrect request parameters: {order}",
        "instance": f"/api/v1/videos/{uuid}",
        "status": 400,
        "invalid-params": {
            "category": _field_error(9999, "Invalid value", "category"),
            "licence": _field_error(9999, "Invalid value", "licence"),
            "language": _field_error("waytoolonglanguage", "Invalid value", "language"),
            "privacy": _field_error(42, "Invalid value", "privacy"),
            "description": _field_error("ab", "Invalid value", "description"),
            "support": _field_error("x", "Invalid value", "support"),
            "tags": _field_error(bad["tags"], TAGS_MSG, "tags"),
            "name": _field_error(
                "ab", "Should have a video name between 3 and 120 characters long", "name"
            ),
        },
        "docs": PUT_DOCS,
        "error": f"Incorrect request parameters: {order}",
    }
    assert fake.video(uuid)["name"] == "Editable"  # type: ignore[index]


def test_boundaries_of_text_fields(fake: FakePeerTube, alice: Api) -> None:
    uuid = _video(fake)
    assert alice.put(f"/api/v1/videos/{uuid}", json={"name": "  abc  "}).status_code == 204
    assert fake.video(uuid)["name"] == "abc"  # type: ignore[index]
    assert alice.put(f"/api/v1/videos/{uuid}", json={"name": "x" * 121}).status_code == 400
    assert alice.put(f"/api/v1/videos/{uuid}", json={"description": "x" * 10001}).status_code == 400
    assert alice.put(f"/api/v1/videos/{uuid}", json={"description": "x" * 10000}).status_code == 204
    assert alice.put(f"/api/v1/videos/{uuid}", json={"support": "x" * 1001}).status_code == 400


def test_partial_update_keeps_absent_fields_and_ignores_unknown(
    fake: FakePeerTube, alice: Api
) -> None:
    uuid = _video(fake, category=15, licence=1, language="en", support="Support me", tags=["keep"])
    response = alice.put(f"/api/v1/videos/{uuid}", json={"name": "Renamed", "foo": "bar"})
    assert response.status_code == 204
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    detail = alice.get(f"/api/v1/videos/{uuid}").json()
    assert detail["name"] == "Renamed"
    assert detail["category"] == {"id": 15, "label": "Science & Technology"}
    assert detail["support"] == "Support me"
    assert detail["tags"] == ["keep"]


def test_null_clears_nullable_fields(fake: FakePeerTube, alice: Api) -> None:
    uuid = _video(
        fake, category=15, licence=1, language="en", support="Support", description="Text"
    )
    nulls = {
        "category": None,
        "licence": None,
        "language": None,
        "support": None,
        "description": None,
    }
    assert alice.put(f"/api/v1/videos/{uuid}", json=nulls).status_code == 204
    detail = alice.get(f"/api/v1/videos/{uuid}").json()
    for field in ("category", "licence", "language"):
        assert detail[field] == {"id": None, "label": "Unknown"}
    assert detail["support"] is None and detail["description"] is None


def test_unknown_language_code_is_accepted_and_labelled_unknown(
    fake: FakePeerTube, alice: Api
) -> None:
    uuid = _video(fake)
    assert alice.put(f"/api/v1/videos/{uuid}", json={"language": "zz"}).status_code == 204
    assert alice.get(f"/api/v1/videos/{uuid}").json()["language"] == {
        "id": "zz",
        "label": "Unknown",
    }


def test_tags_are_deduplicated_and_returned_in_byte_order(fake: FakePeerTube, alice: Api) -> None:
    uuid = _video(fake)
    tags = ["Beta", "alpha", "alpha", "Zeta"]
    assert alice.put(f"/api/v1/videos/{uuid}", json={"tags": tags}).status_code == 204
    assert alice.get(f"/api/v1/videos/{uuid}").json()["tags"] == ["Beta", "Zeta", "alpha"]
    assert alice.put(f"/api/v1/videos/{uuid}", json={"tags": []}).status_code == 204
    assert alice.get(f"/api/v1/videos/{uuid}").json()["tags"] == []


def test_tag_limits(fake: FakePeerTube, alice: Api) -> None:
    uuid = _video(fake)
    six = alice.put(f"/api/v1/videos/{uuid}", json={"tags": ["t1", "t2", "t3", "t4", "t5", "t6"]})
    assert six.json()["invalid-params"]["tags"]["msg"] == TAGS_MSG
    string = alice.put(f"/api/v1/videos/{uuid}", json={"tags": "single"})
    assert string.status_code == 400
    assert string.json()["invalid-params"]["tags"]["value"] == "single"


def test_tag_encodings_in_forms(fake: FakePeerTube, alice: Api) -> None:
    uuid = _video(fake, tags=["orig"])
    path = f"/api/v1/videos/{uuid}"

    def tags() -> list[str]:
        return list(alice.get(path).json()["tags"])

    repeated = alice.put(
        path,
        data="tags=rep1&tags=rep2",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert repeated.status_code == 204 and tags() == ["rep1", "rep2"]
    indexed = alice.put(path, data={"tags[0]": "multi", "tags[1]": "part", "name": "Form renamed"})
    assert indexed.status_code == 204
    assert tags() == ["rep1", "rep2"]
    assert alice.get(path).json()["name"] == "Form renamed"
    single = alice.put(path, data={"tags": "single"})
    assert single.status_code == 400
    assert single.json()["invalid-params"]["tags"]["value"] == "single"
    files = {"thumbnailfile": ("t.jpg", b"\xff\xd8jpeg", "image/jpeg")}
    multipart = alice.put(path, data={"tags[0]": "mp0", "tags[1]": "mp1"}, files=files)
    assert multipart.status_code == 204 and tags() == ["mp0", "mp1"]
    repeated_mp = alice.put(path, data=[("tags", "mpa"), ("tags", "mpb")], files=files)
    assert repeated_mp.status_code == 204 and tags() == ["mpa", "mpb"]
    lonely = alice.put(path, data={"tags": "lonely"}, files=files)
    assert lonely.status_code == 400
    assert lonely.json()["invalid-params"]["tags"]["value"] == "lonely"


def test_multipart_thumbnail_changes_path_and_is_kept(fake: FakePeerTube, alice: Api) -> None:
    uuid = _video(fake)
    before = alice.get(f"/api/v1/videos/{uuid}").json()["thumbnailPath"]
    files = {"thumbnailfile": ("thumb.png", b"\x89PNG fake", "image/png")}
    response = alice.put(f"/api/v1/videos/{uuid}", data={"licence": "4"}, files=files)
    assert response.status_code == 204
    detail = alice.get(f"/api/v1/videos/{uuid}").json()
    assert detail["thumbnailPath"] != before
    assert detail["licence"]["id"] == 4
    assert fake.thumbnail(uuid) == b"\x89PNG fake"
    not_image = alice.put(
        f"/api/v1/videos/{uuid}", files={"thumbnailfile": ("t.txt", b"x", "text/plain")}
    )
    assert not_image.status_code == 400
    assert "thumbnailfile" in not_image.json()["invalid-params"]


def test_unexpected_file_field_is_multer_500(fake: FakePeerTube, alice: Api) -> None:
    uuid = _video(fake)
    response = alice.put(f"/api/v1/videos/{uuid}", files={"dummy": ("x.bin", b"x")})
    assert response.status_code == 500
    assert response.json()["code"] == "MulterError"
    assert response.json()["detail"] == "Unexpected field"


def test_every_put_bumps_updated_at_even_a_no_op(fake: FakePeerTube, alice: Api) -> None:
    uuid = _video(fake)
    first = alice.get(f"/api/v1/videos/{uuid}").json()["updatedAt"]
    assert alice.put(f"/api/v1/videos/{uuid}", json={}).status_code == 204
    second = alice.get(f"/api/v1/videos/{uuid}").json()["updatedAt"]
    assert second > first


def test_leaving_private_republishes(fake: FakePeerTube, alice: Api) -> None:
    uuid = _video(fake, privacy=3)
    published = alice.get(f"/api/v1/videos/{uuid}").json()["publishedAt"]
    assert alice.put(f"/api/v1/videos/{uuid}", json={"privacy": 2}).status_code == 204
    detail = alice.get(f"/api/v1/videos/{uuid}").json()
    assert detail["publishedAt"] > published
    assert detail["publishedAt"] == detail["updatedAt"]


def test_password_protection_needs_passwords_on_every_put(fake: FakePeerTube, alice: Api) -> None:
    uuid = _video(fake)
    missing = alice.put(f"/api/v1/videos/{uuid}", json={"privacy": 5})
    assert missing.status_code == 400
    assert missing.json() == {
        "type": "about:blank",
        "title": "Bad Request",
        "detail": "Video passwords are missing.",
        "status": 400,
        "docs": PUT_DOCS,
        "error": "Video passwords are missing.",
    }
    protect = {"privacy": 5, "videoPasswords": ["secret-pass-1"]}
    assert alice.put(f"/api/v1/videos/{uuid}", json=protect).status_code == 204
    rename = alice.put(f"/api/v1/videos/{uuid}", json={"name": "Renamed protected"})
    assert rename.json()["detail"] == "Video passwords are missing."
    with_passwords = {"name": "Renamed protected", "videoPasswords": ["secret-pass-1"]}
    assert alice.put(f"/api/v1/videos/{uuid}", json=with_passwords).status_code == 204
    duplicate = alice.put(f"/api/v1/videos/{uuid}", json={"videoPasswords": ["aa", "aa"]})
    assert duplicate.json()["detail"] == "Duplicate video passwords are not allowed."
    assert alice.put(f"/api/v1/videos/{uuid}", json={"privacy": 1}).status_code == 204


def test_ownership_rules(fake: FakePeerTube, bob: Api, root: Api) -> None:
    uuid = _video(fake)
    other = bob.put(f"/api/v1/videos/{uuid}", json={"category": 1})
    assert other.status_code == 403
    assert other.json()["detail"] == "Cannot manage a video of another user."
    assert (
        root.put(f"/api/v1/videos/{uuid}", json={"support": "changed by admin"}).status_code == 204
    )
    assert fake.video(uuid)["support"] == "changed by admin"  # type: ignore[index]


def test_errors_before_ownership(alice: Api, anon: Api) -> None:
    missing = alice.put("/api/v1/videos/00000000-0000-4000-8000-000000000000", json={"category": 1})
    assert missing.status_code == 404 and missing.json()["docs"] == PUT_DOCS
    unauthenticated = anon.put("/api/v1/videos/1", json={"category": 1})
    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["code"] == "unauthorized_request"
    assert unauthenticated.json()["docs"] == PUT_DOCS


def test_json_body_over_500kb_is_413_before_anything_else(alice: Api) -> None:
    path = "/api/v1/videos/00000000-0000-4000-8000-000000000000"
    response = alice.put(path, json={"description": "x" * 600_000})
    assert response.status_code == 413
    assert response.json() == {
        "type": "https://docs.joinpeertube.org/api-rest-reference.html#section/Errors/PayloadTooLargeError",
        "detail": "request entity too large",
        "status": 413,
        "code": "PayloadTooLargeError",
        "error": "request entity too large",
    }


def test_channel_change_needs_own_channel(fake: FakePeerTube, alice: Api) -> None:
    uuid = _video(fake)
    archive = channel_id(fake, "alice_archive")
    assert alice.put(f"/api/v1/videos/{uuid}", json={"channelId": archive}).status_code == 204
    assert alice.get(f"/api/v1/videos/{uuid}").json()["channel"]["name"] == "alice_archive"
    bobs = channel_id(fake, "bob_channel")
    refused = alice.put(f"/api/v1/videos/{uuid}", json={"channelId": bobs})
    assert refused.status_code == 400
    assert refused.json()["detail"] == 'Unknown video "video channel" for this account.'


def test_edit_video_behaves_like_a_put(fake: FakePeerTube, alice: Api) -> None:
    uuid = _video(fake)
    before = alice.get(f"/api/v1/videos/{uuid}").json()["updatedAt"]
    fake.clear_requests()
    fake.edit_video(uuid, name="Edited in the web UI", tags=["ui"])
    assert fake.requests == []
    detail = alice.get(f"/api/v1/videos/{uuid}").json()
    assert detail["name"] == "Edited in the web UI"
    assert detail["tags"] == ["ui"]
    assert detail["updatedAt"] > before
