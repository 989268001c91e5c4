"""The simulated import job: Pending → Processing → Success or Failed, as time passes.

The job is advanced lazily whenever the fake is consulted (no background thread, so timing
stays deterministic). What a failure leaves depends on the release: 6.x and 7.x delete the
video (the row then comes back without ``video``), 8.x keeps it in state 12 "Import failed",
still listed in ``/users/me/videos``, and counts ``attempts`` so the import can be retried
(``restart``) with the same video and uuid.

Target behaviours (``fake.set_import_target``): ``ok``; ``unreachable`` (the synchronous probe
fails: 400, nothing created); ``not-a-video`` (accepted, fails in the job with ffprobe's error);
``slow`` (ten times the import duration); ``fail-once`` (the first job for that URL fails like
``not-a-video``, every later one, retried or imported again, succeeds).
"""

from __future__ import annotations

import hashlib
import posixpath
from urllib.parse import urlsplit

from ptsync.testing.bodies import StoredFile
from ptsync.testing.editing import duration_for, image_path
from ptsync.testing.memory import State
from ptsync.testing.records import IMPORT_FAILED, PUBLISHED, TO_IMPORT, Import, Video

PENDING, SUCCESS, FAILED, CANCELLED, PROCESSING = 1, 2, 3, 5, 6
BEHAVIOURS = ("ok", "unreachable", "not-a-video", "slow", "fail-once")
SLOW_FACTOR = 10
QUOTA_ERROR = "The user video quota is exceeded with this import."
FFPROBE_ERROR = (
    "ffprobe exited with code 1\n"
    "ffprobe version 5.1.9-0+deb12u1 Copyright (c) 2007-2026 the FFmpeg developers\n"
    "[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55b1029c9180] moov atom not found\n"
    "/var/www/peertube/storage/tmp/{name}-import.mp4: Invalid data found when processing input\n"
)


def check_behaviour(behaviour: str) -> None:
    if behaviour not in BEHAVIOURS:
        raise ValueError(f"behaviour must be one of {BEHAVIOURS}: {behaviour!r}")


def advance(state: State, now: float | None = None, *, finish_all: bool = False) -> None:
    """Move unfinished imports along their timeline (or straight to the end with ``finish_all``)."""
    if not state.unfinished_imports:
        return
    duration = state.settings.import_duration
    if duration is None and not finish_all:
        return
    now = state.clock.time() if now is None else now
    for record_id in list(state.unfinished_imports):
        record = state.imports.get(record_id)
        if record is None or record.state == CANCELLED:
            state.unfinished_imports.pop(record_id, None)
        else:
            _step(state, record, now, duration or 0.0, finish_all=finish_all)


def _step(state: State, record: Import, now: float, duration: float, *, finish_all: bool) -> None:
    """Both steps are checked in one call, so a job seen late (or with ``finish_all``) goes
    from Pending through Processing to its end at once, as it would have meanwhile.
    """
    total = duration * (SLOW_FACTOR if record.behaviour == "slow" else 1)
    began = record.started_at if record.started_at is not None else record.created_at
    if record.state == PENDING and (finish_all or now >= began + total / 4):
        record.state, record.updated_at = PROCESSING, state.clock.now()
    if record.state == PROCESSING and (finish_all or now >= began + total):
        _finish(state, record)


def restart(state: State, record: Import) -> None:
    """``POST /videos/imports/{id}/retry`` (8.x): the same row and video run the job again."""
    record.behaviour = state.import_targets.get(record.target_url, (record.behaviour, 0))[0]
    record.state, record.error = PENDING, None
    record.started_at = record.updated_at = state.clock.now()
    video = state.videos.get(record.video_id) if record.video_id is not None else None
    if video is not None:
        video.state, video.updated_at = TO_IMPORT, state.clock.now()
        state.touch("visibility")
    state.unfinished_imports[record.id] = None


def _finish(state: State, record: Import) -> None:
    state.unfinished_imports.pop(record.id, None)
    record.attempts += 1
    video = state.videos.get(record.video_id) if record.video_id is not None else None
    if video is None:
        _fail(state, record, None, "Video of this import was deleted.")
    elif _broken(state, record):
        name = hashlib.sha256(record.target_url.encode()).hexdigest()
        _fail(state, record, video, FFPROBE_ERROR.format(name=name))
    elif not state.can_upload(state.users[record.user_id], record.size):
        _fail(state, record, video, QUOTA_ERROR)
    else:
        _publish(state, record, video)
    record.updated_at = state.clock.now()


def _broken(state: State, record: Import) -> bool:
    if record.behaviour == "fail-once" and record.target_url not in state.failed_once:
        state.failed_once.add(record.target_url)
        return True
    return record.behaviour == "not-a-video"


def _fail(state: State, record: Import, video: Video | None, message: str) -> None:
    record.state, record.error = FAILED, message
    if video is None:
        return
    if state.profile.failed_import_kept:
        video.state, video.updated_at = IMPORT_FAILED, state.clock.now()
        state.touch("visibility")
    else:
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
