"""Turn PeerTube's JSON into live-state values, failing with a clear BadResponse.

List items (``/users/me/videos``) and details (``/videos/{id}``) share most keys (also the
duration and, when one is set, ``scheduledUpdate``); details add tags, support,
commentsPolicy, downloadEnabled and the full description. Lists cut the
description to 250 characters ("..." appended), so it only counts as known when shorter.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ptsync.errors import BadResponse
from ptsync.fields import LIST_DESCRIPTION_MAX, normalise
from ptsync.marker import parse_description
from ptsync.state import Chapter, LiveImport, LiveVideo, Schedule


def _id(obj: Any) -> Any:
    return obj.get("id") if isinstance(obj, Mapping) else obj


def video(item: Any, *, detailed: bool, endpoint: str = "/api/v1/users/me/videos") -> LiveVideo:
    """Parse one video object; ``detailed`` says it came from ``GET /videos/{id}``."""
    if not isinstance(item, Mapping):
        raise BadResponse("GET", endpoint, f"expected a video object, got {type(item).__name__}")
    try:
        return _video(item, detailed)
    except (KeyError, TypeError, ValueError) as exc:
        raise BadResponse("GET", endpoint, f"video object without a valid {exc}") from None


def _video(item: Mapping[str, Any], detailed: bool) -> LiveVideo:
    description = item.get("description")
    parsed = parse_description(description)
    truncated = (
        not detailed
        and isinstance(description, str)
        and len(description) >= LIST_DESCRIPTION_MAX
        and description.endswith("...")
    )
    fields: dict[str, Any] = {
        "name": normalise("name", item["name"]),
        "channel": item["channel"]["name"],
        "privacy": _id(item["privacy"]),
        "category": _id(item.get("category")),
        "licence": _id(item.get("licence")),
        "language": _id(item.get("language")),
        "nsfw": bool(item.get("nsfw", False)),
        "waitTranscoding": item.get("waitTranscoding"),
        "originallyPublishedAt": normalise(
            "originallyPublishedAt", item.get("originallyPublishedAt")
        ),
    }
    if not truncated:
        fields["description"] = parsed.text
    if detailed:
        fields["tags"] = normalise("tags", item.get("tags") or [])
        fields["support"] = normalise("support", item.get("support"))
        fields["commentsPolicy"] = _id(item.get("commentsPolicy")) or (
            1 if item.get("commentsEnabled", True) else 2
        )
        fields["downloadEnabled"] = bool(item.get("downloadEnabled", True))
    state = item.get("state") or {}
    return LiveVideo(
        id=int(item["id"]),
        uuid=str(item["uuid"]),
        short_uuid=str(item.get("shortUUID") or ""),
        url=str(item.get("url") or ""),
        name=str(item["name"]),
        channel=str(item["channel"]["name"]),
        updated_at=str(item["updatedAt"]),
        state=int(_id(state) or 1),
        state_label=str(state.get("label", "")) if isinstance(state, Mapping) else "",
        marker=parsed.marker,
        marker_at_start=parsed.at_start,
        fields=fields,
        detailed=detailed,
        is_live=bool(item.get("isLive", False)),
        duration=int(item.get("duration") or 0),
        schedule=schedule(item.get("scheduledUpdate")),
    )


def schedule(value: Any) -> Schedule | None:
    """``scheduledUpdate`` (lists of the owner's videos and details carry it when one is set);
    a schedule without privacy keeps the video's privacy, which ptsync never asks for."""
    if not isinstance(value, Mapping) or not value.get("updateAt"):
        return None
    instant = normalise("originallyPublishedAt", value["updateAt"])
    return Schedule(instant, int(_id(value.get("privacy")) or 0))


def chapters(body: Any, endpoint: str = "/api/v1/videos/{id}/chapters") -> tuple[Chapter, ...]:
    """``{chapters: [{timecode, title}]}``, in timecode order."""
    items = body.get("chapters") if isinstance(body, Mapping) else None
    if not isinstance(items, list):
        raise BadResponse("GET", endpoint, "expected {chapters: [...]}")
    try:
        found = [Chapter(int(c["timecode"]), str(c["title"])) for c in items]
    except (KeyError, TypeError, ValueError):
        raise BadResponse("GET", endpoint, "chapters without timecode or title") from None
    return tuple(sorted(found, key=lambda c: c.timecode))


def video_import(item: Any, endpoint: str = "/api/v1/users/me/videos/imports") -> LiveImport:
    if not isinstance(item, Mapping):
        raise BadResponse("GET", endpoint, f"expected an import object, got {type(item).__name__}")
    try:
        state = item["state"]
        linked = item.get("video")
        return LiveImport(
            id=int(item["id"]),
            target_url=item.get("targetUrl"),
            state=int(_id(state)),
            state_label=str(state.get("label", "")) if isinstance(state, Mapping) else "",
            error=item.get("error"),
            video_uuid=str(linked["uuid"]) if isinstance(linked, Mapping) else None,
            created_at=str(item.get("createdAt", "")),
            updated_at=str(item.get("updatedAt", "")),
            attempts=int(item.get("attempts") or 0),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise BadResponse("GET", endpoint, f"import object without a valid {exc}") from None
