"""Video endpoints: the two listings, details, description, source, passwords, update, delete.

(``/description`` exists on 6.x only; 7.x dropped it with ``descriptionPath``.)

Visibility follows ``checkCanSeeVideo``: private and internal videos (and unlisted ones asked
for by numeric id) need a token, anonymous callers get 401 "Not authenticated", other users 403;
password-protected videos need the ``x-peertube-video-password`` header unless you own them.
Channel listings show only public, published, non-NSFW videos, even to their owner.
"""

from __future__ import annotations

from werkzeug.wrappers import Response

from ptsync.testing import scheduling, validation, views
from ptsync.testing.editing import (
    apply_update,
    channel_for,
    check_can_manage,
    check_passwords,
    set_passwords,
    validate_update,
    video_or_404,
    video_param,
)
from ptsync.testing.listing import VIDEO_SORTS, ordered_videos, page
from ptsync.testing.problems import Problem, bad_request, json_response, no_content, not_found
from ptsync.testing.records import (
    INTERNAL,
    PASSWORD_PROTECTED,
    PRIVATE,
    PUBLIC,
    PUBLISHED,
    UNLISTED,
    User,
    Video,
    iso,
)
from ptsync.testing.routing import Ctx, Routes

routes = Routes()


def check_can_see(ctx: Ctx, video: Video, ident: int | str) -> None:
    user, state = ctx.user, ctx.state
    owner_or_staff = user is not None and (user.is_staff or user.id == video.user_id)
    if video.privacy in (PRIVATE, INTERNAL) or (
        video.privacy == UNLISTED and isinstance(ident, int)
    ):
        if user is None:
            raise Problem(401, "Not authenticated")
        if video.privacy == INTERNAL or owner_or_staff:
            return
        raise Problem(403, "Cannot fetch information of private/internal/blocked video")
    if video.privacy == PASSWORD_PROTECTED and not owner_or_staff:
        given = ctx.request.headers.get("x-peertube-video-password")
        if not given:
            raise Problem(
                403,
                "Please provide a password to access this password protected video",
                code="video_requires_password",
            )
        if given not in {p.password for p in state.videos[video.id].passwords}:
            raise Problem(
                403,
                "Incorrect video password. Access to the video is denied.",
                code="incorrect_video_password",
            )


def visible_video(ctx: Ctx, raw: str) -> Video:
    ident = video_param(raw, ctx.instance)
    video = video_or_404(ctx.state, ident)
    check_can_see(ctx, video, ident)
    return video


def managed_video(ctx: Ctx, raw: str, param: str = "id") -> Video:
    video = video_or_404(ctx.state, video_param(raw, ctx.instance, param))
    check_can_manage(ctx.state, ctx.me, video)
    return video


@routes("/api/v1/users/me/videos", "GET", auth="required")
def my_videos(ctx: Ctx) -> Response:
    state, user, query = ctx.state, ctx.me, ctx.query
    start, count = validation.pagination(query, ctx.instance)
    sort = validation.sort(query, VIDEO_SORTS, "-publishedAt", ctx.instance)
    search = query.get("search")
    needle = str(search).casefold() if search else None
    ordered = ordered_videos(
        state,
        ("user", user.id),
        state.user_videos.get(user.id, {}),
        sort,
        keep=(lambda v: needle in v.name.casefold()) if needle else None,
        filter_key=("search", needle),
        depends=("name",) if needle else (),
    )
    data = [views.video_owner_item(state, state.videos[i]) for i in page(ordered, start, count)]
    return json_response({"total": len(ordered), "data": data})


def _nsfw_filter(value: object) -> bool | None:
    if value == "both":
        return None
    return value == "true"


