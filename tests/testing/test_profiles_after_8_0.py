"""What PeerTube 8.1, 8.2 and 8.3 changed for a client, on the fake, each against 8.0.

Facts from ``../shared/peertube/README.md`` ("After 8.0"), the 8.2.3 models and the 8.2.1
recordings; the fidelity test compares the 8.2 profile with those recordings shape by shape.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from ptsync.testing import FakePeerTube
from tests.testing.conftest import VIDEO_FILE, Api, channel_id, seed_users

LATER = ("8.0", "8.1", "8.2", "8.3")
ORDER = {version: i for i, version in enumerate(LATER)}
IMPORTS = "/api/v1/videos/imports"
MINE = "/api/v1/users/me/videos/imports"
PNG = ("poster.png", b"\x89PNG\r\n\x1a\n" + b"p" * 300, "image/png")
WEBP = ("mini.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"w" * 300, "image/webp")


@pytest.fixture(params=LATER)
def fake(request: pytest.FixtureRequest) -> Iterator[FakePeerTube]:
    with FakePeerTube(
        rate_limit=None, login_rate_limit=None, import_duration=None, version=request.param
    ) as server:
        seed_users(server)
        yield server


@pytest.fixture
def alice(fake: FakePeerTube) -> Api:
    return Api(fake.url).login("alice", "secret")


def since(fake: FakePeerTube, release: str) -> bool:
    return ORDER[fake.version] >= ORDER[release]


def _token_form(fake: FakePeerTube, **fields: str) -> dict[str, str]:
    client = requests.get(f"{fake.url}/api/v1/oauth-clients/local", timeout=10).json()
    return {**client, **fields}


def _login(fake: FakePeerTube, username: str, password: str) -> requests.Response:
    form = _token_form(fake, grant_type="password", username=username, password=password)
    return requests.post(f"{fake.url}/api/v1/users/token", data=form, timeout=10)


# --- 8.1 -----------------------------------------------------------------------------------


def test_thumbnails_in_five_sizes_beside_the_deprecated_paths(fake, alice):
    video = fake.add_video("alice", name="Sized")
    detail = alice.get(f"/api/v1/videos/{video['uuid']}").json()
    listed = alice.get("/api/v1/users/me/videos").json()["data"][0]
    if not since(fake, "8.1"):
        assert "thumbnails" not in detail and "thumbnails" not in listed
        assert "embedPrivacyPolicy" not in detail
        return
    sizes = [(t["width"], t["height"], t["aspectRatio"]) for t in detail["thumbnails"]]
    assert sizes == [
        (1920, 1080, "16:9"),
        (1400, 1400, "1:1"),
        (1280, 720, "16:9"),
        (850, 480, "16:9"),
        (280, 157, "16:9"),
    ]
    assert detail["thumbnails"][-1]["fileUrl"] == fake.url + detail["thumbnailPath"]
    assert detail["thumbnails"][0]["fileUrl"] == fake.url + detail["previewPath"]
    assert listed["thumbnails"] == detail["thumbnails"]
    assert detail["embedPrivacyPolicy"] == {"id": 1, "label": "All allowed"}


def test_a_playlist_shows_its_thumbnail_sizes_smallest_first(fake, alice):
    fields = {"displayName": "Sized", "privacy": "1", "videoChannelId": "1"}
    fields["videoChannelId"] = str(channel_id(fake, "alice_videos"))
    created = alice.post(
        "/api/v1/video-playlists", files={k: (None, v) for k, v in fields.items()}
    ).json()["videoPlaylist"]
    video = fake.add_video("alice", name="In it")
    path = f"/api/v1/video-playlists/{created['id']}/videos"
    assert alice.post(path, json={"videoId": video["id"]}).status_code == 200
    playlist = alice.get(f"/api/v1/video-playlists/{created['uuid']}").json()
    if since(fake, "8.1"):
        assert [t["width"] for t in playlist["thumbnails"]] == [280, 850, 1280, 1400, 1920]
        assert playlist["thumbnails"][0]["fileUrl"] == fake.url + playlist["thumbnailPath"]
    else:
        assert "thumbnails" not in playlist


def test_previewfile_is_the_thumbnail_from_8_1_and_wins_when_both_are_sent(fake, alice):
    video = fake.add_video("alice", name="Images")
    path = f"/api/v1/videos/{video['uuid']}"
    assert alice.put(path, files={"thumbnailfile": WEBP}).status_code == 204
    if since(fake, "8.1"):
        assert fake.thumbnail(video["uuid"]) == fake.preview(video["uuid"]) == WEBP[1]
    else:
        assert fake.thumbnail(video["uuid"]) == WEBP[1]
        assert fake.preview(video["uuid"]) != WEBP[1]  # the poster stays until sent
    both = {"thumbnailfile": WEBP, "previewfile": PNG}
    assert alice.put(path, files=both).status_code == 204
    if since(fake, "8.1"):
        assert fake.thumbnail(video["uuid"]) == fake.preview(video["uuid"]) == PNG[1]
    else:
        assert (fake.thumbnail(video["uuid"]), fake.preview(video["uuid"])) == (WEBP[1], PNG[1])


def test_png_and_webp_thumbnails_are_accepted_on_create_too(fake, alice):
    fields = {"channelId": channel_id(fake, "alice_videos"), "name": "With a webp"}
    files = {"videofile": VIDEO_FILE, "thumbnailfile": WEBP}
    created = alice.post("/api/v1/videos/upload", data=fields, files=files)
    assert created.status_code == 200, created.text
    assert fake.thumbnail(created.json()["video"]["uuid"]) == WEBP[1]


def test_login_error_codes(fake):
    fake.add_user("carol", "carol-secret")
    fake.block_user("carol")
    blocked = _login(fake, "carol", "carol-secret")
    assert blocked.status_code == 400
    assert blocked.json()["code"] == ("account_blocked" if since(fake, "8.1") else "access_denied")
    wrong = _login(fake, "carol", "not-her-password")
    assert (wrong.status_code, wrong.json()["code"]) == (400, "invalid_grant")
    long = _login(fake, "alice", "x" * 51)
    expected = "too_long_password" if since(fake, "8.1") else "invalid_grant"
    assert (long.status_code, long.json()["code"]) == (400, expected)
    fake.block_user("carol", blocked=False)
    assert _login(fake, "carol", "carol-secret").status_code == 200


def test_import_retries_stop_at_max_attempts_on_8_3(fake, alice):
    """``import.videos.max_attempts`` went from 3 to 5 in 8.1; 8.3's retry route enforces it."""
    url = "https://archive.example.org/always-broken.mp4"
    fake.set_import_target(url, "not-a-video")
    body = {"channelId": channel_id(fake, "alice_videos"), "targetUrl": url, "name": "Broken"}
    row = alice.post(IMPORTS, json=body).json()
    fake.complete_imports()
    retry = f"{IMPORTS}/{row['id']}/retry"
    limit = fake.profile.import_max_attempts
    assert limit == (5 if since(fake, "8.1") else 3)
    for _ in range(limit - 1):
        assert alice.post(retry).status_code == 204
        fake.complete_imports()
    attempts = alice.get(MINE, params={"targetUrl": url}).json()["data"][0]["attempts"]
    assert attempts == limit
    refused = alice.post(retry)
    if since(fake, "8.3"):
        assert refused.status_code == 400
        assert str(limit) in refused.json()["detail"]
    else:
        assert refused.status_code == 204


