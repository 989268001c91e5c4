"""Imports by URL and the simulated import job.

Creation follows ``videoImportAddValidator`` then the controller: validation, passwords,
feature flags (409), channel, target presence, the unicast rule (403), then the synchronous
youtube-dl probe (an unreachable URL fails at once with 400 and nothing is created). Accepted
imports create their video ("To import") and their row; ``import_job`` then moves them along.
With ``create_delay`` set, the create happens that many seconds after the request, on its own
thread (``completion``), and happens even if the client has gone. On 8.x a failed import can be
retried (``POST /videos/imports/{id}/retry``); older releases have no such route, and 8.3 also
refuses a retry once the video is gone or ``import_max_attempts`` attempts were made.
"""

from __future__ import annotations

import posixpath
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from werkzeug.wrappers import Response

from ptsync.testing import import_job, limits, scheduling
from ptsync.testing import validation as v
from ptsync.testing.completion import Job
from ptsync.testing.editing import channel_for, check_passwords, creation_fields, finish_creation
from ptsync.testing.ids import is_int
from ptsync.testing.import_job import CANCELLED, FAILED, PENDING
from ptsync.testing.listing import page
from ptsync.testing.memory import State
from ptsync.testing.problems import (
    bad_request,
    conflict,
    forbidden,
    json_response,
    no_content,
    not_found,
)
from ptsync.testing.records import ADMIN, TO_IMPORT, Import, User
from ptsync.testing.routing import Ctx, Routes
from ptsync.testing.views import import_row
from ptsync.testing.vocab import IMPORT_STATES

TORRENT_MSG = (
    "This torrent file is not supported or too large. "
    "Please, make sure it is of the following type: .torrent"
)

routes = Routes()


def _is_magnet(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("magnet:?") and "xt=urn:btih:" in value


def title_from(url: str) -> str:
    """What youtube-dl's generic extractor calls a direct file: its name without extension."""
    name = unquote(posixpath.basename(urlsplit(url).path))
    return posixpath.splitext(name)[0] or urlsplit(url).hostname or "Unknown name"


def _today(state: State) -> float:
    today = datetime.fromtimestamp(state.clock.time(), UTC).date()
    return datetime(today.year, today.month, today.day, tzinfo=UTC).timestamp()


def _validate(ctx: Ctx) -> dict[str, Any]:
    """``videoImportAddValidator``'s chains, then its checks up to the channel, in order."""
    checker = v.Checker(ctx.fields)
    v.video_edit(checker, ctx.body.files, ctx.state.profile.licences)
    v.channel_id(checker, required=True)
    checker.check("targetUrl", limits.is_import_url)
    checker.check("magnetUri", _is_magnet)
    checker.file(
        "torrentfile", ctx.body.files, lambda f: f.filename.endswith(".torrent"), TORRENT_MSG
    )
    v.video_name(checker, required=False, trimmed=False)
    v.video_passwords(checker)
    checker.raise_errors(ctx.instance)
    values = checker.values
    check_passwords(values, None)
    scheduling.check(values)
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
    if not state.settings.allow_private_import_targets and not limits.is_unicast_host(host):
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
    locked=False,
)
def create_import(ctx: Ctx) -> Response:
    state, user = ctx.state, ctx.me
    with state.lock:
        values = _validate(ctx)
        channel_for(state, user, values["channelId"])
        target, behaviour, size = _probe(state, values.get("targetUrl"))

    def create() -> dict[str, Any]:
        with state.lock:
            return _create(state, user, values, (target, behaviour, size))

    delay = state.settings.create_delay
    return json_response(Job(state.clock.source, delay, create).wait() if delay else create())


def _create(
    state: State, user: User, values: dict[str, Any], probed: tuple[str, str, int]
) -> dict[str, Any]:
    target, behaviour, size = probed
    channel = channel_for(state, user, values["channelId"])
    fields = creation_fields(values, wait_transcoding=True)
    if fields["originally_published_at"] is None:
        fields["originally_published_at"] = _today(state)
    name = values.get("name") or title_from(target)
    video = state.new_video(channel, name, **fields, state=TO_IMPORT)
    finish_creation(state, video, values)
    now = state.clock.now()
    record = Import(state.next_id("import"), user.id, target, video.id, behaviour, size, now, now)
    state.add_import(record)
    return import_row(state, record)


@routes("/api/v1/users/me/videos/imports", "GET", auth="required")
def my_imports(ctx: Ctx) -> Response:
    state, user, query = ctx.state, ctx.me, ctx.query
    start, count = v.pagination(query, ctx.instance)
    sort = v.sort(query, ("createdAt",), "-createdAt", ctx.instance)
    rows = [r for r in state.imports.values() if r.user_id == user.id]
    target = query.get("targetUrl")
    if target:
        rows = [r for r in rows if r.target_url == target]
    sync_id = query.get("videoChannelSyncId")
    if sync_id not in (None, ""):
        rows = [r for r in rows if str(r.sync_id) == str(sync_id)]
    if state.profile.import_state_filter:  # 8.3; older releases ignore the parameter
        states = _states(ctx)
        if states:
            rows = [r for r in rows if r.state in states]
    rows.sort(key=lambda r: (r.created_at, r.id), reverse=sort.startswith("-"))
    data = [import_row(state, r) for r in page(rows, start, count)]
    return json_response({"total": len(rows), "data": data})


def _states(ctx: Ctx) -> set[int]:
    """``stateOneOf`` (repeated, or as ``stateOneOf[]``): import state ids, else 400."""
    raw = ctx.request.args.getlist("stateOneOf") + ctx.request.args.getlist("stateOneOf[]")
    if not all(is_int(value) and int(value) in IMPORT_STATES for value in raw):
        checker = v.Checker({})
        checker.fail("stateOneOf", raw, "Should have a valid import state", location="query")
        checker.raise_errors(ctx.instance)
    return {int(value) for value in raw}


def _own_import(ctx: Ctx, raw: str) -> Import:
    record = ctx.state.imports.get(v.path_id(raw, ctx.instance))
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


@routes(
    "/api/v1/videos/imports/<iid>/retry",
    "POST",
    auth="required",
    when=lambda profile: profile.import_retry,
)
def retry_import(ctx: Ctx, iid: str) -> Response:
    record = _own_import(ctx, iid)
    if record.state != FAILED:
        raise bad_request("Cannot retry a non failed video import")
    profile = ctx.state.profile
    if profile.retry_checks_attempts:  # 8.3
        if record.video_id is None or record.video_id not in ctx.state.videos:
            raise bad_request("Cannot retry a video import whose video has been deleted")
        if record.attempts >= profile.import_max_attempts:
            raise bad_request(
                f"Cannot retry a video import that reached {profile.import_max_attempts} attempts"
            )
    import_job.restart(ctx.state, record)
    return no_content(json_type=False)


@routes("/api/v1/videos/imports/<iid>/cancel", "POST", auth="required")
def cancel_import(ctx: Ctx, iid: str) -> Response:
    record = _own_import(ctx, iid)
    if record.state != PENDING:
        raise conflict("Cannot cancel a non pending video import.")
    record.state, record.updated_at = CANCELLED, ctx.state.clock.now()
    ctx.state.unfinished_imports.pop(record.id, None)
    return no_content(json_type=False)
