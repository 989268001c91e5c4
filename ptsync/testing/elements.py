"""Playlist elements: listing, adding, editing timestamps, removing and reordering.

Elements keep their id when moved; positions are derived from the order. Reordering replays
PeerTube's own three-step position arithmetic (open a gap, move the block, close the hole) so
edge cases such as ``reorderLength`` past the end behave the same. A deleted video leaves its
element behind with ``type`` 1 and ``video: null``, as PeerTube does.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from ptsync.testing import limits, views
from ptsync.testing import validation as v
from ptsync.testing.editing import image_path
from ptsync.testing.ids import is_int, parse_ident
from ptsync.testing.listing import page
from ptsync.testing.playlists import (
    check_can_manage_playlist,
    playlist_or_404,
    playlist_param,
    visible_playlist,
)
from ptsync.testing.problems import bad_request, json_response, no_content, not_found
from ptsync.testing.records import PRIVATE, Element, Playlist, User, Video
from ptsync.testing.routing import Ctx, Routes

ELEMENT_REGULAR, ELEMENT_DELETED, ELEMENT_PRIVATE = 0, 1, 2

routes = Routes()


def _element_json(ctx: Ctx, element: Element, position: int) -> dict[str, Any]:
    video = ctx.state.videos.get(element.video_id) if element.video_id is not None else None
    kind, body = ELEMENT_REGULAR, None
    if video is None:
        kind = ELEMENT_DELETED
    elif _hidden(ctx.user, video):
        kind = ELEMENT_PRIVATE
    else:
        body = views.video_item(ctx.state, video)
    return {
        "id": element.id,
        "position": position,
        "startTimestamp": element.start_timestamp,
        "stopTimestamp": element.stop_timestamp,
        "type": kind,
        "video": body,
    }


def _hidden(viewer: User | None, video: Video) -> bool:
    if video.privacy not in (PRIVATE, 4):
        return False
    return viewer is None or (viewer.id != video.user_id and not viewer.is_staff)


@routes("/api/v1/video-playlists/<pid>/videos", "GET", auth="optional")
def playlist_videos(ctx: Ctx, pid: str) -> Response:
    playlist = visible_playlist(ctx, pid)
    start, count = v.pagination(ctx.query, ctx.instance)
    rows = [_element_json(ctx, e, i + 1) for i, e in enumerate(playlist.elements)]
    return json_response({"total": len(rows), "data": page(rows, start, count)})


def _element_checks(checker: v.Checker) -> None:
    valid = v.is_int_between(0)
    checker.check("startTimestamp", lambda t: t is None or valid(t))
    checker.check("stopTimestamp", lambda t: t is None or valid(t))


def _managed(ctx: Ctx, checker: v.Checker, pid: str) -> Playlist:
    ident = playlist_param(checker, pid)
    checker.raise_errors(ctx.instance)
    return playlist_or_404(ctx.state, ident)


@routes("/api/v1/video-playlists/<pid>/videos", "POST", auth="required")
def add_element(ctx: Ctx, pid: str) -> Response:
    state = ctx.state
    checker = v.Checker(ctx.fields)
    raw = ctx.fields.get("videoId")
    video_ident = parse_ident(str(raw)) if isinstance(raw, int | str) and raw != "" else None
    if video_ident is None:
        checker.fail(
            "videoId",
            raw if "videoId" in ctx.fields else limits.UNDEFINED,
            "Should have a valid video id/uuid/short uuid",
        )
    _element_checks(checker)
    playlist = _managed(ctx, checker, pid)
    video = state.video(video_ident) if video_ident is not None else None
    if video is None:
        raise not_found("Video not found")
    check_can_manage_playlist(ctx.me, playlist)
    element = Element(
        state.next_id("element"),
        video.id,
        checker.values.get("startTimestamp"),
        checker.values.get("stopTimestamp"),
    )
    state.add_element(playlist, element)
    if playlist.thumbnail_path is None and video.thumbnail_path:
        playlist.thumbnail_path = image_path("thumbnails").replace(
            "thumbnails/", "thumbnails/playlist-"
        )
    playlist.updated_at = state.clock.now()
    return json_response({"videoPlaylistElement": {"id": element.id}})


def _element(ctx: Ctx, playlist: Playlist, raw: str) -> tuple[Playlist, Element]:
    """The element and the playlist that holds it. 8.2 looks for it in the playlist named in
    the path; before, PeerTube loaded it by id alone, from any playlist."""
    holders = [playlist]
    if not ctx.state.profile.element_in_playlist:
        holders += [p for p in ctx.state.playlists.values() if p is not playlist]
    for holder in holders:
        for element in holder.elements:
            if str(element.id) == raw:
                return holder, element
    raise not_found("Video playlist element not found")


@routes("/api/v1/video-playlists/<pid>/videos/<eid>", "PUT", auth="required")
def update_element(ctx: Ctx, pid: str, eid: str) -> Response:
    checker = v.Checker(ctx.fields)
    _element_checks(checker)
    playlist = _managed(ctx, checker, pid)
    holder, element = _element(ctx, playlist, eid)
    check_can_manage_playlist(ctx.me, playlist)
    for name, attribute in (
        ("startTimestamp", "start_timestamp"),
        ("stopTimestamp", "stop_timestamp"),
    ):
        if name in checker.values:
            setattr(element, attribute, checker.values[name])
    holder.updated_at = ctx.state.clock.now()
    return no_content()


@routes("/api/v1/video-playlists/<pid>/videos/<eid>", "DELETE", auth="required")
def delete_element(ctx: Ctx, pid: str, eid: str) -> Response:
    playlist = _managed(ctx, v.Checker({}), pid)
    holder, element = _element(ctx, playlist, eid)
    check_can_manage_playlist(ctx.me, playlist)
    holder.elements.remove(element)
    holder.updated_at = ctx.state.clock.now()
    return no_content()


@routes("/api/v1/video-playlists/<pid>/videos/reorder", "POST", auth="required")
def reorder(ctx: Ctx, pid: str) -> Response:
    checker = v.Checker(ctx.fields)
    checker.check("startPosition", v.is_int_between(1), optional=False)
    checker.check("insertAfterPosition", v.is_int_between(0), optional=False)
    checker.check("reorderLength", v.is_int_between(1))
    playlist = _managed(ctx, checker, pid)
    check_can_manage_playlist(ctx.me, playlist)
    start = int(checker.values["startPosition"])
    after = int(checker.values["insertAfterPosition"])
    length = int(checker.values.get("reorderLength") or 1)
    next_position = len(playlist.elements) + 1
    if start >= next_position or after >= next_position:
        raise bad_request(
            "Start position or insert after position exceed the playlist limits "
            f"(max: {next_position - 1})"
        )
    if checker.values.get("reorderLength") and length + start > next_position:
        raise bad_request(
            "Reorder length with this start position exceeds the playlist limits "
            f"(max: {next_position - start})"
        )
    if start != after:
        playlist.elements = move(playlist.elements, start, after, length)
        playlist.updated_at = ctx.state.clock.now()
    return no_content()


def move(elements: list[Element], start: int, after: int, length: int) -> list[Element]:
    """PeerTube's reorder, step for step: open a gap, move the block, close the old hole."""
    positions = {id(e): i + 1 for i, e in enumerate(elements)}
    new = after + 1
    for key, position in positions.items():
        if position >= new:
            positions[key] = position + length
    old = start + (length if start >= new else 0)
    for key, position in positions.items():
        if old <= position <= old + length - 1:
            positions[key] = new + position - old
    for key, position in positions.items():
        if position >= old:
            positions[key] = position - length
    return sorted(elements, key=lambda e: positions[id(e)])