# --- 8.2 -----------------------------------------------------------------------------------


def test_refresh_tokens_live_four_weeks_from_8_2(fake):
    answer = _login(fake, "alice", "secret").json()
    weeks = 4 if since(fake, "8.2") else 2
    assert answer["refresh_token_expires_in"] == weeks * 7 * 86400 - 1
    form = _token_form(fake, grant_type="refresh_token", refresh_token=answer["refresh_token"])
    refreshed = requests.post(f"{fake.url}/api/v1/users/token", data=form, timeout=10).json()
    assert refreshed["refresh_token_expires_in"] == answer["refresh_token_expires_in"]


def test_a_password_change_ends_the_users_tokens_from_8_2(fake, alice):
    bob = Api(fake.url).login("bob", "secret")
    fake.change_password("alice", "new-secret")
    mine = alice.get("/api/v1/users/me")
    form = _token_form(fake, grant_type="refresh_token", refresh_token=alice.refresh or "")
    refresh = requests.post(f"{fake.url}/api/v1/users/token", data=form, timeout=10)
    if since(fake, "8.2"):
        assert (mine.status_code, mine.json()["code"]) == (401, "invalid_token")
        assert (refresh.status_code, refresh.json()["code"]) == (400, "invalid_grant")
    else:
        assert mine.status_code == 200 and refresh.status_code == 200
    assert bob.get("/api/v1/users/me").status_code == 200  # other users keep theirs
    assert _login(fake, "alice", "secret").status_code == 400
    assert _login(fake, "alice", "new-secret").status_code == 200


