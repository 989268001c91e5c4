"""PeerTube's server-side channel synchronisations (4.3+), read and written for the client.

A sync is a resource like a channel: created (``POST /video-channel-syncs``), listed per
account, deleted (its videos stay); there is no update route, and the documented
``POST /video-channel-syncs/{id}/sync`` has no route on any recorded server, so a full run is
``POST /video-channels/{handle}/import-videos`` with the sync's id. With the instance's
``import.video_channel_synchronization.enabled`` off, the sync routes answer 403; that answer
becomes ``SyncsDisabled``, one line naming the setting.

``PeerTubeClient`` exposes these as methods; they live here so the client module stays one
screen per resource.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from enum import IntEnum
from typing import Any

from ptsync.errors import BadResponse, PermissionDenied, SyncsDisabled
from ptsync.state import LiveSync  # the value lives with the other live state

__all__ = ["LiveSync", "SyncState", "create_body", "created", "disabled_as_error", "listed"]

API = "/api/v1"
SYNCS = f"{API}/video-channel-syncs"
_DISABLED_WORDS = ("synchronization", "not enabled")


class SyncState(IntEnum):
    WAITING_FIRST_RUN = 1
    PROCESSING = 2
    SYNCHRONIZED = 3
    FAILED = 4


def parse(item: Any, method: str, endpoint: str) -> LiveSync:
    if not isinstance(item, Mapping):
        raise BadResponse(method, endpoint, "expected a channel sync object")
    try:
        state, channel = item["state"], item["channel"]
        privacy, last = item.get("videoPrivacy"), item.get("lastSyncAt")
        return LiveSync(
            id=int(item["id"]),
            external_url=str(item["externalChannelUrl"]),
            channel_id=int(channel["id"]),
            channel_name=str(channel["name"]),
            state=int(state["id"]),
            state_label=str(state.get("label", "")),
            created_at=str(item.get("createdAt", "")),
            last_sync_at=last if isinstance(last, str) else None,
            video_privacy=int(privacy["id"]) if isinstance(privacy, Mapping) else None,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise BadResponse(method, endpoint, f"channel sync without a valid {exc}") from None


@contextlib.contextmanager
def disabled_as_error() -> Iterator[None]:
    """A 403 saying synchronisation is not enabled becomes ``SyncsDisabled``."""
    try:
        yield
    except PermissionDenied as exc:
        text = (exc.body.detail or "").lower()
        if all(word in text for word in _DISABLED_WORDS):
            raise SyncsDisabled(exc.method, exc.endpoint, exc.body) from None
        raise


def create_body(external_url: str, channel_id: int, privacy: int | None) -> dict[str, Any]:
    body: dict[str, Any] = {"externalChannelUrl": external_url, "videoChannelId": channel_id}
    if privacy is not None:
        body["videoPrivacy"] = privacy  # 8.3+; older servers ignore it
    return body


def created(found: Any) -> LiveSync:
    sync = found.get("videoChannelSync") if isinstance(found, Mapping) else None
    return parse(sync, "POST", SYNCS)


def listed(pages: Callable[..., Iterator[Any]], username: str) -> list[LiveSync]:
    path = f"/accounts/{username}/video-channel-syncs"
    with disabled_as_error():
        return [parse(item, "GET", API + path) for item in pages(path, sort="createdAt")]
