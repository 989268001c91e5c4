"""The node-uploadx chunk protocol, for new videos and for source replacement.

Each ``PUT`` carries ``Content-Range: bytes a-b/size`` and gets 308 plus ``Range`` until the
last byte, then 200 with the video (created only then); ``bytes */size`` asks for the offset.
uploadx itself writes a chunk wherever it claims to start; the fake never lets that corrupt a
file: a chunk past the current offset is not stored (308 with the real offset), one that
overlaps is stored from the offset on. Chunk bodies are streamed and hashed outside the
instance lock.

After the last byte the session is PROCESSING: with a finish delay (``create_delay`` or
``upload_delay``) the video is made by a background ``Job`` that completes even if the client
left, and every ``PUT`` meanwhile answers 503 "already being processed"; a wedged session
(``fake.wedge_uploads``) answers that forever. Once DONE, the session answers 404 as on a real
server; without a finish delay it keeps the older cached answer (the 200 again), which the fast
tests rely on.
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.exceptions import ClientDisconnected
from werkzeug.wrappers import Response

from ptsync.testing import validation as v
from ptsync.testing.bodies import READ_SIZE
from ptsync.testing.completion import Job, busy
from ptsync.testing.editing import channel_for, check_can_manage, duration_for
from ptsync.testing.ids import parse_ident, upload_id
from ptsync.testing.memory import State
from ptsync.testing.problems import Problem, dumps, json_response, no_content
from ptsync.testing.records import PUBLISHED, UploadPhase, UploadSession, User, Video
from ptsync.testing.routing import Ctx, Routes
from ptsync.testing.uploads import (
    check_file,
    check_init_headers,
    create_uploaded,
    created,
    open_session,
)

_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")
_QUERY = re.compile(r"^bytes \*/(\d+)$")

routes = Routes()


def uploadx_error(status: int, message: str) -> Response:
    return Response(dumps({"error": message}), status=status, content_type="application/json")


def _session(ctx: Ctx, kind: str, video_id: int | None = None) -> UploadSession | Response:
    with ctx.state.lock:
        session = ctx.state.uploads.get(ctx.request.args.get("upload_id", ""))
    if session is None or session.kind != kind or (video_id and session.video_id != video_id):
        return uploadx_error(404, "not found")
    if session.user_id != ctx.me.id:
        return uploadx_error(403, "authenticated user is not allowed access")
    return session


def _resume_incomplete(session: UploadSession) -> Response:
    response = Response(b"", status="308 Resume Incomplete")
    del response.headers["Content-Type"]
    if session.offset > 0:
        response.headers["Range"] = f"bytes=0-{session.offset - 1}"
    response.headers["Content-Length"] = "0"
    response.headers["Cache-Control"] = "no-store"
    return response


def _receive(ctx: Ctx, session: UploadSession) -> Response | None:
    """Store the chunk's new bytes; a response if the chunk is not the last one."""
    header = ctx.request.headers.get("Content-Range")
    length = ctx.request.content_length or 0
    if header is not None and _QUERY.match(header):
        return _resume_incomplete(session)
    match = _RANGE.match(header) if header is not None else None
    if header is not None and match is None:
        return uploadx_error(400, "invalid or missing content-range header")
    start = int(match.group(1)) if match else 0
    if start + length > session.size:
        return uploadx_error(409, "file conflict")
    if start > session.offset:
        return _resume_incomplete(session)
    stream = ctx.request.stream
    try:
        _skip(stream, session.offset - start)
        session.acc.drain(stream, max(0, start + length - session.offset))
    except ClientDisconnected:
        raise ConnectionAbortedError("client went away mid-chunk") from None
    if session.offset < session.size:
        return _resume_incomplete(session)
    return None


def _skip(stream: Any, count: int) -> None:
    while count > 0:
        chunk = stream.read(min(READ_SIZE, count))
        if not chunk:
            return
        count -= len(chunk)


def _chunk(ctx: Ctx, kind: str, video_id: int | None = None) -> Response:
    found = _session(ctx, kind, video_id)
    if isinstance(found, Response):
        return found
    session, state = found, ctx.state
    delay = state.settings.finish_delay
    job: Job[None] | None = None
    with session.lock:
        if session.phase in (UploadPhase.PROCESSING, UploadPhase.WEDGED):
            raise busy()
        if session.phase is UploadPhase.DONE and delay is not None:
            return uploadx_error(404, "not found")
        if session.phase is UploadPhase.RECEIVING:
            partial = _receive(ctx, session)
            if partial is not None:
                return partial
            with state.lock:
                if state.wedge is not None and state.wedge.claims(summary(state, session)):
                    session.phase = UploadPhase.WEDGED
                    raise busy()
                session.phase = UploadPhase.PROCESSING
            if delay is None:
                complete(state, session)
            else:
                job = Job(state.clock.source, delay, lambda: complete(state, session))
    if job is not None:
        job.wait()
    assert session.result is not None
    return json_response(session.result) if kind == "video" else no_content()


