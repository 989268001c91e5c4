"""JSON shapes of PeerTube 6.3 objects, key for key and in the recorded key order.

Each endpoint family uses a different field set of the same video (``toFormattedJSON`` with
different ``additionalAttributes``): ``/users/me/videos`` adds state and blacklist info, channel
listings and playlist elements add nothing, import rows add state and tags with the complete
description, details add tags, support, policies, files... Keeping them apart here is what lets
clients discover, against the fake, which fields a given endpoint really lacks.
"""

from __future__ import annotations

from typing import Any

from ptsync.testing import vocab
from ptsync.testing.records import Caption, Channel, Import, Playlist, User, Video, iso
from ptsync.testing.state import State

TRUNCATE_AT = 250
ASPECT_RATIO = 1.3333


def base_url(state: State) -> str:
    return f"http://{state.host}"


def truncate(text: str | None) -> str | None:
    """lodash ``truncate(description, {length: 250})``: 247 characters and "..."."""
    if text is None or len(text) <= TRUNCATE_AT:
        return text
    return text[: TRUNCATE_AT - 3] + "..."


def account_summary(state: State, user: User) -> dict[str, Any]:
    return {
        "id": user.account_id,
        "displayName": user.username,
        "name": user.username,
        "url": f"{base_url(state)}/accounts/{user.username}",
        "host": state.host,
        "avatars": [],
    }


def account_full(state: State, user: User) -> dict[str, Any]:
    return {
        "url": f"{base_url(state)}/accounts/{user.username}",
        "name": user.username,
        "host": state.host,
        "avatars": [],
        "id": user.account_id,
        "hostRedundancyAllowed": False,
        "followingCount": 0,
        "followersCount": 0,
        "createdAt": iso(user.created_at),
        "displayName": user.username,
        "description": None,
        "updatedAt": iso(user.created_at),
        "userId": user.id,
    }


def channel_summary(state: State, channel: Channel) -> dict[str, Any]:
    return {
        "id": channel.id,
        "name": channel.name,
        "displayName": channel.display_name,
        "url": f"{base_url(state)}/video-channels/{channel.name}",
        "host": state.host,
        "avatars": [],
    }


def channel_full(state: State, channel: Channel, *, with_owner: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "url": f"{base_url(state)}/video-channels/{channel.name}",
        "name": channel.name,
        "host": state.host,
        "avatars": [],
        "id": channel.id,
        "hostRedundancyAllowed": False,
        "followingCount": 0,
        "followersCount": 0,
        "createdAt": iso(channel.created_at),
        "banners": [],
        "displayName": channel.display_name,
        "description": channel.description,
        "support": channel.support,
        "isLocal": True,
        "updatedAt": iso(channel.updated_at),
    }
    if with_owner:
        body["ownerAccount"] = account_full(state, state.users[channel.user_id])
    return body


def _video_base(state: State, video: Video, *, complete: bool, full_actors: bool) -> dict[str, Any]:
    channel = state.channels[video.channel_id]
    owner = state.users[channel.user_id]
    truncated = truncate(video.description)
    return {
        "id": video.id,
        "uuid": video.uuid,
        "shortUUID": video.short_uuid,
        "url": f"{base_url(state)}/videos/watch/{video.uuid}",
        "name": video.name,
        "category": vocab.label(vocab.CATEGORIES, video.category),
        "licence": vocab.label(vocab.LICENCES, video.licence),
        "language": vocab.label(vocab.LANGUAGES, video.language),
        "privacy": vocab.label(vocab.PRIVACIES, video.privacy),
        "nsfw": video.nsfw,
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
        "embedPath": f"/videos/embed/{video.uuid}",
        "createdAt": iso(video.created_at),
        "updatedAt": iso(video.updated_at),
        "publishedAt": iso(video.published_at),
        "originallyPublishedAt": iso(video.originally_published_at),
        "isLive": False,
        "account": account_full(state, owner) if full_actors else account_summary(state, owner),
        "channel": channel_full(state, channel) if full_actors else channel_summary(state, channel),
    }


def video_item(state: State, video: Video) -> dict[str, Any]:
    """Channel listings and playlist elements: the bare list shape."""
    return _video_base(state, video, complete=False, full_actors=False)


def video_owner_item(state: State, video: Video) -> dict[str, Any]:
    """``/users/me/videos``: list shape plus state, waitTranscoding and blacklist info."""
    body = _video_base(state, video, complete=False, full_actors=False)
    body["state"] = vocab.label(vocab.VIDEO_STATES, video.state)
    body["waitTranscoding"] = video.wait_transcoding
    body["blacklisted"] = False
    body["blacklistedReason"] = None
    return body


