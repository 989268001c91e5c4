"""Video chapters: ``GET/PUT /videos/{id}/chapters`` and chapters derived from descriptions.

``GET`` follows ``checkCanSeeVideo`` (a password-protected video needs its password header
unless you own it) and answers ``{chapters: [{timecode, title}]}`` in timecode order. ``PUT``
replaces them all: ``updateVideoChaptersValidator`` wants an array whose items have an integer
``timecode`` ≥ 0 and a 1-100 character ``title`` (both read as JavaScript strings), timecodes
unique; live videos have none (400); only the owner (or staff) may set them.

Chapters PeerTube derives from descriptions: ``description_chapters``.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from ptsync.testing import limits
from ptsync.testing.description_chapters import TITLE_MAX
from ptsync.testing.editing import check_can_manage, video_or_404, video_param
from ptsync.testing.ids import is_int
from ptsync.testing.problems import Problem, json_response, no_content
from ptsync.testing.records import Video
from ptsync.testing.routing import Ctx, Routes
from ptsync.testing.videos import visible_video

routes = Routes()
CHAPTERS_MSG = "Chapters must have a valid title and timecode, and each timecode must be unique"


@routes("/api/v1/videos/<vid>/chapters", "GET", auth="optional", docs="getVideoChapters")
def get_chapters(ctx: Ctx, vid: str) -> Response:
    return json_response({"chapters": view(visible_video(ctx, vid))})


@routes("/api/v1/videos/<vid>/chapters", "PUT", auth="required", docs="replaceVideoChapters")
def put_chapters(ctx: Ctx, vid: str) -> Response:
    ident = video_param(vid, ctx.instance, "videoId")
    given = ctx.fields.get("chapters", limits.UNDEFINED)
    if not _valid(given):
        problem = {"type": "field", "msg": CHAPTERS_MSG, "path": "chapters", "location": "body"}
        if given is not limits.UNDEFINED:
            problem["value"] = given
        raise Problem(
            400,
            "Incorrect request parameters: chapters",
            instance=ctx.instance,
            data={"invalid-params": {"chapters": problem}},
        )
    video = video_or_404(ctx.state, ident)  # (the fake has no live videos, which get a 400)
    check_can_manage(ctx.state, ctx.me, video)
    video.chapters = sorted((int(c["timecode"]), limits.js_string(c["title"])) for c in given)
    return no_content()


def view(video: Video) -> list[dict[str, Any]]:
    return [{"timecode": t, "title": title} for t, title in sorted(video.chapters)]


def _valid(value: Any) -> bool:
    """``areVideoChaptersValid``."""
    if not isinstance(value, list):
        return False
    for chapter in value:
        if not isinstance(chapter, dict):
            return False
        timecode = limits.js_string(chapter.get("timecode", "undefined"))
        title = limits.js_string(chapter.get("title", "undefined"))
        if not (is_int(timecode) and int(timecode) >= 0 and 1 <= len(title) <= TITLE_MAX):
            return False
    timecodes = [int(limits.js_string(c["timecode"])) for c in value]
    return len(set(timecodes)) == len(timecodes)
