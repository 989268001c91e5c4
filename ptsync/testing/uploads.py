"""Creating videos from files: legacy multipart upload and resumable-upload initialisation.

Both run PeerTube's checks in its order: field validation, channel ownership (400, even for
another user's channel), file type (415, only webm/ogv/mp4 without transcoding), size (413
``max_file_size_reached`` under 10 bytes) and quota (413 ``quota_reached``, already at init for
resumable uploads), then the password rule. A resumable init only opens a session; the video is
created when its last byte arrives (see ``resumable``).
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.wrappers import Response

from ptsync.testing import limits, scheduling
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
from ptsync.testing.ids import upload_id
from ptsync.testing.memory import State
from ptsync.testing.problems import Problem, json_response
from ptsync.testing.public_config import VIDEO_EXTENSIONS
from ptsync.testing.records import PUBLISHED, Channel, UploadSession, User, Video
from ptsync.testing.routing import Ctx, Routes

MIN_FILE_SIZE = 10
VIDEO_MIMETYPES = ("video/webm", "video/ogg", "video/mp4")

routes = Routes()


def check_file(state: State, user: User, mimetype: str, size: int) -> None:
    """``commonVideoFileChecks``: type (415), size (413) and quota (413) of the incoming file."""
    if mimetype.split(";")[0].strip().lower() not in VIDEO_MIMETYPES:
        raise Problem(
            415,
            "This file is not supported. Please, make sure it is of the following type: "
            + ", ".join(VIDEO_EXTENSIONS),
        )
    if size < MIN_FILE_SIZE:
        raise Problem(
            413,
            "This file is too large. It exceeds the maximum file size authorized.",
            code="max_file_size_reached",
        )
    if not state.can_upload(user, size):
        raise Problem(
            413, "The user video quota is exceeded with this video.", code="quota_reached"
        )


def create_uploaded(
    state: State, channel: Channel, values: dict[str, Any], file: StoredFile
) -> Video:
    video = state.new_video(
        channel,
        values["name"],
        **creation_fields(values, wait_transcoding=False),
        state=PUBLISHED,
        duration=duration_for(file.size),
        size=file.size,
        source=file,
        thumbnail_path=image_path("thumbnails"),
        preview_path=image_path("previews"),
    )
    finish_creation(state, video, values)
    return video


def created(video: Video) -> dict[str, Any]:
    return {"video": {"id": video.id, "shortUUID": video.short_uuid, "uuid": video.uuid}}


@routes(
    "/api/v1/videos/upload",
    "POST",
    auth="required",
    docs="uploadLegacy",
    files=("videofile", "thumbnailfile", "previewfile"),
)
def upload_legacy(ctx: Ctx) -> Response:
    state, user, files = ctx.state, ctx.me, ctx.body.files
    checker = v.Checker(ctx.fields)
    v.video_edit(checker, files, state.profile.licences)
    v.video_name(checker, required=True)
    v.channel_id(checker, required=True)
    v.video_passwords(checker)
    checker.file("videofile", files, lambda f: True, "Should have a file", optional=False)
    checker.raise_errors(ctx.instance)
    values = checker.values
    channel = channel_for(state, user, values["channelId"])
    upload: StoredFile = values["videofile"]
    check_file(state, user, upload.mimetype, upload.size)
    check_passwords(values, None)
    scheduling.check(values)
    return json_response(created(create_uploaded(state, channel, values, upload)))


def check_init_headers(ctx: Ctx, checker: v.Checker) -> tuple[int, str]:
    length = ctx.request.headers.get("X-Upload-Content-Length")
    mimetype = ctx.request.headers.get("X-Upload-Content-Type")
    if length is None or not re.match(r"^[+-]?(\d*\.)?\d+$", length):
        checker.fail(
            "x-upload-content-length",
            limits.UNDEFINED if length is None else length,
            "Should specify the file length",
            "headers",
        )
    if mimetype is None:
        checker.fail(
            "x-upload-content-type", limits.UNDEFINED, "Should specify the file mimetype", "headers"
        )
    checker.raise_errors(ctx.instance)
    return int(float(length or 0)), mimetype or ""


def open_session(ctx: Ctx, session: UploadSession, path: str) -> Response:
    ctx.state.uploads[session.id] = session
    response = Response(b"", status=201)
    del response.headers["Content-Type"]
    response.headers["Location"] = f"//{ctx.state.host}{path}?upload_id={session.id}"
    response.headers["Content-Length"] = "0"
    response.headers["Cache-Control"] = "no-store"
    return response


@routes(
    "/api/v1/videos/upload-resumable",
    "POST",
    auth="required",
    docs="uploadResumableInit",
    files=("thumbnailfile", "previewfile"),
)
def resumable_init(ctx: Ctx) -> Response:
    state, user = ctx.state, ctx.me
    checker = v.Checker(ctx.fields)
    v.video_edit(checker, ctx.body.files, state.profile.licences)
    checker.check("filename", lambda value: True, optional=False)
    v.video_name(checker, required=True)
    v.channel_id(checker, required=True)
    v.video_passwords(checker)
    size, mimetype = check_init_headers(ctx, checker)
    values = checker.values
    channel_for(state, user, values["channelId"])
    check_file(state, user, mimetype, size)
    check_passwords(values, None)
    scheduling.check(values)
    session = UploadSession(
        id=upload_id(),
        user_id=user.id,
        kind="video",
        metadata=dict(values),
        filename=str(values["filename"]),
        mimetype=mimetype,
        size=size,
        created_at=state.clock.now(),
    )
    return open_session(ctx, session, ctx.request.path)
