"""Setups for ``recordings-syncs/`` (6.3, 8.0, 8.2dev): what each step of that session left.

The recorded session: syncs disabled (create refused, import-videos accepted), then enabled:
create, create again (a second sync), a bad URL, the route that does not exist, the account's
list, a full import through sync 1 (two feed items, their guids smuggled into the URLs), the
list again, the imports of sync 1, the delete of sync 1 and the list after it.
"""

from __future__ import annotations

from tests.testing.replay import Call, Lab
from tests.testing.setups import setup

FEED = "http://127.0.0.1:8765/feed.xml"
ITEMS = [
    "http://127.0.0.1:8765/small.mp4?feed=2#__youtubedl_smuggle=%7B%22force_videoid%22%3A+%22lab-2%22%7D",
    "http://127.0.0.1:8765/small.mp4?feed=1#__youtubedl_smuggle=%7B%22force_videoid%22%3A+%22lab-1%22%7D",
]
ENABLED = {"channel_sync_enabled": True}
AS_RECORDED = {"video-channel-syncs-create-disabled", "video-channels-import-videos-disabled"}
"""Replayed on a fresh fake as they are: synchronisation off, as on a fresh instance."""


def _syncs(lab: Lab, count: int) -> None:
    for _ in range(count):
        body = {"externalChannelUrl": FEED, "videoChannelId": lab.channel}
        assert lab.api().post("/api/v1/video-channel-syncs", json=body).status_code == 200


def _full_import(lab: Lab) -> None:
    lab.fake.set_upstream(FEED, ITEMS)
    body = {"externalChannelUrl": FEED, "videoChannelSyncId": 1}
    path = "/api/v1/video-channels/alice_videos/import-videos"
    assert lab.api().post(path, json=body).status_code == 204


@setup("video-channel-syncs-create", "video-channel-syncs-create-bad-url", **ENABLED)
@setup("video-channel-syncs-sync-route", **ENABLED)
def _enabled(lab: Lab, call: Call) -> Call:
    return call


@setup("video-channel-syncs-create-duplicate", "video-channel-syncs-delete", **ENABLED)
def _one_sync(lab: Lab, call: Call) -> Call:
    _syncs(lab, 1)
    return call


@setup("accounts-alice-video-channel-syncs", **ENABLED)
def _two_syncs(lab: Lab, call: Call) -> Call:
    _syncs(lab, 2)
    return call


@setup("video-channels-import-videos", **ENABLED)
def _before_import(lab: Lab, call: Call) -> Call:
    _syncs(lab, 2)
    lab.fake.set_upstream(FEED, ITEMS)
    return call


@setup("accounts-alice-video-channel-syncs-after-import", **ENABLED)
def _after_import(lab: Lab, call: Call) -> Call:
    _syncs(lab, 2)
    _full_import(lab)
    return call


@setup("users-me-videos-imports-by-sync", **ENABLED)
def _imported(lab: Lab, call: Call) -> Call:
    _syncs(lab, 2)
    _full_import(lab)
    lab.fake.complete_imports()
    return call


@setup("accounts-alice-video-channel-syncs-after-delete", **ENABLED)
def _after_delete(lab: Lab, call: Call) -> Call:
    _syncs(lab, 2)
    _full_import(lab)
    assert lab.api().delete("/api/v1/video-channel-syncs/1").status_code == 204
    return call
