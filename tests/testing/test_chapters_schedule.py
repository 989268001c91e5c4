"""The fake's chapters, schedules and passwords on 6.3 and 8.0: PeerTube's validation, the
shapes its answers have, chapters derived from descriptions, and the publishing scheduler."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ptsync.testing import FakePeerTube
from tests.testing.conftest import Api, channel_id, seed_users

CHAPTERS_MSG = "Chapters must have a valid title and timecode, and each timecode must be unique"


@pytest.fixture(params=["6.3", "8.0"], scope="module")
def server(request) -> Iterator[FakePeerTube]:
    with FakePeerTube(rate_limit=None, login_rate_limit=None, version=request.param) as fake:
        seed_users(fake)
        yield fake


@pytest.fixture(scope="module")
def owner(server: FakePeerTube) -> Api:
    return Api(server.url).login("alice", "secret")


@pytest.fixture(scope="module")
def other(server: FakePeerTube) -> Api:
    return Api(server.url).login("bob", "secret")


def _video(server: FakePeerTube, **fields: object) -> str:
    fields = {"name": "Chaptered", "privacy": 1, **fields}
    return str(server.add_video("alice", **fields)["uuid"])  # type: ignore[arg-type]


def test_chapters_are_replaced_whole_and_listed_in_timecode_order(server, owner, other):
    uuid = _video(server)
    body = {"chapters": [{"title": "Later", "timecode": 90}, {"title": "Intro", "timecode": "0"}]}
    assert owner.put(f"/api/v1/videos/{uuid}/chapters", json=body).status_code == 204
    answer = other.get(f"/api/v1/videos/{uuid}/chapters")
    assert answer.status_code == 200
    assert answer.json() == {
        "chapters": [{"timecode": 0, "title": "Intro"}, {"timecode": 90, "title": "Later"}]
    }
    assert owner.put(f"/api/v1/videos/{uuid}/chapters", json={"chapters": []}).status_code == 204
    assert owner.get(f"/api/v1/videos/{uuid}/chapters").json() == {"chapters": []}
    refused = other.put(f"/api/v1/videos/{uuid}/chapters", json=body)
    assert refused.status_code == 403


@pytest.mark.parametrize(
    "chapters",
    [
        [{"title": "A", "timecode": 5}, {"title": "B", "timecode": 5}],
        [{"title": "", "timecode": 1}],
        [{"title": "x" * 101, "timecode": 1}],
        [{"title": "A", "timecode": -1}],
        [{"title": "A", "timecode": 1.5}],
        "not a list",
    ],
)
def test_invalid_chapters_are_one_invalid_param(server, owner, chapters):
    uuid = _video(server)
    answer = owner.put(f"/api/v1/videos/{uuid}/chapters", json={"chapters": chapters})
    assert answer.status_code == 400
    body = answer.json()
    assert body["invalid-params"]["chapters"]["msg"] == CHAPTERS_MSG
    assert ("error" in body) == (server.version == "6.3")


def test_description_timestamps_make_chapters_until_chapters_are_set(server, owner):
    uuid = _video(server, description="Intro\n00:00 Start\n1:02 Middle\n1h2m3s End\nafter")
    assert server.chapters(uuid) == [
        {"timecode": 0, "title": "Start"},
        {"timecode": 62, "title": "Middle"},
        {"timecode": 3723, "title": "End"},
    ]
    put = owner.put(f"/api/v1/videos/{uuid}", json={"description": "00:00 New\n00:30 Second"})
    assert put.status_code == 204  # derived from the old description: derived again
    assert [c["title"] for c in server.chapters(uuid)] == ["New", "Second"]
    owner.put(
        f"/api/v1/videos/{uuid}/chapters", json={"chapters": [{"title": "Mine", "timecode": 0}]}
    )
    owner.put(f"/api/v1/videos/{uuid}", json={"description": "00:00 Again\n00:40 Other"})
    assert server.chapters(uuid) == [{"timecode": 0, "title": "Mine"}]  # set by hand: kept


def test_a_schedule_is_set_shown_only_while_set_and_cleared_with_null(server, owner):
    uuid = _video(server, privacy=3)
    schedule = {"updateAt": "2031-01-01T10:00:00+01:00", "privacy": 2}
    assert owner.put(f"/api/v1/videos/{uuid}", json={"scheduleUpdate": schedule}).status_code == 204
    expected = {"updateAt": "2031-01-01T09:00:00.000Z", "privacy": 2}
    assert owner.get(f"/api/v1/videos/{uuid}").json()["scheduledUpdate"] == expected
    listed = owner.get("/api/v1/users/me/videos", params={"count": 100}).json()["data"]
    assert [v["scheduledUpdate"] for v in listed if v["uuid"] == uuid] == [expected]
    assert owner.put(f"/api/v1/videos/{uuid}", json={"scheduleUpdate": None}).status_code == 204
    assert "scheduledUpdate" not in owner.get(f"/api/v1/videos/{uuid}").json()


@pytest.mark.parametrize(
    ("schedule", "where", "message"),
    [
        ({"updateAt": "soon"}, "invalid-params", "Should have a schedule update date"),
        ({"updateAt": "2031-01-01T00:00:00Z", "privacy": 3}, "invalid-params", "Invalid value"),
        ({"privacy": 1}, "detail", "Schedule update at is mandatory."),
    ],
)
def test_bad_schedules_are_refused_like_peertube(server, owner, schedule, where, message):
    uuid = _video(server)
    answer = owner.put(f"/api/v1/videos/{uuid}", json={"scheduleUpdate": schedule})
    assert answer.status_code == 400
    assert message in str(answer.json()[where])


def test_a_multipart_schedule_is_a_single_text_field_and_refused(server, owner):
    """A client that flattens the object into one multipart field (PeerTube #7552)."""
    uuid = _video(server)
    files = {"thumbnailfile": ("t.jpg", b"\xff\xd8\xff" + b"j" * 100, "image/jpeg")}
    data = {"scheduleUpdate": "{'updateAt': '2031-01-01T00:00:00Z'}"}
    before = server.multipart_schedules
    answer = owner.put(f"/api/v1/videos/{uuid}", data=data, files=files)
    assert answer.status_code == 400 and "Schedule update at is mandatory." in answer.text
    bracketed = {"scheduleUpdate[updateAt]": "2031-01-01T00:00:00Z", "scheduleUpdate[privacy]": "1"}
    assert owner.put(f"/api/v1/videos/{uuid}", data=bracketed, files=files).status_code == 204
    assert server.video(uuid)["scheduledUpdate"] == {
        "updateAt": "2031-01-01T00:00:00.000Z",
        "privacy": 1,
    }
    assert server.multipart_schedules == before + 1


def test_the_scheduler_publishes_due_videos(server, owner):
    uuid = _video(server, privacy=3, publish_at="2020-01-01T00:00:00Z", publish_privacy=1)
    video = owner.get(f"/api/v1/videos/{uuid}").json()
    assert video["privacy"]["id"] == 1 and "scheduledUpdate" not in video


def test_uploads_and_imports_take_a_schedule_and_passwords(server, owner):
    channel = channel_id(server, "alice_videos")
    body = {
        "channelId": channel,
        "name": "Imported later",
        "targetUrl": "https://archive.example.org/s.mp4",
        "privacy": 5,
        "videoPasswords": ["pass-one", "pass-two"],
        "scheduleUpdate": {"updateAt": "2031-02-01T00:00:00Z", "privacy": 1},
    }
    answer = owner.post("/api/v1/videos/imports", json=body)
    assert answer.status_code == 200, answer.text
    uuid = answer.json()["video"]["uuid"]
    assert answer.json()["video"]["scheduledUpdate"]["updateAt"] == "2031-02-01T00:00:00.000Z"
    listed = owner.get(f"/api/v1/videos/{uuid}/passwords").json()
    assert sorted(p["password"] for p in listed["data"]) == ["pass-one", "pass-two"]
    missing = owner.put(f"/api/v1/videos/{uuid}", json={"name": "No passwords"})
    assert missing.status_code == 400 and "Video passwords are missing." in missing.text