def test_revoking_every_token_ends_access_and_refresh(fake, alice):
    bob = Api(fake.url).login("bob", "secret")
    assert fake.revoke_tokens() >= 2
    for api in (alice, bob):
        answer = api.get("/api/v1/users/me")
        assert (answer.status_code, answer.json()["code"]) == (401, "invalid_token")
    form = _token_form(fake, grant_type="refresh_token", refresh_token=alice.refresh or "")
    refresh = requests.post(f"{fake.url}/api/v1/users/token", data=form, timeout=10)
    assert (refresh.status_code, refresh.json()["code"]) == (400, "invalid_grant")


def test_captions_take_written_languages_only_from_8_2(fake, alice):
    video = fake.add_video("alice", name="Captioned")
    files = {"captionfile": ("c.vtt", b"WEBVTT\n", "text/vtt")}
    base = f"/api/v1/videos/{video['uuid']}/captions"
    assert alice.put(f"{base}/fr", files=files).status_code == 204
    signed = alice.put(f"{base}/ase", files=files)  # American Sign Language
    if since(fake, "8.2"):
        assert signed.status_code == 400
        assert "captionLanguage" in signed.json()["invalid-params"]
    else:
        assert signed.status_code == 204
    languages = requests.get(f"{fake.url}/api/v1/videos/languages", timeout=10).json()
    assert languages["ase"] == "American Sign Language"  # still a video language


def test_videos_exist_takes_at_most_100_ids_from_8_2(fake, alice):
    path = "/api/v1/users/me/video-playlists/videos-exist"
    video = fake.add_video("alice", name="Listed")
    some = alice.get(path, params={"videoIds": [video["id"], 99999]})
    assert some.status_code == 200 and some.json() == {str(video["id"]): [], "99999": []}
    many = alice.get(path, params={"videoIds": list(range(1, 102))})
    assert many.status_code == (400 if since(fake, "8.2") else 200)


def test_a_playlist_element_must_belong_to_the_playlist_from_8_2(fake, alice):
    channel = str(channel_id(fake, "alice_videos"))
    ids = []
    for name in ("First", "Second"):
        fields = {"displayName": name, "privacy": "1", "videoChannelId": channel}
        created = alice.post(
            "/api/v1/video-playlists", files={k: (None, v) for k, v in fields.items()}
        )
        ids.append(created.json()["videoPlaylist"]["id"])
    video = fake.add_video("alice", name="Element")
    added = alice.post(f"/api/v1/video-playlists/{ids[1]}/videos", json={"videoId": video["id"]})
    element = added.json()["videoPlaylistElement"]["id"]
    wrong = f"/api/v1/video-playlists/{ids[0]}/videos/{element}"
    moved = alice.put(wrong, json={"startTimestamp": 3})
    removed = alice.delete(wrong)
    left = alice.get(f"/api/v1/video-playlists/{ids[1]}/videos").json()["total"]
    if since(fake, "8.2"):
        assert (moved.status_code, removed.status_code, left) == (404, 404, 1)
    else:  # loaded by id alone: the other playlist's element is changed, then removed
        assert (moved.status_code, removed.status_code, left) == (204, 204, 0)


def test_downloads_and_tags_in_my_videos_from_8_2(fake, alice):
    fake.add_video("alice", name="Counted", tags=["b", "a"])
    listed = alice.get("/api/v1/users/me/videos").json()["data"][0]
    assert ("downloads" in listed) is since(fake, "8.2")
    assert listed.get("tags", ["a", "b"]) == ["a", "b"]
    assert ("tags" in listed) is since(fake, "8.2")


