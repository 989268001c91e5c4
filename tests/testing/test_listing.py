"""/users/me/videos and /video-channels/{handle}/videos: field sets, paging, sorting, visibility."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ptsync.testing import FakePeerTube
from tests.testing.conftest import Api, seed_users

LIST_KEYS = [
    "id", "uuid", "shortUUID", "url", "name", "category", "licence", "language", "privacy",
    "nsfw", "truncatedDescription", "description", "isLocal", "duration", "aspectRatio",
    "views", "viewers", "likes", "dislikes", "thumbnailPath", "previewPath", "embedPath",
    "createdAt", "updatedAt", "publishedAt", "originallyPublishedAt", "isLive", "account",
    "channel",
]  # fmt: skip
OWNER_EXTRA = ["state", "waitTranscoding", "blacklisted", "blacklistedReason"]
DETAIL_ONLY = {
    "tags", "support", "commentsPolicy", "commentsEnabled", "downloadEnabled", "files",
    "streamingPlaylists", "descriptionPath", "trackerUrls", "inputFileUpdatedAt",
}  # fmt: skip


@pytest.fixture(scope="module")
def fake() -> Iterator[FakePeerTube]:
    with FakePeerTube(rate_limit=None, login_rate_limit=None, import_duration=None) as server:
        seed_users(server)
        server.add_user("carol", "secret")
        names = ["Delta", "alpha", "Charlie", "bravo", "Echo"]
        for name in names:
            server.add_video("carol", name=name, privacy=1, description="d" * 300, tags=["x", "y"])
        server.add_video("carol", name="Hidden unlisted", privacy=2)
        server.add_video("carol", name="Hidden private", privacy=3)
        server.add_video("carol", name="Hidden nsfw", privacy=1, nsfw=True)
        server.add_video("carol", name="Hidden importing", privacy=1, state=3)
        yield server


@pytest.fixture(scope="module")
def carol(fake: FakePeerTube) -> Api:
    return Api(fake.url).login("carol", "secret")


def test_owner_list_item_has_exactly_the_list_fields(carol: Api) -> None:
    body = carol.get("/api/v1/users/me/videos", params={"count": 100}).json()
    assert body["total"] == 9
    item = next(v for v in body["data"] if v["name"] == "Delta")
    assert list(item) == LIST_KEYS + OWNER_EXTRA
    assert not DETAIL_ONLY & set(item)
    assert list(item["account"]) == ["id", "displayName", "name", "url", "host", "avatars"]
    assert list(item["channel"]) == ["id", "name", "displayName", "url", "host", "avatars"]
    assert item["state"] == {"id": 1, "label": "Published"}
    assert item["blacklisted"] is False and item["blacklistedReason"] is None


def test_list_cuts_descriptions_to_250_characters(carol: Api) -> None:
    item = carol.get("/api/v1/users/me/videos", params={"search": "Delta"}).json()["data"][0]
    assert item["description"] == "d" * 247 + "..."
    assert item["truncatedDescription"] == "d" * 247 + "..."
    detail = carol.get(f"/api/v1/videos/{item['uuid']}").json()
    assert detail["description"] == "d" * 300
    assert detail["truncatedDescription"] == "d" * 247 + "..."
    assert set(detail) >= DETAIL_ONLY
    assert detail["tags"] == ["x", "y"]


def test_default_sort_is_newest_published_first(carol: Api) -> None:
    names = [v["name"] for v in carol.get("/api/v1/users/me/videos").json()["data"]]
    assert names[:2] == ["Hidden importing", "Hidden nsfw"]
    assert names[-1] == "Delta"


def test_sort_by_name_both_ways(carol: Api) -> None:
    def names(sort: str) -> list[str]:
        data = carol.get("/api/v1/users/me/videos", params={"sort": sort, "count": 100}).json()
        return [v["name"] for v in data["data"] if not v["name"].startswith("Hidden")]

    assert names("name") == ["alpha", "bravo", "Charlie", "Delta", "Echo"]
    assert names("-name") == ["Echo", "Delta", "Charlie", "bravo", "alpha"]


def test_bad_sort_is_rejected(carol: Api) -> None:
    response = carol.get("/api/v1/users/me/videos", params={"sort": "-views2"})
    assert response.status_code == 400
    assert response.json()["invalid-params"]["sort"]["location"] == "query"


def test_pagination_walks_every_video_once(carol: Api) -> None:
    seen: list[int] = []
    for start in range(0, 9, 2):
        page = carol.get("/api/v1/users/me/videos", params={"start": start, "count": 2}).json()
        assert page["total"] == 9
        seen += [v["id"] for v in page["data"]]
    assert len(seen) == len(set(seen)) == 9


def test_default_page_size_is_15(fake: FakePeerTube) -> None:
    fake.add_user("many", "secret")
    for number in range(20):
        fake.add_video("many", name=f"Many {number}")
    api = Api(fake.url).login("many", "secret")
    body = api.get("/api/v1/users/me/videos").json()
    assert body["total"] == 20 and len(body["data"]) == 15


def test_count_zero_gives_only_the_total(carol: Api) -> None:
    assert carol.get("/api/v1/users/me/videos", params={"count": 0}).json() == {
        "total": 9,
        "data": [],
    }


def test_count_over_100_is_the_recorded_400(carol: Api) -> None:
    response = carol.get("/api/v1/users/me/videos?start=0&count=101")
    assert response.status_code == 400
    assert response.json() == {
        "type": "about:blank",
        "title": "Bad Request",
        "detail": "Incorrect request parameters: count",
        "instance": "/api/v1/users/me/videos?start=0&count=101",
        "status": 400,
        "invalid-params": {
            "count": {
                "type": "field",
                "value": "101",
                "msg": "Should have a number count (max: 100)",
                "path": "count",
                "location": "query",
            }
        },
        "error": "Incorrect request parameters: count",
    }


def test_search_is_a_case_insensitive_name_substring(carol: Api) -> None:
    body = carol.get("/api/v1/users/me/videos", params={"search": "HIDDEN"}).json()
    assert body["total"] == 4


def test_channel_listing_shows_only_public_published_safe_videos_even_to_owner(
    carol: Api, anon: Api
) -> None:
    for client in (carol, anon):
        body = client.get("/api/v1/video-channels/carol_channel/videos", params={"count": 100})
        data = body.json()
        assert data["total"] == 5
        assert not any(v["name"].startswith("Hidden") for v in data["data"])
        assert list(data["data"][0]) == LIST_KEYS


def test_channel_listing_count_limit_and_unknown_channel(anon: Api) -> None:
    too_big = anon.get("/api/v1/video-channels/carol_channel/videos?start=0&count=101")
    assert too_big.status_code == 400
    assert (
        too_big.json()["instance"]
        == "/api/v1/video-channels/carol_channel/videos?start=0&count=101"
    )
    missing = anon.get("/api/v1/video-channels/no_such_channel/videos")
    assert missing.status_code == 404
    assert missing.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "detail": "Video channel not found",
        "status": 404,
        "error": "Video channel not found",
    }


def test_skip_count_omits_total(anon: Api) -> None:
    body = anon.get("/api/v1/video-channels/carol_channel/videos", params={"skipCount": "true"})
    assert "total" not in body.json()


def test_listing_reflects_edits_in_sorted_order(fake: FakePeerTube, carol: Api) -> None:
    before = carol.get("/api/v1/users/me/videos", params={"sort": "name", "count": 100}).json()
    first = before["data"][0]
    fake.edit_video(first["uuid"], name="zzz renamed")
    after = carol.get("/api/v1/users/me/videos", params={"sort": "name", "count": 100}).json()
    assert after["data"][-1]["uuid"] == first["uuid"]
    fake.edit_video(first["uuid"], name=first["name"])


def test_ten_thousand_videos_page_without_resorting() -> None:
    with FakePeerTube(rate_limit=None, login_rate_limit=None) as fake:
        fake.add_user("bulk", "secret")
        for number in range(10_000):
            fake.add_video("bulk", name=f"Bulk {number:05d}")
        api = Api(fake.url).login("bulk", "secret")
        ids: list[int] = []
        for start in range(0, 10_000, 2_500):
            page = api.get("/api/v1/users/me/videos", params={"start": start, "count": 100})
            ids += [v["id"] for v in page.json()["data"]]
        assert ids[0] == 10_000
        assert len(fake.state.order_cache) == 1
