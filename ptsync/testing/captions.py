"""Captions: list, upload (multipart ``captionfile``) and delete.

PeerTube stores each caption under a fresh file name, so ``captionPath`` changes on every
upload even when the content does not; that is why ptsync cannot compare captions with its
local files and records what it applied instead. The bytes are kept for tests to inspect.
"""

from __future__ import annotations

from werkzeug.wrappers import Response

from ptsync.testing import validation as v
from ptsync.testing import views
from ptsync.testing.bodies import StoredFile
from ptsync.testing.editing import check_can_manage, check_video_param, video_or_404
from ptsync.testing.ids import new_uuid
from ptsync.testing.problems import json_response, no_content, not_found
from ptsync.testing.profiles import Profile
from ptsync.testing.records import Caption, Video
from ptsync.testing.routing import Ctx, Routes
from ptsync.testing.videos import check_can_see

CAPTION_MAX = 20 * 1024 * 1024
CAPTION_TYPES = {
    "text/vtt": ".vtt",
    "application/x-subrip": ".srt",
    "text/plain": ".srt",
}
CAPTION_MSG = (
    f"This caption file is not supported or too large. Please, make sure it is under {CAPTION_MAX}"
    " bytes and one of the following mimetypes: "
    + ", ".join(f"{mimetype} ({ext})" for mimetype, ext in CAPTION_TYPES.items())
)

routes = Routes()


def _is_caption(upload: StoredFile) -> bool:
    mimetype = upload.mimetype.lower()
    allowed = mimetype in CAPTION_TYPES or mimetype == "application/octet-stream"
    return allowed and 0 < upload.size <= CAPTION_MAX


def caption_language(profile: Profile, language: str) -> bool:
    """A language a caption may have: any video language up to 8.1; from 8.2 only written
    ones (the sign languages, which the video language list keeps, are refused)."""
    label = profile.languages.get(language)
    if label is None:
        return False
    return not (profile.caption_text_languages and "Sign Language" in label)


def _video(ctx: Ctx, vid: str, language: str | None = None, *, upload: bool = False) -> Video:
    checker = v.Checker({})
    ident = check_video_param(checker, vid, "videoId")
    if language is not None and not caption_language(ctx.state.profile, language):
        checker.fail("captionLanguage", language, v.INVALID, location="params")
    if upload:
        checker.file("captionfile", ctx.body.files, _is_caption, CAPTION_MSG, optional=False)
    checker.raise_errors(ctx.instance)
    return video_or_404(ctx.state, ident)


@routes("/api/v1/videos/<vid>/captions", "GET", auth="optional", docs="getVideoCaptions")
def list_captions(ctx: Ctx, vid: str) -> Response:
    video = _video(ctx, vid)
    check_can_see(ctx, video, video.id if vid.isdigit() else video.uuid)
    captions = sorted(video.captions.values(), key=lambda c: c.language)
    data = [views.caption(ctx.state, c) for c in captions]
    return json_response({"total": len(data), "data": data})


@routes(
    "/api/v1/videos/<vid>/captions/<language>",
    "PUT",
    auth="required",
    docs="addVideoCaption",
    files=("captionfile",),
)
def put_caption(ctx: Ctx, vid: str, language: str) -> Response:
    video = _video(ctx, vid, language, upload=True)
    check_can_manage(ctx.state, ctx.me, video)
    upload = (ctx.body.files or {})["captionfile"][0]
    video.captions[language] = Caption(
        language=language,
        data=upload.data if upload.data is not None else upload.head,
        path=f"/lazy-static/video-captions/{new_uuid()}-{language}.vtt",
        updated_at=ctx.state.clock.now(),
    )
    return no_content(json_type=False)


@routes(
    "/api/v1/videos/<vid>/captions/<language>", "DELETE", auth="required", docs="delVideoCaption"
)
def delete_caption(ctx: Ctx, vid: str, language: str) -> Response:
    video = _video(ctx, vid, language)
    if language not in video.captions:
        raise not_found("Video caption not found")
    check_can_manage(ctx.state, ctx.me, video)
    del video.captions[language]
    return no_content()