# --- 8.3 -----------------------------------------------------------------------------------


def test_state_filter_on_my_imports_from_8_3(fake, alice):
    channel = channel_id(fake, "alice_videos")
    good, bad = "https://archive.example.org/ok.mp4", "https://archive.example.org/bad.mp4"
    fake.set_import_target(bad, "not-a-video")
    for url in (good, bad):
        assert alice.post(IMPORTS, json={"channelId": channel, "targetUrl": url}).ok
    fake.complete_imports()
    failed = alice.get(MINE, params={"stateOneOf": [3]}).json()
    if since(fake, "8.3"):
        assert [r["targetUrl"] for r in failed["data"]] == [bad]
        assert alice.get(MINE, params={"stateOneOf": ["x"]}).status_code == 400
    else:  # ignored, like any unknown parameter
        assert failed["total"] == 2


def test_retry_refused_once_the_video_is_gone_on_8_3(fake, alice):
    url = "https://archive.example.org/gone.mp4"
    fake.set_import_target(url, "not-a-video")
    body = {"channelId": channel_id(fake, "alice_videos"), "targetUrl": url}
    row = alice.post(IMPORTS, json=body).json()
    fake.complete_imports()
    assert alice.delete(f"/api/v1/videos/{row['video']['uuid']}").status_code == 204
    retry = alice.post(f"{IMPORTS}/{row['id']}/retry")
    assert retry.status_code == (400 if since(fake, "8.3") else 204)


@pytest.mark.parametrize("version", ["8.2", "8.3"])
def test_channel_syncs_carry_video_privacy_from_8_3(version):
    feed = "https://feeds.example.org/channel.xml"
    entry = "https://media.example.org/1.mp4"
    with FakePeerTube(
        version=version, rate_limit=None, login_rate_limit=None, channel_sync_enabled=True
    ) as fake:
        seed_users(fake)
        alice = Api(fake.url).login("alice", "secret")
        body = {
            "externalChannelUrl": feed,
            "videoChannelId": channel_id(fake, "alice_videos"),
            "videoPrivacy": 2,
        }
        sync = alice.post("/api/v1/video-channel-syncs", json=body).json()["videoChannelSync"]
        fake.set_upstream(feed, [entry])
        fake.run_channel_syncs()
        fake.complete_imports()
        (row,) = fake.imports("alice")
        privacy = fake.video(row["video"]["uuid"])["privacy"]["id"]
        if version == "8.3":
            assert sync["videoPrivacy"] == {"id": 2, "label": "Unlisted"} and privacy == 2
        else:  # the field is unknown before 8.3: ignored, imports public
            assert "videoPrivacy" not in sync and privacy == 1
        assert row["videoChannelSync"] == {"id": sync["id"], "externalChannelUrl": feed}


# --- upgrades ------------------------------------------------------------------------------


def test_upgrading_a_running_fake_keeps_its_data_and_changes_its_behaviour():
    with FakePeerTube(rate_limit=None, login_rate_limit=None, version="7.3") as fake:
        seed_users(fake)
        alice = Api(fake.url).login("alice", "secret")
        video = fake.add_video("alice", name="Kept")
        retry = f"{IMPORTS}/1/retry"
        assert alice.post(retry).status_code == 400 and alice.post(retry).content == b""
        fake.upgrade("8.0")
        config = requests.get(f"{fake.url}/api/v1/config", timeout=10).json()
        assert (fake.version, config["serverVersion"]) == ("8.0", "8.0.1")
        assert alice.get(f"/api/v1/videos/{video['uuid']}").json()["name"] == "Kept"
        assert alice.post(retry).json()["detail"] == "Video import not found"  # a route now
        fake.upgrade("8.1")  # 8.1.8 ended every token of the instance
        assert alice.get("/api/v1/users/me").status_code == 401
        alice.login("alice", "secret")
        fake.upgrade("8.3")  # no further invalidation
        assert alice.get("/api/v1/users/me").status_code == 200
        assert "thumbnails" in alice.get(f"/api/v1/videos/{video['uuid']}").json()
