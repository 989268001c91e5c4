"""Seeding and introspection helpers, and the public-host option."""

from __future__ import annotations

import pytest

from ptsync.testing import FakePeerTube
from tests.testing.conftest import Api


def test_add_user_returns_ids_and_refuses_taken_names() -> None:
    fake = FakePeerTube()
    made = fake.add_user("dana", "pw", channels=["dana_main", "dana_side"])
    assert made["username"] == "dana"
    assert list(made["channels"]) == ["dana_main", "dana_side"]
    assert made["account_id"] != made["id"]
    default = fake.add_user("erin", "pw")
    assert list(default["channels"]) == ["erin_channel"]
    for name, channels in (("dana", None), ("frank", ["dana_main"]), ("erin_channel", None)):
        with pytest.raises(ValueError):
            fake.add_user(name, "pw", channels=channels)
    with pytest.raises(ValueError):
        fake.add_user("gail", "pw", role="superuser")
    assert fake.add_channel("dana", "dana_third")["name"] == "dana_third"
    with pytest.raises(ValueError):
        fake.add_channel("dana", "erin")


def test_add_video_options_and_edit_errors() -> None:
    fake = FakePeerTube()
    fake.add_user("dana", "pw", channels=["dana_main", "dana_side"])
    made = fake.add_video(
        "dana",
        channel="dana_side",
        name="Seeded",
        tags=["b", "a", "b"],
        category=15,
        language="nl",
        originally_published_at="2020-01-02T03:04:05.000Z",
        state=3,
    )
    detail = fake.video(made["shortUUID"])
    assert detail is not None
    assert detail["channel"]["name"] == "dana_side"
    assert detail["tags"] == ["a", "b"]
    assert detail["originallyPublishedAt"] == "2020-01-02T03:04:05.000Z"
    assert detail["state"] == {"id": 3, "label": "To import"}
    assert detail["files"] == [] and detail["aspectRatio"] is None
    assert fake.video(str(made["id"])) == detail
    assert fake.video("00000000-0000-4000-8000-000000000000") is None
    with pytest.raises(ValueError):
        fake.add_video("dana", channel="nope", name="X")
    with pytest.raises(ValueError):
        fake.edit_video(made["uuid"], name="ab")
    with pytest.raises(ValueError):
        fake.edit_video(made["uuid"], privacy=5)
    with pytest.raises(ValueError):
        fake.set_import_target("https://example.com/a.mp4", "exploding")


def test_public_host_is_used_in_urls_and_locations() -> None:
    with FakePeerTube(
        rate_limit=None, login_rate_limit=None, public_host="videos.example.org"
    ) as fake:
        fake.add_user("dana", "pw")
        uuid = fake.add_video("dana", name="Hosted", privacy=1)["uuid"]
        assert fake.url.startswith("http://127.0.0.1:")
        api = Api(fake.url).login("dana", "pw")
        detail = api.get(f"/api/v1/videos/{uuid}").json()
        assert detail["url"] == f"http://videos.example.org/videos/watch/{uuid}"
        assert detail["channel"]["host"] == "videos.example.org"
        init = api.post(
            "/api/v1/videos/upload-resumable",
            json={
                "channelId": detail["channel"]["id"],
                "name": "Hosted upload",
                "filename": "h.mp4",
            },
            headers={"X-Upload-Content-Length": "100", "X-Upload-Content-Type": "video/mp4"},
        )
        assert init.headers["Location"].startswith(
            "//videos.example.org/api/v1/videos/upload-resumable?upload_id="
        )