@routes("/api/v1/users/me/video-playlists/videos-exist", "GET", auth="required")
def videos_exist(ctx: Ctx) -> Response:
    """Which of the user's playlists hold each video; 8.2 takes at most 100 ids."""
    raw = ctx.request.args.getlist("videoIds") + ctx.request.args.getlist("videoIds[]")
    limit = ctx.state.profile.videos_exist_max
    checker = v.Checker({}, location="query")
    if not raw or not all(is_int(value) for value in raw):
        checker.fail("videoIds", raw or limits.UNDEFINED, "Should have a valid video ids array")
    elif limit is not None and len(raw) > limit:
        checker.fail("videoIds", raw, f"Should have at most {limit} video ids")
    checker.raise_errors(ctx.instance)
    wanted = {int(value) for value in raw}
    found: dict[str, list[dict[str, Any]]] = {str(i): [] for i in sorted(wanted)}
    mine = sorted(
        (p for p in ctx.state.playlists.values() if p.user_id == ctx.me.id), key=lambda p: p.id
    )
    for playlist in mine:
        for element in playlist.elements:
            if element.video_id in wanted:
                found[str(element.video_id)].append(
                    {
                        "playlistElementId": element.id,
                        "playlistId": playlist.id,
                        "playlistDisplayName": playlist.display_name,
                        "playlistShortUUID": playlist.short_uuid,
                        "startTimestamp": element.start_timestamp,
                        "stopTimestamp": element.stop_timestamp,
                    }
                )
    return json_response(found)