def complete(state: State, session: UploadSession) -> None:
    """Turn a fully received session into its video (or replaced file), even if cancelled."""
    with state.lock:
        try:
            session.result = _finalize(state, session)
        except Problem:
            state.uploads.pop(session.id, None)
            raise
        finally:
            session.phase = UploadPhase.DONE


def summary(state: State, session: UploadSession) -> dict[str, Any]:
    """What tests see of a session (``fake.upload_sessions``, wedge filters)."""
    return {
        "id": session.id,
        "offset": session.offset,
        "size": session.size,
        "owner": state.users[session.user_id].username,
        "kind": session.kind,
        "name": session.metadata.get("name"),
        "filename": session.filename,
        "video_id": session.video_id,
        "phase": session.phase.value,
        "completed": session.result is not None,
    }


def _finalize(state: State, session: UploadSession) -> dict[str, Any]:
    user = state.users[session.user_id]
    file = session.acc.finish(session.filename, session.mimetype)
    if session.kind == "replace":
        video = _replaceable(state, user, session.video_id)
        now = state.clock.now()
        video.source, video.size, video.duration = file, file.size, duration_for(file.size)
        video.input_file_updated_at = video.updated_at = now
        state.touch("size", "duration")
        return {}
    channel = channel_for(state, user, session.metadata["channelId"])
    video = create_uploaded(state, channel, session.metadata, file)
    session.video_id = video.id
    return created(video)


@routes(
    "/api/v1/videos/upload-resumable",
    "PUT",
    auth="required",
    docs="uploadResumable",
    locked=False,
    parse_body=False,
)
def resumable_chunk(ctx: Ctx) -> Response:
    return _chunk(ctx, "video")


def _cancel(ctx: Ctx, kind: str, video_id: int | None = None) -> Response:
    found = _session(ctx, kind, video_id)
    if isinstance(found, Response):
        return found
    with ctx.state.lock:
        ctx.state.uploads.pop(found.id, None)
    return no_content(json_type=False)


@routes("/api/v1/videos/upload-resumable", "DELETE", auth="required", docs="uploadResumableCancel")
def resumable_cancel(ctx: Ctx) -> Response:
    return _cancel(ctx, "video")


def _replaceable(state: State, user: User, ident: int | str | None) -> Video:
    """``checkCanUpdateVideoFile``: feature enabled, video exists and is yours, state allows it."""
    if not state.settings.video_file_update_enabled:
        raise Problem(403, "Updating the file of an existing video is not allowed on this instance")
    video = state.video(ident) if ident is not None else None
    if video is None:
        raise Problem(404, "Video not found")
    check_can_manage(state, user, video)
    if video.state in (2, 9):
        raise Problem(409, "Cannot edit video that is already waiting for transcoding/edition")
    if video.state not in (PUBLISHED, 7, 8):
        raise Problem(400, "Video state is not compatible with edition")
    return video


@routes(
    "/api/v1/videos/<vid>/source/replace-resumable",
    "POST",
    auth="required",
    docs="replaceVideoSourceResumableInit",
)
def replace_init(ctx: Ctx, vid: str) -> Response:
    state, user = ctx.state, ctx.me
    checker = v.Checker(ctx.fields)
    checker.check("filename", lambda value: True, optional=False)
    size, mimetype = check_init_headers(ctx, checker)
    video = _replaceable(state, user, parse_ident(vid))
    check_file(state, user, mimetype, size)
    session = UploadSession(
        id=upload_id(),
        user_id=user.id,
        kind="replace",
        metadata={},
        filename=str(checker.values["filename"]),
        mimetype=mimetype,
        size=size,
        created_at=state.clock.now(),
        video_id=video.id,
    )
    return open_session(ctx, session, ctx.request.path)


def _replace_target(ctx: Ctx, vid: str) -> int | None:
    ident = parse_ident(vid)
    with ctx.state.lock:
        video = ctx.state.video(ident) if ident is not None else None
    return video.id if video else -1


@routes(
    "/api/v1/videos/<vid>/source/replace-resumable",
    "PUT",
    auth="required",
    docs="replaceVideoSourceResumable",
    locked=False,
    parse_body=False,
)
def replace_chunk(ctx: Ctx, vid: str) -> Response:
    return _chunk(ctx, "replace", _replace_target(ctx, vid))


@routes(
    "/api/v1/videos/<vid>/source/replace-resumable",
    "DELETE",
    auth="required",
    docs="replaceVideoSourceResumableCancel",
)
def replace_cancel(ctx: Ctx, vid: str) -> Response:
    return _cancel(ctx, "replace", _replace_target(ctx, vid))
