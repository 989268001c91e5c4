"""The fake's server-side channel syncs: what the recordings show, per profile, plus the runs."""

from __future__ import annotations

import pytest
import requests

from ptsync.testing import PROFILES, FakePeerTube
from tests.testing.conftest import Api

FEED = "https://feeds.example.org/channel.xml"


def item(n: int, host: str = "media.example.org") -> str:
    return f"https://{host}/{n}.mp4#__youtubedl_smuggle=%7B%22force_videoid%22%3A+%22g-{n}%22%7D"


@pytest.fixture(params=list(PROFILES))
def fake(request):
    with FakePeerTube(
        version=request.param,
        rate_limit=None,
        login_rate_limit=None,
        import_duration=None,
        channel_sync_enabled=True,
    ) as server:
        server.add_user("alice", "secret", channels=["lectures"])
        server.add_user("bob", "secret", channels=["bobs"])
        yield server


def api(fake, user="alice"):
    return Api(fake.url).login(user, "secret")


def create(client, fake, url=FEED):
    channel = fake.state.channel_names["lectures"]
    body = {"externalChannelUrl": url, "videoChannelId": channel}
    response = client.post("/api/v1/video-channel-syncs", json=body)
    assert response.status_code == 200, response.text
    return response.json()["videoChannelSync"]


def test_the_documented_sync_route_does_not_exist(fake):
    alice = api(fake)
    sync = create(alice, fake)
    response = alice.post(f"/api/v1/video-channel-syncs/{sync['id']}/sync")
    assert (response.status_code, response.content) == (400, b"")


def test_config_says_whether_syncs_are_enabled(fake):
    config = requests.get(f"{fake.url}/api/v1/config", timeout=10).json()
    assert config["import"]["videoChannelSynchronization"] == {"enabled": True}
    with FakePeerTube(rate_limit=None) as off:
        config = requests.get(f"{off.url}/api/v1/config", timeout=10).json()
        assert config["import"]["videoChannelSynchronization"] == {"enabled": False}


def test_sync_imports_carry_their_sync_except_on_8_0(fake):
    alice = api(fake)
    sync = create(alice, fake)
    fake.set_upstream(FEED, [item(2), item(1)])
    body = {"externalChannelUrl": FEED, "videoChannelSyncId": sync["id"]}
    assert alice.post("/api/v1/video-channels/lectures/import-videos", json=body).status_code == 204
    rows = alice.get(
        "/api/v1/users/me/videos/imports", params={"videoChannelSyncId": sync["id"]}
    ).json()["data"]
    assert sorted(r["targetUrl"] for r in rows) == [item(1), item(2)]
    link = {"id": sync["id"], "externalChannelUrl": FEED}
    expected = [None, None] if fake.version == "8.0" else [link, link]
    assert [r.get("videoChannelSync") for r in rows] == expected
    other = alice.get("/api/v1/users/me/videos/imports", params={"videoChannelSyncId": 99})
    assert other.json()["total"] == 0
    video = fake.video(rows[0]["video"]["uuid"])
    assert video["privacy"]["id"] == 1  # sync imports are public


def test_exact_strings_are_skipped_other_spellings_imported_again(fake):
    alice = api(fake)
    fake.set_import_target("https://media.example.org/1.mp4", "ok")
    person = {
        "channelId": fake.state.channel_names["lectures"],
        "targetUrl": "https://media.example.org/1.mp4",  # the same video, another spelling
    }
    assert alice.post("/api/v1/videos/imports", json=person).status_code == 200
    sync = create(alice, fake)
    fake.set_upstream(FEED, [item(2), item(1)])
    body = {"externalChannelUrl": FEED, "videoChannelSyncId": sync["id"]}
    alice.post("/api/v1/video-channels/lectures/import-videos", json=body)
    alice.post("/api/v1/video-channels/lectures/import-videos", json=body)
    targets = sorted(i["targetUrl"] for i in fake.imports("alice"))
    assert targets == sorted(["https://media.example.org/1.mp4", item(1), item(2)])


def test_scheduled_runs_look_at_the_newest_ten_and_pick_up_new_entries(fake):
    alice = api(fake)
    sync = create(alice, fake)
    listed = [item(n) for n in range(30, 0, -1)]  # newest first
    fake.set_upstream(FEED, lambda: listed)
    fake.run_channel_syncs()
    assert len(fake.imports("alice")) == 10
    listed.insert(0, item(31))
    fake.run_channel_syncs()
    assert len(fake.imports("alice")) == 11
    (state,) = [s for s in fake.channel_syncs() if s["id"] == sync["id"]]
    assert state["state"] == {"id": 3, "label": "Synchronized"} and "lastSyncAt" in state


def test_a_source_that_cannot_be_listed_fails_the_sync(fake):
    alice = api(fake)
    sync = create(alice, fake, "https://nowhere.example.org/feed.xml")
    fake.run_channel_syncs()
    (state,) = fake.channel_syncs()
    assert state["id"] == sync["id"] and state["state"] == {"id": 4, "label": "Failed"}
    assert fake.imports("alice") == []


def test_loopback_targets_are_refused_unless_allowed(fake):
    alice = api(fake)
    create(alice, fake)
    fake.set_upstream(FEED, [item(1, "127.0.0.1:9"), item(2)])
    fake.run_channel_syncs()
    assert [i["targetUrl"] for i in fake.imports("alice")] == [item(2)]


def test_owners_only_and_at_most_ten_syncs(fake):
    alice, bob = api(fake), api(fake, "bob")
    sync = create(alice, fake)
    assert bob.delete(f"/api/v1/video-channel-syncs/{sync['id']}").status_code == 403
    assert bob.get("/api/v1/accounts/alice/video-channel-syncs").status_code == 403
    assert alice.delete("/api/v1/video-channel-syncs/999").status_code == 404
    mine = {"externalChannelUrl": FEED, "videoChannelId": fake.state.channel_names["bobs"]}
    assert alice.post("/api/v1/video-channel-syncs", json=mine).status_code == 400
    for _ in range(9):
        create(alice, fake)
    eleventh = alice.post(
        "/api/v1/video-channel-syncs",
        json={"externalChannelUrl": FEED, "videoChannelId": fake.state.channel_names["lectures"]},
    )
    assert eleventh.status_code == 400
    assert alice.get("/api/v1/accounts/alice/video-channel-syncs").json()["total"] == 10


def test_import_videos_needs_http_import():
    with FakePeerTube(rate_limit=None, http_import_enabled=False) as fake:
        fake.add_user("alice", "secret", channels=["lectures"])
        body = {"externalChannelUrl": FEED}
        response = api(fake).post("/api/v1/video-channels/lectures/import-videos", json=body)
        assert response.status_code == 403


def test_a_path_id_that_is_no_number_is_a_400_naming_it(fake):
    """PeerTube's ``isIdValid`` on ``/:id``, for syncs and imports alike."""
    client = api(fake)
    for method, path, raw in (
        ("DELETE", "/api/v1/video-channel-syncs/abc", "abc"),
        ("DELETE", "/api/v1/videos/imports/abc", "abc"),
        ("POST", "/api/v1/videos/imports/1x/cancel", "1x"),
    ):
        answer = client.request(method, path)
        assert answer.status_code == 400, answer.text
        assert answer.json()["invalid-params"] == {
            "id": {
                "type": "field",
                "value": raw,
                "msg": "Invalid value",
                "path": "id",
                "location": "params",
            }
        }