@routes("/api/v1/video-channels/<handle>/videos", "GET", auth="optional")
def channel_videos(ctx: Ctx, handle: str) -> Response:
    state, query = ctx.state, ctx.query
    channel = state.channel_by_name(handle)
    if channel is None:
        raise not_found("Video channel not found")
    start, count = validation.pagination(query, ctx.instance)
    sort = validation.sort(query, VIDEO_SORTS, "-publishedAt", ctx.instance)
    nsfw = _nsfw_filter(query.get("nsfw"))

    def keep(video: Video) -> bool:
        listed = video.privacy == PUBLIC and video.state == PUBLISHED
        return listed and (nsfw is None or video.nsfw == nsfw)

    ordered = ordered_videos(
        state,
        ("channel", channel.id),
        state.channel_videos.get(channel.id, {}),
        sort,
        keep=keep,
        filter_key=("nsfw", nsfw),
        depends=("visibility",),
    )
    data = [views.video_item(state, state.videos[i]) for i in page(ordered, start, count)]
    if query.get("skipCount") == "true":
        return json_response({"data": data})
    return json_response({"total": len(ordered), "data": data})


@routes("/api/v1/videos/<vid>", "GET", auth="optional", docs="getVideo")
def get_video(ctx: Ctx, vid: str) -> Response:
    return json_response(views.video_details(ctx.state, visible_video(ctx, vid)))


@routes(
    "/api/v1/videos/<vid>/description",
    "GET",
    auth="optional",
    docs="getVideoDesc",
    when=lambda profile: profile.description_endpoint,
)
def get_description(ctx: Ctx, vid: str) -> Response:
    return json_response({"description": visible_video(ctx, vid).description})


@routes("/api/v1/videos/<vid>/source", "GET", auth="required", docs="getVideoSource")
def get_source(ctx: Ctx, vid: str) -> Response:
    video = managed_video(ctx, vid)
    if video.source is None:
        raise not_found("Video source not found")
    return json_response(views.source(ctx.state, video))


@routes(
    "/api/v1/videos/<vid>",
    "PUT",
    auth="required",
    docs="putVideo",
    files=("thumbnailfile", "previewfile"),
)
def update_video(ctx: Ctx, vid: str) -> Response:
    state, user = ctx.state, ctx.me
    ident, values = validate_update(
        ctx.fields, ctx.body.files, ctx.instance, vid, state.profile.licences
    )
    video = video_or_404(state, ident)
    check_passwords(values, video.privacy)
    scheduling.check(values)
    check_can_manage(state, user, video)
    if ctx.body.is_multipart and "scheduleUpdate" in values:
        state.multipart_schedules += 1  # see FakePeerTube.multipart_schedules
    channel = channel_for(state, user, values["channelId"]) if values.get("channelId") else None
    apply_update(state, video, values)
    if channel is not None and channel.id != video.channel_id:
        state.move_video(video, channel)
    return no_content()


@routes("/api/v1/videos/<vid>", "DELETE", auth="required", docs="delVideo")
def delete_video(ctx: Ctx, vid: str) -> Response:
    ctx.state.remove_video(managed_video(ctx, vid))
    return no_content()


def _protected(ctx: Ctx, vid: str) -> tuple[User, Video]:
    video = managed_video(ctx, vid)
    if video.privacy != PASSWORD_PROTECTED:
        raise bad_request("Video is not password protected")
    return ctx.me, video


@routes("/api/v1/videos/<vid>/passwords", "GET", auth="required")
def list_passwords(ctx: Ctx, vid: str) -> Response:
    _, video = _protected(ctx, vid)
    start, count = validation.pagination(ctx.query, ctx.instance)
    rows = [
        {
            "id": p.id,
            "password": p.password,
            "videoId": video.id,
            "createdAt": iso(p.created_at),
            "updatedAt": iso(p.created_at),
        }
        for p in video.passwords
    ]
    return json_response({"total": len(rows), "data": page(rows, start, count)})


@routes("/api/v1/videos/<vid>/passwords", "PUT", auth="required")
def update_passwords(ctx: Ctx, vid: str) -> Response:
    _, video = _protected(ctx, vid)
    passwords = ctx.fields.get("passwords")
    check_passwords({"privacy": PASSWORD_PROTECTED, "videoPasswords": passwords}, None)
    set_passwords(ctx.state, video, list(passwords or []))
    return no_content()
