"""Playlists: create, read, update, delete, and the per-account listing.

PeerTube 6.3 creates playlists only from multipart/form-data: with a JSON or urlencoded body
the validators pass and the controller then crashes reading ``req.files.thumbnailfile`` (500
``TypeError``). The update controller reads ``req.files`` the same way, so the fake answers PUT
the same (the recordings only prove it for POST; the stricter choice keeps clients honest).
7.x fixed both: JSON and urlencoded bodies work there.
Every user owns a "Watch later" playlist that can be neither updated nor deleted.

Only the two GETs (``/video-playlists/{id}`` and its ``/videos``) refuse the numeric id of an
unlisted playlist (404 "Playlist not found", its owner included): they want the uuid or the
shortUUID. Writes (PUT, DELETE, elements, reorder) take any id form. An account's listing shows
every privacy to its owner only; anyone else, an administrator too, sees the public ones.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from ptsync.testing import limits, views
from ptsync.testing import validation as v
from ptsync.testing.editing import channel_for, image_path
from ptsync.testing.ids import new_uuid, parse_ident
from ptsync.testing.listing import page
from ptsync.testing.memory import State
from ptsync.testing.problems import (
    Problem,
    bad_request,
    forbidden,
    json_response,
    no_content,
    not_found,
)
from ptsync.testing.records import PRIVATE, Playlist, User
from ptsync.testing.routing import Ctx, Routes

REGULAR, WATCH_LATER = 1, 2
PUBLIC_PLAYLIST, UNLISTED_PLAYLIST = 1, 2
PLAYLIST_ID_MSG = "Should have a valid playlist id/uuid/short uuid"
TYPE_ERROR = "Cannot read properties of undefined (reading 'thumbnailfile')"

routes = Routes()


def new_playlist(
    state: State,
    user: User,
    display_name: str,
    *,
    privacy: int = PRIVATE,
    kind: int = REGULAR,
    channel_id: int | None = None,
    description: str | None = None,
) -> Playlist:
    now = state.clock.now()
    playlist = Playlist(
        id=state.next_id("playlist"),
        uuid=new_uuid(),
        user_id=user.id,
        channel_id=channel_id,
        display_name=display_name,
        description=description,
        privacy=privacy,
        type=kind,
        created_at=now,
        updated_at=now,
    )
    state.playlists[playlist.id] = playlist
    state.playlist_uuids[playlist.uuid] = playlist.id
    return playlist


def _edit_checks(checker: v.Checker, files: Any) -> None:
    checker.file("thumbnailfile", files, limits.is_image, v.THUMBNAIL_MSG)
    checker.check("description", limits.text_between(3, 1000), sanitize=limits.to_value_or_null)
    checker.check(
        "privacy",
        lambda p: p in (1, 2, 3) and not isinstance(p, bool),
        sanitize=limits.to_int_or_null,
    )
    checker.check("videoChannelId", lambda value: True, sanitize=limits.to_int_or_null)


def playlist_param(checker: v.Checker, raw: str, name: str = "playlistId") -> int | str | None:
    ident = parse_ident(raw)
    if ident is None:
        checker.fail(name, raw, PLAYLIST_ID_MSG, location="params")
    return ident


def playlist_or_404(state: State, ident: int | str | None) -> Playlist:
    playlist = state.playlist(ident) if ident is not None else None
    if playlist is None:
        raise not_found("Video playlist not found")
    return playlist


def check_can_manage_playlist(user: User, playlist: Playlist) -> None:
    if playlist.user_id != user.id and not user.is_staff:
        raise forbidden("Cannot manage video playlist of another user")


def _check_can_see(ctx: Ctx, playlist: Playlist, ident: int | str) -> None:
    if playlist.privacy == UNLISTED_PLAYLIST and isinstance(ident, int):
        raise not_found("Playlist not found")
    if playlist.privacy == PRIVATE:
        if ctx.user is None:
            raise Problem(401, "Not authenticated")
        if ctx.user.id != playlist.user_id and not ctx.user.is_staff:
            raise forbidden("Cannot get this private video playlist.")


def visible_playlist(ctx: Ctx, raw: str) -> Playlist:
    checker = v.Checker({})
    ident = playlist_param(checker, raw)
    checker.raise_errors(ctx.instance)
    assert ident is not None
    playlist = playlist_or_404(ctx.state, ident)
    _check_can_see(ctx, playlist, ident)
    return playlist


def _apply_thumbnail(playlist: Playlist, values: dict[str, Any]) -> None:
    upload = values.get("thumbnailfile")
    if upload is not None:
        playlist.thumbnail = upload.data if upload.data is not None else upload.head
        playlist.thumbnail_path = image_path("thumbnails").replace(
            "thumbnails/", "thumbnails/playlist-"
        )


@routes("/api/v1/video-playlists", "POST", auth="required", files=("thumbnailfile",))
def create_playlist(ctx: Ctx) -> Response:
    state, user = ctx.state, ctx.me
    checker = v.Checker(ctx.fields)
    _edit_checks(checker, ctx.body.files)
    checker.check("displayName", limits.text_between(1, 120, nullable=False), optional=False)
    checker.raise_errors(ctx.instance)
    values = checker.values
    channel = (
        channel_for(state, user, values["videoChannelId"]) if values.get("videoChannelId") else None
    )
    if channel is None and values.get("privacy") in (PUBLIC_PLAYLIST, UNLISTED_PLAYLIST):
        raise bad_request(
            'Cannot set "public" or "unlisted" a playlist that is not assigned to a channel.'
        )
    if not ctx.body.is_multipart and not state.profile.playlist_any_body:
        raise Problem(500, TYPE_ERROR, code="TypeError")
    playlist = new_playlist(
        state,
        user,
        values["displayName"],
        privacy=values.get("privacy") or PRIVATE,
        channel_id=channel.id if channel else None,
        description=values.get("description"),
    )
    _apply_thumbnail(playlist, values)
    return json_response(
        {
            "videoPlaylist": {
                "id": playlist.id,
                "shortUUID": playlist.short_uuid,
                "uuid": playlist.uuid,
            }
        }
    )


@routes("/api/v1/video-playlists/<pid>", "GET", auth="optional")
def get_playlist(ctx: Ctx, pid: str) -> Response:
    return json_response(views.playlist(ctx.state, visible_playlist(ctx, pid)))


@routes("/api/v1/video-playlists/<pid>", "PUT", auth="required", files=("thumbnailfile",))
def update_playlist(ctx: Ctx, pid: str) -> Response:
    state, user = ctx.state, ctx.me
    checker = v.Checker(ctx.fields)
    _edit_checks(checker, ctx.body.files)
    ident = playlist_param(checker, pid)
    checker.check("displayName", limits.text_between(1, 120, nullable=False))
    checker.raise_errors(ctx.instance)
    values = checker.values
    playlist = playlist_or_404(state, ident)
    check_can_manage_playlist(user, playlist)
    _check_update(playlist, values)
    channel_id = values.get("videoChannelId")
    channel = channel_for(state, user, channel_id) if channel_id else None
    if not ctx.body.is_multipart and not state.profile.playlist_any_body:
        raise Problem(500, TYPE_ERROR, code="TypeError")
    if "videoChannelId" in values:
        playlist.channel_id = channel.id if channel else None
    for name, attribute in _EDITABLE.items():
        if name in values:
            setattr(playlist, attribute, values[name])
    _apply_thumbnail(playlist, values)
    playlist.updated_at = state.clock.now()
    return no_content()


_EDITABLE = {"displayName": "display_name", "description": "description", "privacy": "privacy"}


def _check_update(playlist: Playlist, values: dict[str, Any]) -> None:
    """``videoPlaylistsUpdateValidator``'s rules after ownership, in its order."""
    privacy = values.get("privacy") or playlist.privacy
    unassigned = (playlist.channel_id is None and not values.get("videoChannelId")) or (
        "videoChannelId" in values and values["videoChannelId"] is None
    )
    if privacy == PUBLIC_PLAYLIST and unassigned:
        raise bad_request('Cannot set "public" a playlist that is not assigned to a channel.')
    if playlist.type == WATCH_LATER:
        raise bad_request("Cannot update a watch later playlist.")


