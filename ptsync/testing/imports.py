"""Imports by URL and the simulated import job.

Creation follows ``videoImportAddValidator`` then the controller: validation, passwords,
feature flags (409), channel, target presence, the unicast rule (403), then the synchronous
youtube-dl probe (an unreachable URL fails at once with 400 and nothing is created). Accepted
imports create their video immediately ("To import") and then move Pending → Processing → final
as time passes: the job is advanced lazily whenever the fake is consulted, so there are no
background threads and timing stays deterministic. A failed job deletes its video, which is why
failed rows come back without a ``video`` key.
"""

from __future__ import annotations

import hashlib
import posixpath
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from werkzeug.wrappers import Response

from ptsync.testing import rules
from ptsync.testing import validation as v
from ptsync.testing.bodies import StoredFile
from ptsync.testing.editing import (
    channel_for,
    check_passwords,
    creation_fields,
    duration_for,
    finish_creation,
    image_path,
)
from ptsync.testing.ids import is_int
from ptsync.testing.listing import page
from ptsync.testing.problems import (
    bad_request,
    conflict,
    forbidden,
    json_response,
    no_content,
    not_found,
)
from ptsync.testing.records import ADMIN, PUBLISHED, TO_IMPORT, Import, Video
from ptsync.testing.routing import Ctx, Routes
from ptsync.testing.state import State
from ptsync.testing.views import import_row

PENDING, SUCCESS, FAILED, CANCELLED, PROCESSING = 1, 2, 3, 5, 6
BEHAVIOURS = ("ok", "unreachable", "not-a-video", "slow")
SLOW_FACTOR = 10
QUOTA_ERROR = "The user video quota is exceeded with this import."
TORRENT_MSG = (
    "This torrent file is not supported or too large. "
    "Please, make sure it is of the following type: .torrent"
)
FFPROBE_ERROR = (
    "ffprobe exited with code 1\n"
    "ffprobe version 5.1.9-0+deb12u1 Copyright (c) 2007-2026 the FFmpeg developers\n"
    "[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55b1029c9180] moov atom not found\n"
    "/var/www/peertube/storage/tmp/{name}-import.mp4: Invalid data found when processing input\n"
)

routes = Routes()


