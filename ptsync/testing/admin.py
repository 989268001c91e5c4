"""Seeding and introspection without HTTP: what tests, the demo and benchmarks call directly.

Seeding goes through the same record constructors and update code as the API, so a video made
with ``add_video`` or changed with ``edit_video`` is indistinguishable from one made or changed
over HTTP (the latter is how ``ptsync demo`` simulates a person editing in the web UI).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from ptsync.testing import description_chapters, import_job, limits, scheduling, views
from ptsync.testing import validation as v
from ptsync.testing.bodies import StoredFile
from ptsync.testing.channels import create_channel
from ptsync.testing.editing import (
    apply_update,
    channel_for,
    check_passwords,
    duration_for,
    image_path,
    normalise_tags,
    set_passwords,
)
from ptsync.testing.ids import parse_ident
from ptsync.testing.memory import State
from ptsync.testing.playlists import WATCH_LATER, new_playlist
from ptsync.testing.problems import Problem
from ptsync.testing.records import (
    ADMIN,
    MODERATOR,
    PASSWORD_PROTECTED,
    TO_IMPORT,
    USER,
    Channel,
    Schedule,
    User,
    Video,
)
from ptsync.testing.resumable import summary

ROLES = {"admin": ADMIN, "moderator": MODERATOR, "user": USER}


def add_user(
    state: State,
    username: str,
    password: str,
    *,
    role: str = "user",
    channels: list[str] | tuple[str, ...] | None = None,
    video_quota: int = -1,
    video_quota_daily: int = -1,
) -> dict[str, Any]:
    if role not in ROLES:
        raise ValueError(f"role must be one of {sorted(ROLES)}: {role!r}")
    names = list(channels) if channels is not None else [f"{username}_channel"]
    taken = [
        n for n in (username, *names) if n in state.actor_names or n.lower() in state.user_names
    ]
    if taken or len(set(names)) != len(names):
        raise ValueError(f"actor name already used on this instance: {taken or names}")
    user = User(
        id=state.next_id("user"),
        username=username,
        password=password,
        role=ROLES[role],
        account_id=state.next_id("account"),
        video_quota=video_quota,
        video_quota_daily=video_quota_daily,
        created_at=state.clock.now(),
    )
    state.users[user.id] = user
    state.user_names[username.lower()] = user.id
    state.actor_names.add(username)
    default_display = f"Main {username} channel" if channels is None else None
    created = {name: create_channel(state, user, name, default_display).id for name in names}
    user.watch_later_id = new_playlist(state, user, "Watch later", kind=WATCH_LATER).id
    return {"id": user.id, "username": username, "account_id": user.account_id, "channels": created}


def owner(state: State, username: str) -> User:
    user = state.user_by_name(username)
    if user is None:
        raise ValueError(f"no such user: {username!r}")
    return user


def add_channel(
    state: State,
    username: str,
    name: str,
    display_name: str | None = None,
    description: str | None = None,
    support: str | None = None,
) -> dict[str, Any]:
    user = owner(state, username)
    if name in state.actor_names:
        raise ValueError(f"actor name already used on this instance: {name!r}")
    channel = create_channel(state, user, name, display_name, description, support)
    return {"id": channel.id, "name": channel.name}


def _moment(value: str | float | datetime | None) -> float | None:
    if value is None or isinstance(value, float | int):
        return value
    if isinstance(value, datetime):
        return value.timestamp()
    parsed = limits.parse_date(value)
    if parsed is None:
        raise ValueError(f"not an ISO 8601 date: {value!r}")
    return parsed


def add_video(state: State, username: str, fields: dict[str, Any]) -> dict[str, Any]:
    fields = dict(fields)
    user = owner(state, username)
    channel = _seed_channel(state, user, username, fields.pop("channel", None))
    password = fields.pop("password", None)
    extras = {k: fields.pop(k, None) for k in ("chapters", "publish_at", "publish_privacy")}
    size = int(fields.pop("size", 1000))
    filename = fields.pop("input_filename", None)
    video_state = int(fields.pop("state", 1))
    tags = normalise_tags(fields.pop("tags", ()))
    published = _moment(fields.pop("originally_published_at", None))
    video = state.new_video(
        channel,
        fields.pop("name"),
        **fields,
        tags=tags,
        originally_published_at=published,
        state=video_state,
        **_media(size, has_file=video_state != TO_IMPORT),
    )
    if filename is not None:
        digest = hashlib.sha256(f"{video.uuid}:{filename}".encode()).hexdigest()
        video.source = StoredFile(filename, "video/mp4", size, digest, b"", None)
    if password is not None:
        video.privacy = PASSWORD_PROTECTED
        set_passwords(state, video, [password])
    video.chapters = sorted(extras["chapters"] or description_chapters.parse(video.description))
    if extras["publish_at"] is not None:
        _schedule(state, video, extras["publish_at"], extras["publish_privacy"])
    return {"id": video.id, "uuid": video.uuid, "shortUUID": video.short_uuid}


def _seed_channel(state: State, user: User, username: str, name: str | None) -> Channel:
    """Seeding into someone else's channel would make an instance no API call can produce,
    so a named channel must be the user's own; unnamed means their first (default) channel.
    """
    channel = state.channel_by_name(name) if name else None
    if name and (channel is None or channel.user_id != user.id):
        raise ValueError(f"{username!r} has no channel {name!r}")
    return channel or state.channels[user.channel_ids[0]]


def _media(size: int, *, has_file: bool) -> dict[str, Any]:
    """A video still waiting for its import has no file yet, so none of what a file brings
    (size, duration, thumbnail, preview), just as over the API.
    """
    return {
        "size": size if has_file else 0,
        "duration": duration_for(size) if has_file else 0,
        "thumbnail_path": image_path("thumbnails") if has_file else None,
        "preview_path": image_path("previews") if has_file else None,
    }


def _schedule(state: State, video: Video, publish_at: Any, privacy: Any) -> None:
    """Seeded schedules go through the same tracker as API ones, so they publish on time."""
    moment = _moment(publish_at)
    assert moment is not None
    scheduling.track(state, video, Schedule(moment, privacy))


def set_chapters(state: State, ident: int | str, chapters: list[tuple[int, str]]) -> None:
    video = find_video(state, ident)
    if video is None:
        raise ValueError(f"no such video: {ident!r}")
    video.chapters = sorted(chapters)


def chapters(state: State, ident: int | str) -> list[dict[str, Any]]:
    video = find_video(state, ident)
    if video is None:
        raise ValueError(f"no such video: {ident!r}")
    return [{"timecode": t, "title": title} for t, title in sorted(video.chapters)]


def find_video(state: State, ident: int | str) -> Video | None:
    parsed = parse_ident(ident) if isinstance(ident, str) else ident
    return state.video(parsed) if parsed is not None else None


def edit_video(state: State, ident: int | str, fields: dict[str, Any]) -> None:
    """Apply API-named fields like a PUT would; invalid input raises ``ValueError``."""
    video = find_video(state, ident)
    if video is None:
        raise ValueError(f"no such video: {ident!r}")
    checker = v.Checker(fields)
    v.video_edit(checker, None, state.profile.licences)
    v.video_name(checker, required=False)
    v.channel_id(checker, required=False)
    v.video_passwords(checker)
    if checker.errors:
        raise ValueError(f"invalid fields: {checker.errors}")
    values = checker.values
    try:
        check_passwords(values, video.privacy)
        scheduling.check(values)
        channel = (
            channel_for(state, state.owner_of(video), values["channelId"])
            if values.get("channelId")
            else None
        )
    except Problem as problem:
        raise ValueError(problem.message) from None
    apply_update(state, video, values)
    if channel is not None and channel.id != video.channel_id:
        state.move_video(video, channel)


def video_details(state: State, ident: int | str) -> dict[str, Any] | None:
    import_job.advance(state)
    scheduling.advance(state)
    video = find_video(state, ident)
    return views.video_details(state, video) if video else None


def videos(state: State, username: str | None = None) -> list[dict[str, Any]]:
    import_job.advance(state)
    scheduling.advance(state)
    user_id = owner(state, username).id if username else None
    return [
        views.video_details(state, video)
        for video in sorted(state.videos.values(), key=lambda item: item.id)
        if user_id is None or video.user_id == user_id
    ]


def import_rows(state: State, username: str | None = None) -> list[dict[str, Any]]:
    import_job.advance(state)
    user_id = owner(state, username).id if username else None
    return [
        views.import_row(state, record)
        for record in sorted(state.imports.values(), key=lambda item: item.id)
        if user_id is None or record.user_id == user_id
    ]


def playlists(state: State, username: str | None = None) -> list[dict[str, Any]]:
    user_id = owner(state, username).id if username else None
    return [
        views.playlist(state, playlist)
        for playlist in sorted(state.playlists.values(), key=lambda item: item.id)
        if user_id is None or playlist.user_id == user_id
    ]


def playlist_videos(state: State, ident: int | str) -> list[str]:
    parsed = parse_ident(ident) if isinstance(ident, str) else ident
    playlist = state.playlist(parsed) if parsed is not None else None
    if playlist is None:
        raise ValueError(f"no such playlist: {ident!r}")
    return [
        state.videos[e.video_id].uuid
        for e in playlist.elements
        if e.video_id is not None and e.video_id in state.videos
    ]


def source_file(state: State, ident: int | str) -> dict[str, Any] | None:
    video = find_video(state, ident)
    if video is None or video.source is None:
        return None
    file = video.source
    return {
        "inputFilename": file.filename,
        "size": file.size,
        "sha256": file.sha256,
        "data": file.data,
    }


def upload_sessions(state: State) -> dict[str, dict[str, Any]]:
    return {session.id: summary(state, session) for session in state.uploads.values()}
