"""JSON shapes of PeerTube objects, key for key and in the recorded key order, per release.

Each endpoint family uses a different field set of the same video (``toFormattedJSON`` with
different ``additionalAttributes``): ``/users/me/videos`` adds state and blacklist info, channel
listings and playlist elements add nothing, import rows add state and tags with the complete
description, details add tags, support, policies, files... Keeping them apart here is what lets
clients discover, against the fake, which fields a given endpoint really lacks. Keys that
only some releases send are decided by ``state.profile`` (see ``profiles``). Accounts and
channels, which appear inside most of these, are shaped by ``actor_views``.
"""

from __future__ import annotations

from typing import Any

from ptsync.testing import probe, scheduling, vocab
from ptsync.testing.actor_views import (
    account_full,
    account_summary,
    base_url,
    channel_full,
    channel_summary,
)
from ptsync.testing.memory import State
from ptsync.testing.records import Caption, Import, Playlist, Video, iso

TRUNCATE_AT = 250
ASPECT_RATIO = 1.3333


def truncate(text: str | None) -> str | None:
    """lodash ``truncate(description, {length: 250})``: 247 characters and "..."."""
    if text is None or len(text) <= TRUNCATE_AT:
        return text
    return text[: TRUNCATE_AT - 3] + "..."


def _video_base(state: State, video: Video, *, complete: bool, full_actors: bool) -> dict[str, Any]:
    profile = state.profile
    channel = state.channels[video.channel_id]
    owner = state.users[channel.user_id]
    truncated = truncate(video.description)
    body: dict[str, Any] = {
        "id": video.id,
        "uuid": video.uuid,
        "shortUUID": video.short_uuid,
        "url": f"{base_url(state)}/videos/watch/{video.uuid}",
        "name": video.name,
        "category": vocab.label(vocab.CATEGORIES, video.category),
        "licence": vocab.label(profile.licences, video.licence),
        "language": vocab.label(profile.languages, video.language),
        "privacy": vocab.label(vocab.PRIVACIES, video.privacy),
        "nsfw": video.nsfw,
    }
    if profile.video_counters:
        body.update(nsfwFlags=0, nsfwSummary=None)
    embed = video.short_uuid if profile.short_embed_path else video.uuid
    body.update(
        {
            "truncatedDescription": truncated,
            "description": video.description if complete else truncated,
            "isLocal": True,
            "duration": video.duration,
            "aspectRatio": ASPECT_RATIO if video.has_file else None,
            "views": 0,
            "viewers": 0,
            "likes": 0,
            "dislikes": 0,
            "thumbnailPath": video.thumbnail_path,
            "previewPath": video.preview_path,
        }
    )
    if profile.thumbnail_sizes:
        body["thumbnails"] = thumbnails(state, video.thumbnail_path, video.preview_path)
    body.update(
        {
            "embedPath": f"/videos/embed/{embed}",
            "createdAt": iso(video.created_at),
            "updatedAt": iso(video.updated_at),
            "publishedAt": iso(video.published_at),
            "originallyPublishedAt": iso(video.originally_published_at),
            "isLive": False,
            "account": account_full(state, owner) if full_actors else account_summary(state, owner),
            "channel": (
                channel_full(state, channel) if full_actors else channel_summary(state, channel)
            ),
        }
    )
    if profile.video_counters:
        body["comments"] = 0
    if profile.video_downloads:
        body["downloads"] = 0
    return body


# 8.1+: every thumbnail in five sizes, the poster (the old preview) first, the miniature (the
# old thumbnail) last; playlists list theirs the other way round, as recorded.
THUMBNAIL_SIZES = ((1920, 1080, "16:9"), (1400, 1400, "1:1"), (1280, 720, "16:9"),
                   (850, 480, "16:9"), (280, 157, "16:9"))  # fmt: skip


