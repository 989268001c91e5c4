"""Carry out channel, playlist and channel sync changes.

``Run.apply`` calls this once per resource kind, in ``APPLY_ORDER``: channels before the videos
(which may live in a new channel), playlists after them (they list those videos), channel syncs
last. The handler is chosen by the change's type. Element changes are recomputed from the
playlist as it is now, so an interrupted apply resumes where it stopped; the playlist's marker
is written in the creating request, like a video's. A created sync is backfilled at once
(``import-videos`` with its id); a backfill that fails leaves the sync, whose hourly check
imports the source's newest entries, and the item says so (partly done).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import singledispatch
from pathlib import Path
from typing import Any, Protocol

from ptsync.errors import NotFound, PtsyncError
from ptsync.marker import compose_description
from ptsync.plan.changes import (
    Change,
    CreateChannel,
    CreatePlaylist,
    CreateSync,
    DeletePlaylist,
    DeleteSync,
    UpdateChannel,
    UpdatePlaylist,
    UpdateSync,
)
from ptsync.plan.resources import reorder_steps
from ptsync.report.results import ItemResult
from ptsync.state import LiveSync

log = logging.getLogger("ptsync.apply")
UuidOf = Callable[[str], str | None]


class ResourceClient(Protocol):
    def create_channel(self, body: Mapping[str, Any]) -> None: ...
    def update_channel(self, name: str, body: Mapping[str, Any]) -> None: ...
    def create_playlist(
        self, fields: Mapping[str, Any], thumbnail: Path | None = None
    ) -> dict[str, Any]: ...
    def update_playlist(
        self, playlist: str, fields: Mapping[str, Any], thumbnail: Path | None = None
    ) -> None: ...
    def delete_playlist(self, playlist: str) -> None: ...
    def playlist_video_uuids(self, playlist: str) -> list[tuple[int, str | None]]: ...
    def add_playlist_video(self, playlist: str, video_uuid: str) -> None: ...
    def remove_playlist_element(self, playlist: str, element_id: int) -> None: ...
    def move_playlist_element(self, playlist: str, start: int, after: int) -> None: ...
    def channels(self) -> dict[str, int]: ...
    def create_channel_sync(
        self, external_url: str, channel_id: int, *, privacy: int | None = None
    ) -> LiveSync: ...
    def import_channel_videos(
        self, channel: str, external_url: str, sync_id: int | None = None
    ) -> None: ...
    def delete_channel_sync(self, sync_id: int) -> None: ...
    def retry_import(self, import_id: int) -> None: ...


def apply_resources(
    changes: Iterable[Change], client: ResourceClient, uuid_of: UuidOf
) -> list[ItemResult]:
    """Channel and playlist changes in apply order, one ItemResult each, failed or not."""
    results = []
    for change in sorted(changes, key=lambda c: c.sort_key):
        result = ItemResult(change.action, f"{change.resource}:{change.key}", change.key, False)
        try:
            _apply(change, _Context(client, uuid_of, result))
            result.success = True
        except PtsyncError as exc:
            result.error = str(exc)
        results.append(result)
    return results


@dataclass(frozen=True)
class _Context:
    client: ResourceClient
    uuid_of: UuidOf
    result: ItemResult


@singledispatch
def _apply(change: Change, ctx: _Context) -> None:
    raise TypeError(f"not a channel, playlist or sync change: {change!r}")


@_apply.register
def _create_channel(change: CreateChannel, ctx: _Context) -> None:
    ctx.client.create_channel({"name": change.name, "displayName": change.name, **change.fields})


@_apply.register
def _update_channel(change: UpdateChannel, ctx: _Context) -> None:
    ctx.client.update_channel(change.name, {c.field: c.new for c in change.changes})


@_apply.register
def _delete_playlist(change: DeletePlaylist, ctx: _Context) -> None:
    ctx.client.delete_playlist(change.uuid)


@_apply.register
def _create_playlist(change: CreatePlaylist, ctx: _Context) -> None:
    fields = _api_fields(change, ctx.client)
    thumbnail = change.thumbnail.path if change.thumbnail else None
    created = ctx.client.create_playlist(fields, thumbnail)
    uuid = created.get("uuid") or created.get("shortUUID")
    if not isinstance(uuid, str) or not uuid:
        raise PtsyncError(f"the server created playlist {change.key} without saying its uuid")
    ctx.result.uuid = uuid
    _fill(uuid, change, ctx)


@_apply.register
def _update_playlist(change: UpdatePlaylist, ctx: _Context) -> None:
    if change.rewrite:
        thumbnail = change.thumbnail.path if change.thumbnail else None
        ctx.client.update_playlist(change.uuid, _api_fields(change, ctx.client), thumbnail)
    _fill(change.uuid, change, ctx)


@_apply.register
def _create_sync(change: CreateSync, ctx: _Context) -> None:
    channels = ctx.client.channels()
    if change.channel not in channels:
        raise PtsyncError(f"channel {change.channel!r} is not one of your channels")
    sync = ctx.client.create_channel_sync(
        change.url, channels[change.channel], privacy=change.privacy
    )
    ctx.result.note = f"sync #{sync.id} created"
    try:
        ctx.client.import_channel_videos(change.channel, change.url, sync.id)
    except PtsyncError as exc:
        ctx.result.partial = True
        ctx.result.error = (
            f"sync #{sync.id} created, but its backfill failed ({exc}); PeerTube's hourly "
            "check imports the newest entries"
        )
        return
    ctx.result.note = f"sync #{sync.id} created; backfill started (import-videos)"


@_apply.register
def _update_sync(change: UpdateSync, ctx: _Context) -> None:
    """Each failed import retried; one refused (already retried, spent) is named, the others
    still go."""
    refused = []
    for import_id in change.retry_imports:
        try:
            ctx.client.retry_import(import_id)
        except PtsyncError as exc:
            refused.append(f"#{import_id}: {exc}")
    if refused:
        raise PtsyncError(f"retry refused for {'; '.join(refused)}")
    ctx.result.note = f"{len(change.retry_imports)} import(s) retried"


@_apply.register
def _delete_sync(change: DeleteSync, ctx: _Context) -> None:
    with contextlib.suppress(NotFound):  # gone already: what was wanted
        ctx.client.delete_channel_sync(change.id)


def _fill(playlist: str, change: CreatePlaylist | UpdatePlaylist, ctx: _Context) -> None:
    """Elements as the manifest lists them; videos this apply created are looked up now."""
    target = [u or ctx.uuid_of(ext) for ext, u in zip(change.videos, change.uuids, strict=True)]
    missing = [ext for ext, u in zip(change.videos, target, strict=True) if not u]
    sync_elements(ctx.client, playlist, [u for u in target if u])
    if missing:
        ctx.result.note = f"not in the playlist yet (no such video): {', '.join(missing)}"


def _api_fields(change: CreatePlaylist | UpdatePlaylist, client: ResourceClient) -> dict[str, Any]:
    fields = change.fields
    body: dict[str, Any] = {
        "displayName": fields.get("displayName"),
        "description": compose_description(change.marker, fields.get("description")),
    }
    if fields.get("privacy") is not None:
        body["privacy"] = fields["privacy"]
    if fields.get("channel"):
        channels = client.channels()
        if fields["channel"] not in channels:
            raise PtsyncError(f"channel {fields['channel']!r} is not one of your channels")
        body["videoChannelId"] = channels[fields["channel"]]
    return {k: v for k, v in body.items() if v is not None}


def sync_elements(client: ResourceClient, playlist: str, target: list[str]) -> int:
    """Make the playlist (by uuid) hold exactly ``target`` (in order); returns requests sent."""
    elements = client.playlist_video_uuids(playlist)
    sent = 0
    seen: set[str] = set()
    kept: list[str] = []
    for element_id, uuid in elements:
        if uuid is None or uuid not in target or uuid in seen:
            client.remove_playlist_element(playlist, element_id)
            sent += 1
            continue
        seen.add(uuid)
        kept.append(uuid)
    for uuid in target:
        if uuid not in seen:
            client.add_playlist_video(playlist, uuid)
            kept.append(uuid)
            seen.add(uuid)
            sent += 1
    for start, after in reorder_steps(kept, target):
        client.move_playlist_element(playlist, start, after)
        sent += 1
    return sent