def video_import_item(state: State, video: Video) -> dict[str, Any]:
    body = _video_base(state, video, complete=True, full_actors=False)
    body["state"] = vocab.label(vocab.VIDEO_STATES, video.state)
    body["waitTranscoding"] = video.wait_transcoding
    body["tags"] = list(video.tags)
    return body


def video_details(state: State, video: Video) -> dict[str, Any]:
    body = _video_base(state, video, complete=True, full_actors=True)
    body.update(
        blacklisted=False,
        blacklistedReason=None,
        streamingPlaylists=[],
        files=_files(state, video),
        support=video.support,
        descriptionPath=f"/api/v1/videos/{video.uuid}/description",
        tags=list(video.tags),
        commentsEnabled=video.comments_policy != 2,
        commentsPolicy=vocab.label(vocab.COMMENTS_POLICIES, video.comments_policy),
        downloadEnabled=video.download_enabled,
        waitTranscoding=video.wait_transcoding,
        inputFileUpdatedAt=iso(video.input_file_updated_at),
        state=vocab.label(vocab.VIDEO_STATES, video.state),
        trackerUrls=[f"{base_url(state)}/tracker/announce", f"ws://{state.host}/tracker/socket"],
    )
    return body


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


def source(video: Video) -> dict[str, Any]:
    assert video.source is not None
    file = video.source
    return {
        "filename": file.filename,
        "inputFilename": file.filename,
        "fileUrl": None,
        "fileDownloadUrl": None,
        "resolution": {"id": 240, "label": "240p"},
        "size": file.size,
        "width": 320,
        "height": 240,
        "fps": 25,
        "metadata": {"format": {"size": file.size, "duration": video.duration, "nb_streams": 1}},
        "createdAt": iso(video.input_file_updated_at or video.created_at),
    }


def import_row(state: State, record: Import) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": record.id,
        "targetUrl": record.target_url,
        "magnetUri": None,
        "torrentName": None,
        "state": vocab.label(vocab.IMPORT_STATES, record.state),
        "error": record.error,
        "updatedAt": iso(record.updated_at),
        "createdAt": iso(record.created_at),
    }
    video = state.videos.get(record.video_id) if record.video_id is not None else None
    if video is not None:
        body["video"] = video_import_item(state, video)
    return body


def playlist(state: State, record: Playlist) -> dict[str, Any]:
    channel = state.channels.get(record.channel_id) if record.channel_id is not None else None
    return {
        "id": record.id,
        "uuid": record.uuid,
        "shortUUID": record.short_uuid,
        "isLocal": True,
        "url": f"{base_url(state)}/video-playlists/{record.uuid}",
        "displayName": record.display_name,
        "description": record.description,
        "privacy": vocab.label(vocab.PLAYLIST_PRIVACIES, record.privacy),
        "thumbnailPath": record.thumbnail_path,
        "embedPath": f"/video-playlists/embed/{record.uuid}",
        "type": vocab.label(vocab.PLAYLIST_TYPES, record.type),
        "videosLength": len(record.elements),
        "createdAt": iso(record.created_at),
        "updatedAt": iso(record.updated_at),
        "ownerAccount": account_summary(state, state.users[record.user_id]),
        "videoChannel": channel_summary(state, channel) if channel else None,
    }


def caption(caption: Caption) -> dict[str, Any]:
    return {
        "language": vocab.label(vocab.LANGUAGES, caption.language),
        "automaticallyGenerated": False,
        "captionPath": caption.path,
        "updatedAt": iso(caption.updated_at),
    }


def user_me(state: State, user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "email": f"{user.username}@example.org",
        "theme": "instance-default",
        "pendingEmail": None,
        "emailPublic": False,
        "emailVerified": None,
        "nsfwPolicy": "do_not_list",
        "p2pEnabled": True,
        "videosHistoryEnabled": True,
        "autoPlayVideo": True,
        "autoPlayNextVideo": False,
        "autoPlayNextVideoPlaylist": True,
        "videoLanguages": None,
        "role": vocab.label(vocab.ROLES, user.role),
        "videoQuota": user.video_quota,
        "videoQuotaDaily": user.video_quota_daily,
        "noInstanceConfigWarningModal": False,
        "noWelcomeModal": False,
        "noAccountSetupWarningModal": False,
        "blocked": False,
        "blockedReason": None,
        "account": account_full(state, user),
        "videoChannels": [
            channel_full(state, state.channels[channel_id], with_owner=False)
            for channel_id in sorted(user.channel_ids)
        ],
        "createdAt": iso(user.created_at),
        "pluginAuth": None,
        "lastLoginDate": iso(user.last_login),
        "twoFactorEnabled": False,
        "adminFlags": 0,
        "specialPlaylists": [{"id": user.watch_later_id, "name": "Watch later", "type": 2}],
    }