def thumbnails(state: State, miniature: str | None, poster: str | None) -> list[dict[str, Any]]:
    """``thumbnails[]`` (8.1+): ``previewPath`` is the largest size, ``thumbnailPath`` the
    smallest; the sizes between are named after the miniature. None: no image yet."""
    if miniature is None:
        return []
    stem = miniature.rsplit(".", 1)[0]
    paths = [poster or miniature, *(f"{stem}-{w}.jpg" for w, _, _ in THUMBNAIL_SIZES[1:-1])]
    paths.append(miniature)
    return [
        {"height": h, "width": w, "aspectRatio": ratio, "fileUrl": base_url(state) + path}
        for (w, h, ratio), path in zip(THUMBNAIL_SIZES, paths, strict=True)
    ]


def video_item(state: State, video: Video) -> dict[str, Any]:
    """Channel listings and playlist elements: the bare list shape."""
    return _video_base(state, video, complete=False, full_actors=False)


def video_owner_item(state: State, video: Video) -> dict[str, Any]:
    """``/users/me/videos``: list shape plus state, waitTranscoding and blacklist info."""
    body = _video_base(state, video, complete=False, full_actors=False)
    body["state"] = vocab.label(vocab.VIDEO_STATES, video.state)
    body["waitTranscoding"] = video.wait_transcoding
    _schedule(body, video)
    body["blacklisted"] = False
    body["blacklistedReason"] = None
    if state.profile.owner_blocked_flags:
        body.update(blockedOwner=False, blockedServer=False)
    if state.profile.my_videos_tags:
        body["tags"] = list(video.tags)
    return body


def video_import_item(state: State, video: Video) -> dict[str, Any]:
    body = _video_base(state, video, complete=True, full_actors=False)
    body["state"] = vocab.label(vocab.VIDEO_STATES, video.state)
    body["waitTranscoding"] = video.wait_transcoding
    _schedule(body, video)
    body["tags"] = list(video.tags)
    return body


def video_details(state: State, video: Video) -> dict[str, Any]:
    profile = state.profile
    body = _video_base(state, video, complete=True, full_actors=True)
    _schedule(body, video)
    body.update(
        blacklisted=False,
        blacklistedReason=None,
        streamingPlaylists=[],
        files=_files(state, video),
    )
    if profile.video_counters:
        body["liveSchedules"] = []
    body["support"] = video.support
    if profile.description_endpoint:
        body["descriptionPath"] = f"/api/v1/videos/{video.uuid}/description"
    body["tags"] = list(video.tags)
    if profile.comments_enabled_key:
        body["commentsEnabled"] = video.comments_policy != 2
    body.update(
        commentsPolicy=vocab.label(vocab.COMMENTS_POLICIES, video.comments_policy),
        downloadEnabled=video.download_enabled,
        waitTranscoding=video.wait_transcoding,
        inputFileUpdatedAt=iso(video.input_file_updated_at),
        state=vocab.label(vocab.VIDEO_STATES, video.state),
        trackerUrls=[f"{base_url(state)}/tracker/announce", f"ws://{state.host}/tracker/socket"],
    )
    if profile.embed_privacy:
        body["embedPrivacyPolicy"] = {"id": 1, "label": "All allowed"}
    return body


def _schedule(body: dict[str, Any], video: Video) -> None:
    """``scheduledUpdate``, present only while a schedule is set (``buildAdditionalAttributes``)."""
    shown = scheduling.view(video)
    if shown is not None:
        body["scheduledUpdate"] = shown


def _files(state: State, video: Video) -> list[dict[str, Any]]:
    if not video.has_file:
        return []
    url = base_url(state)
    torrent = f"{video.uuid}-240.torrent"
    return [
        {
            "id": video.id,
            "resolution": {"id": 240, "label": "240p"},
            "width": 320,
            "height": 240,
            "magnetUri": f"magnet:?xs={url}/lazy-static/torrents/{torrent}",
            "size": video.size,
            "fps": 25,
            "torrentUrl": f"{url}/lazy-static/torrents/{torrent}",
            "torrentDownloadUrl": f"{url}/download/torrents/{torrent}",
            "fileUrl": f"{url}/static/web-videos/{video.uuid}-240.mp4",
            "fileDownloadUrl": f"{url}/download/web-videos/{video.uuid}-240.mp4",
            "metadataUrl": f"{url}/api/v1/videos/{video.uuid}/metadata/{video.id}",
            "hasAudio": True,
            "hasVideo": True,
            "storage": 0,
        }
    ]