@routes("/api/v1/video-playlists/<pid>", "DELETE", auth="required")
def delete_playlist(ctx: Ctx, pid: str) -> Response:
    state = ctx.state
    checker = v.Checker({})
    ident = playlist_param(checker, pid)
    checker.raise_errors(ctx.instance)
    playlist = playlist_or_404(state, ident)
    if playlist.type == WATCH_LATER:
        raise bad_request("Cannot delete a watch later playlist.")
    check_can_manage_playlist(ctx.me, playlist)
    del state.playlists[playlist.id]
    state.playlist_uuids.pop(playlist.uuid, None)
    return no_content()


@routes("/api/v1/accounts/<name>/video-playlists", "GET", auth="optional")
def account_playlists(ctx: Ctx, name: str) -> Response:
    state, viewer = ctx.state, ctx.user
    owner = state.user_by_name(name.partition("@")[0])
    if owner is None:
        raise not_found("Account not found")
    start, count = v.pagination(ctx.query, ctx.instance)
    sort = v.sort(ctx.query, ("displayName", "createdAt", "updatedAt"), "-createdAt", ctx.instance)
    sees_all = viewer is not None and viewer.id == owner.id  # staff too see public ones only
    kind = ctx.query.get("playlistType")
    rows = [
        p
        for p in state.playlists.values()
        if p.user_id == owner.id
        and (sees_all or p.privacy == PUBLIC_PLAYLIST)
        and (kind is None or str(p.type) == str(kind))
    ]
    field = {"displayName": "display_name", "createdAt": "created_at", "updatedAt": "updated_at"}
    attribute = field[sort.lstrip("-")]
    rows.sort(key=lambda p: (getattr(p, attribute), p.id), reverse=sort.startswith("-"))
    data = [views.playlist(state, p) for p in page(rows, start, count)]
    return json_response({"total": len(rows), "data": data})
