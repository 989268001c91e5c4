"""Carry out channel and playlist changes.

``Run.apply`` calls this once per resource kind, in ``APPLY_ORDER``: channels before the videos
(which may live in a new channel), playlists after them (they list those videos). The handler
is chosen by the change's type. Element changes are recomputed from the playlist as it is now,
so an interrupted apply resumes where it stopped; the playlist's marker is written in the
creating request, like a video's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import singledispatch
from pathlib import Path
from typing import Any, Protocol

from ptsync.errors import PtsyncError
from ptsync.marker import compose_description
from ptsync.plan.changes import (
    Change,
    CreateChannel,
    CreatePlaylist,
    DeletePlaylist,
    UpdateChannel,
    UpdatePlaylist,
)
from ptsync.plan.resources import reorder_steps
from ptsync.report.results import ItemResult

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
    raise TypeError(f"not a channel or playlist change: {change!r}")


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