def _is_magnet(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("magnet:?") and "xt=urn:btih:" in value


def title_from(url: str) -> str:
    """What youtube-dl's generic extractor calls a direct file: its name without extension."""
    name = unquote(posixpath.basename(urlsplit(url).path))
    return posixpath.splitext(name)[0] or urlsplit(url).hostname or "Unknown name"


def _today() -> float:
    today = datetime.now(UTC).date()
    return datetime(today.year, today.month, today.day, tzinfo=UTC).timestamp()


def _validate(ctx: Ctx) -> dict[str, Any]:
    """``videoImportAddValidator``'s chains, then its checks up to the channel, in order."""
    checker = v.Checker(ctx.fields)
    v.video_edit(checker, ctx.body.files)
    v.channel_id(checker, required=True)
    checker.check("targetUrl", rules.is_import_url)
    checker.check("magnetUri", _is_magnet)
    checker.file(
        "torrentfile", ctx.body.files, lambda f: f.filename.endswith(".torrent"), TORRENT_MSG
    )
    v.video_name(checker, required=False, trimmed=False)
    v.video_passwords(checker)
    checker.raise_errors(ctx.instance)
    values = checker.values
    check_passwords(values, None)
    if values.get("targetUrl") and not ctx.state.settings.http_import_enabled:
        raise conflict("HTTP import is not enabled on this instance.")
    if values.get("magnetUri") or "torrentfile" in values:
        raise conflict("Torrent/magnet URI import is not enabled on this instance.")
    return values


def _probe(state: State, target: str | None) -> tuple[str, str, int]:
    """The target checks and youtube-dl's synchronous probe: (url, behaviour, size)."""
    if not target:
        raise bad_request("Should have a magnetUri or a targetUrl or a torrent file.")
    host = urlsplit(target).hostname or ""
    if not state.settings.allow_private_import_targets and not rules.is_unicast_host(host):
        raise forbidden("Cannot use non unicast IP as targetUrl.")
    behaviour, size = state.import_targets.get(target, ("ok", 1000))
    if behaviour == "unreachable":
        raise bad_request(
            f"Cannot fetch information from import for URL {target}", targetUrl=target
        )
    return target, behaviour, size


@routes(
    "/api/v1/videos/imports",
    "POST",
    auth="required",
    files=("thumbnailfile", "previewfile", "torrentfile"),
)
def create_import(ctx: Ctx) -> Response:
    state, user = ctx.state, ctx.me
    values = _validate(ctx)
    channel = channel_for(state, user, values["channelId"])
    target, behaviour, size = _probe(state, values.get("targetUrl"))
    fields = creation_fields(values, wait_transcoding=True)
    if fields["originally_published_at"] is None:
        fields["originally_published_at"] = _today()
    name = values.get("name") or title_from(target)
    video = state.new_video(channel, name, **fields, state=TO_IMPORT)
    finish_creation(state, video, values)
    now = state.clock.now()
    record = Import(state.next_id("import"), user.id, target, video.id, behaviour, size, now, now)
    state.add_import(record)
    return json_response(import_row(state, record))


@routes("/api/v1/users/me/videos/imports", "GET", auth="required")
def my_imports(ctx: Ctx) -> Response:
    state, user, query = ctx.state, ctx.me, ctx.query
    start, count = v.pagination(query, ctx.instance)
    sort = v.sort(query, ("createdAt",), "-createdAt", ctx.instance)
    rows = [r for r in state.imports.values() if r.user_id == user.id]
    target = query.get("targetUrl")
    if target:
        rows = [r for r in rows if r.target_url == target]
    rows.sort(key=lambda r: (r.created_at, r.id), reverse=sort.startswith("-"))
    data = [import_row(state, r) for r in page(rows, start, count)]
    return json_response({"total": len(rows), "data": data})


def _own_import(ctx: Ctx, raw: str) -> Import:
    if not is_int(raw):
        checker = v.Checker({})
        checker.fail("id", raw, v.INVALID, location="params")
        checker.raise_errors(ctx.instance)
    record = ctx.state.imports.get(int(raw))
    if record is None:
        raise not_found("Video import not found")
    if record.user_id != ctx.me.id and ctx.me.role != ADMIN:
        raise forbidden("Cannot manage video import of another user")
    return record


@routes("/api/v1/videos/imports/<iid>", "DELETE", auth="required")
def delete_import(ctx: Ctx, iid: str) -> Response:
    record = _own_import(ctx, iid)
    if record.state == PENDING:
        raise conflict(
            "Cannot delete a pending video import. "
            "Cancel it or wait for the end of the import first."
        )
    ctx.state.imports.pop(record.id, None)
    ctx.state.unfinished_imports.pop(record.id, None)
    return no_content(json_type=False)


@routes("/api/v1/videos/imports/<iid>/cancel", "POST", auth="required")
def cancel_import(ctx: Ctx, iid: str) -> Response:
    record = _own_import(ctx, iid)
    if record.state != PENDING:
        raise conflict("Cannot cancel a non pending video import.")
    record.state, record.updated_at = CANCELLED, ctx.state.clock.now()
    ctx.state.unfinished_imports.pop(record.id, None)
    return no_content(json_type=False)


# --- the job --------------------------------------------------------------------------------


def advance(state: State, now: float | None = None, *, finish_all: bool = False) -> None:
    """Move unfinished imports along their timeline (or straight to the end with ``finish_all``)."""
    if not state.unfinished_imports:
        return
    duration = state.settings.import_duration
    if duration is None and not finish_all:
        return
    now = time.time() if now is None else now
    for record_id in list(state.unfinished_imports):
        record = state.imports.get(record_id)
        if record is None or record.state == CANCELLED:
            state.unfinished_imports.pop(record_id, None)
            continue
        total = (duration or 0.0) * (SLOW_FACTOR if record.behaviour == "slow" else 1)
        if record.state == PENDING and (finish_all or now >= record.created_at + total / 4):
            record.state, record.updated_at = PROCESSING, state.clock.now()
        if record.state == PROCESSING and (finish_all or now >= record.created_at + total):
            _finish(state, record)


def _finish(state: State, record: Import) -> None:
    state.unfinished_imports.pop(record.id, None)
    video = state.videos.get(record.video_id) if record.video_id is not None else None
    if video is None:
        _fail(state, record, None, "Video of this import was deleted.")
    elif record.behaviour == "not-a-video":
        name = hashlib.sha256(record.target_url.encode()).hexdigest()
        _fail(state, record, video, FFPROBE_ERROR.format(name=name))
    elif not state.can_upload(state.users[record.user_id], record.size):
        _fail(state, record, video, QUOTA_ERROR)
    else:
        _publish(state, record, video)
    record.updated_at = state.clock.now()


def _fail(state: State, record: Import, video: Video | None, message: str) -> None:
    record.state, record.error = FAILED, message
    if video is not None:
        state.remove_video(video)


def _publish(state: State, record: Import, video: Video) -> None:
    name = posixpath.basename(urlsplit(record.target_url).path) or "video.mp4"
    video.source = StoredFile(
        filename=name,
        mimetype="video/mp4",
        size=record.size,
        sha256=hashlib.sha256(record.target_url.encode()).hexdigest(),
        head=b"",
        data=None,
    )
    video.state, video.size, video.duration = PUBLISHED, record.size, duration_for(record.size)
    video.thumbnail_path = video.thumbnail_path or image_path("thumbnails")
    video.preview_path = video.preview_path or image_path("previews")
    video.updated_at = state.clock.now()
    state.touch("visibility", "duration", "size")
    record.state = SUCCESS


def check_behaviour(behaviour: str) -> None:
    if behaviour not in BEHAVIOURS:
        raise ValueError(f"behaviour must be one of {BEHAVIOURS}: {behaviour!r}")