def source(state: State, video: Video) -> dict[str, Any]:
    assert video.source is not None
    file = video.source
    body: dict[str, Any] = {"filename": file.filename} if state.profile.source_filename else {}
    body.update(
        inputFilename=file.filename,
    )
    if state.profile.source_file_url:
        body["fileUrl"] = None
    body.update(
        fileDownloadUrl=None,
        resolution={"id": 240, "label": "240p"},
        size=file.size,
        width=probe.WIDTH,
        height=probe.HEIGHT,
        fps=probe.FPS,
        metadata=probe.metadata(file.size, video.duration),
        createdAt=iso(video.input_file_updated_at or video.created_at),
    )
    return body


def import_row(state: State, record: Import) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": record.id,
        "targetUrl": record.target_url,
        "magnetUri": None,
        "torrentName": None,
    }
    if state.profile.import_attempts:
        body["attempts"] = record.attempts
    body.update(
        state=vocab.label(vocab.IMPORT_STATES, record.state),
        error=record.error,
        updatedAt=iso(record.updated_at),
        createdAt=iso(record.created_at),
    )
    video = state.videos.get(record.video_id) if record.video_id is not None else None
    if video is not None:
        body["video"] = video_import_item(state, video)
    sync = state.syncs.get(record.sync_id) if record.sync_id is not None else None
    if sync is not None and state.profile.import_sync_link:
        body["videoChannelSync"] = {"id": sync.id, "externalChannelUrl": sync.external_url}
    return body


def playlist(state: State, record: Playlist) -> dict[str, Any]:
    channel = state.channels.get(record.channel_id) if record.channel_id is not None else None
    body: dict[str, Any] = {
        "id": record.id,
        "uuid": record.uuid,
        "shortUUID": record.short_uuid,
        "isLocal": True,
        "url": f"{base_url(state)}/video-playlists/{record.uuid}",
        "displayName": record.display_name,
        "description": record.description,
        "privacy": vocab.label(vocab.PLAYLIST_PRIVACIES, record.privacy),
        "thumbnailPath": record.thumbnail_path,
    }
    if state.profile.thumbnail_sizes:
        sizes = thumbnails(state, record.thumbnail_path, None)
        body["thumbnails"] = sizes[::-1]
    body.update(
        {
            "embedPath": f"/video-playlists/embed/{record.uuid}",
            "type": vocab.label(vocab.PLAYLIST_TYPES, record.type),
            "videosLength": len(record.elements),
            "createdAt": iso(record.created_at),
            "updatedAt": iso(record.updated_at),
            "ownerAccount": account_summary(state, state.users[record.user_id]),
        }
    )
    if state.profile.playlist_channel_position:
        body["videoChannelPosition"] = _channel_position(state, record)
    body["videoChannel"] = channel_summary(state, channel) if channel else None
    return body


def _channel_position(state: State, record: Playlist) -> int | None:
    """7.x numbers a channel's playlists in creation order (1 = oldest)."""
    if record.channel_id is None:
        return None
    ids = sorted(p.id for p in state.playlists.values() if p.channel_id == record.channel_id)
    return ids.index(record.id) + 1


def caption(state: State, caption: Caption) -> dict[str, Any]:
    body: dict[str, Any] = {
        "language": vocab.label(state.profile.languages, caption.language),
        "automaticallyGenerated": False,
        "captionPath": caption.path,
    }
    if state.profile.caption_file_urls:
        body.update(fileUrl=base_url(state) + caption.path, m3u8Url=None)
    body["updatedAt"] = iso(caption.updated_at)
    return body
