"""Carry out playlist and channel changes after the videos they refer to exist.

Channels first (videos and playlists may live in a new channel), then playlists. Element
changes are recomputed from the playlist as it is now, so an interrupted apply resumes where it
stopped; the playlist's marker is written in the creating request, like a video's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from ptsync.errors import PtsyncError
from ptsync.marker import compose_description, parse_description
from ptsync.plan.resources import ResourceChange, reorder_steps
from ptsync.report.results import ItemResult

log = logging.getLogger("ptsync.apply")


class ResourceClient(Protocol):
    def create_channel(self, body: Mapping[str, Any]) -> None: ...
    def update_channel(self, name: str, body: Mapping[str, Any]) -> None: ...
    def create_playlist(self, fields: Mapping[str, Any], thumbnail: Path | None = None) -> dict: ...
    def update_playlist(
        self, playlist_id: int, fields: Mapping[str, Any], thumbnail: Path | None = None
    ) -> None: ...
    def delete_playlist(self, playlist_id: int) -> None: ...
    def playlist_video_uuids(self, playlist_id: int) -> list[tuple[int, str | None]]: ...
    def add_playlist_video(self, playlist_id: int, video_uuid: str) -> None: ...
    def remove_playlist_element(self, playlist_id: int, element_id: int) -> None: ...
    def move_playlist_element(self, playlist_id: int, start: int, after: int) -> None: ...
    def channels(self) -> dict[str, int]: ...


def apply_resources(
    changes: list[ResourceChange],
    client: ResourceClient,
    uuid_of: Callable[[str], str | None],
) -> list[ItemResult]:
    results = []
    for change in sorted(changes, key=lambda c: c.sort_key):
        result = ItemResult(change.kind, f"{change.resource}:{change.key}", change.key, False)
        try:
            _apply(change, client, uuid_of, result)
            result.success = True
        except PtsyncError as exc:
            result.error = str(exc)
        results.append(result)
    return results


def _apply(
    change: ResourceChange,
    client: ResourceClient,
    uuid_of: Callable[[str], str | None],
    result: ItemResult,
) -> None:
    payload = change.payload
    if change.resource == "channel":
        if change.kind == "create":
            client.create_channel(payload)
        else:
            client.update_channel(change.key, payload)
        return
    if change.kind == "delete":
        client.delete_playlist(int(payload["id"]))
        return
    thumbnail = Path(payload["thumbnail"]) if payload.get("thumbnail") else None
    fields = _api_fields(payload, client)
    playlist_id = payload.get("id")
    if playlist_id is None:
        created = client.create_playlist(fields, thumbnail)
        playlist_id = int(created["id"])
        result.uuid = created.get("uuid")
    elif payload.get("rewrite"):
        client.update_playlist(int(playlist_id), fields, thumbnail)
    target = [u or uuid_of(ext) for ext, u in zip(payload["videos"], payload["uuids"], strict=True)]
    missing = [ext for ext, u in zip(payload["videos"], target, strict=True) if not u]
    sync_elements(client, int(playlist_id), [u for u in target if u])
    if missing:
        result.note = f"not in the playlist yet (no such video): {', '.join(missing)}"


def _api_fields(payload: Mapping[str, Any], client: ResourceClient) -> dict[str, Any]:
    fields = dict(payload["fields"])
    marker = parse_description(payload["marker"]).marker
    assert marker is not None
    body: dict[str, Any] = {
        "displayName": fields.get("displayName"),
        "description": compose_description(marker, fields.get("description")),
    }
    if fields.get("privacy") is not None:
        body["privacy"] = fields["privacy"]
    if fields.get("channel"):
        channels = client.channels()
        if fields["channel"] not in channels:
            raise PtsyncError(f"channel {fields['channel']!r} is not one of your channels")
        body["videoChannelId"] = channels[fields["channel"]]
    return {k: v for k, v in body.items() if v is not None}


def sync_elements(client: ResourceClient, playlist_id: int, target: list[str]) -> int:
    """Make the playlist's videos exactly ``target`` (in order); returns requests sent."""
    elements = client.playlist_video_uuids(playlist_id)
    sent = 0
    seen: set[str] = set()
    kept: list[str] = []
    for element_id, uuid in elements:
        if uuid is None or uuid not in target or uuid in seen:
            client.remove_playlist_element(playlist_id, element_id)
            sent += 1
            continue
        seen.add(uuid)
        kept.append(uuid)
    for uuid in target:
        if uuid not in seen:
            client.add_playlist_video(playlist_id, uuid)
            kept.append(uuid)
            seen.add(uuid)
            sent += 1
    for start, after in reorder_steps(kept, target):
        client.move_playlist_element(playlist_id, start, after)
        sent += 1
    return sent
