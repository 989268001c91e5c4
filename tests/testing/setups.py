"""Per recording: what the fake must hold before the recorded request makes sense.

Recordings not named here are replayed as recorded (vocabularies, config, validation errors,
creates that need nothing but alice's channel). The same names exist in every recordings
folder, so one table serves 6.3, 7.3 and 8.0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from tests.testing.replay import Answer, Call, Lab, Recording

SMALL = "http://127.0.0.1:8765/small.mp4"
BAD = "http://127.0.0.1:8765/bad.mp4"
PLAYLIST_ID = r"(?<=/video-playlists/)\d+(?=/|$)"
IMPORT_ID = r"(?<=/videos/imports/)\d+(?=/|$)"
UPLOAD_ID = r"(?<=upload_id=)[0-9a-f-]+"

Setup = Callable[[Lab, Call], Call]
SETUPS: dict[str, Setup] = {}
LAB_OPTIONS: dict[str, dict[str, Any]] = {}
HISTORY: dict[tuple[str, str], Setup] = {}
"""(folder, name) → setup, where that recording session's earlier steps left other objects."""


def setup(*names: str, **lab_options: Any) -> Callable[[Setup], Setup]:
    def register(function: Setup) -> Setup:
        for name in names:
            SETUPS[name] = function
            LAB_OPTIONS[name] = lab_options
        return function

    return register


def replay(version: str, recording: Recording) -> Answer:
    """What the fake of ``version`` answers to ``recording``'s request."""
    lab = Lab(version, **LAB_OPTIONS.get(recording.name, {}))
    try:
        call = lab.call_for(recording)
        prepare = HISTORY.get((recording.folder, recording.name)) or SETUPS.get(recording.name)
        return lab.send(prepare(lab, call) if prepare else call)
    finally:
        lab.close()


# --- auth ---------------------------------------------------------------------------------


@setup("auth-users-token-refresh")
def _refresh(lab: Lab, call: Call) -> Call:
    return call.with_fields(refresh_token=lab.api().refresh)


@setup("users-me-bad-token")
def _bad_token(lab: Lab, call: Call) -> Call:
    return replace(call, user="bad-token")


@setup("rate-limited-429", rate_limit=(10, 60.0))
def _burst(lab: Lab, call: Call) -> Call:
    lab.api()
    for _ in range(20):
        if lab.send(Call("GET", "/api/v1/config", None)).status == 429:
            break
    return call


# --- videos -------------------------------------------------------------------------------


@setup(
    "videos-get",
    "videos-get-shortuuid",
    "videos-get-after-update",
    "videos-get-description",
    "videos-source",
    "videos-update-bad-category",
    "videos-update-bad-name",
    "videos-update-json",
    "videos-update-multipart-thumbnail",
    "videos-update-too-many-tags",
    "videos-update-unauthenticated",
    "videos-captions-put",
    "videos-delete",
    "users-me-videos",
    "users-me-videos-count0",
    "video-channels-videos",
    "video-channels-videos-authed-include",
    "users-me-video-quota-used-over",
)
def _a_video(lab: Lab, call: Call) -> Call:
    return call.on_video(lab.video())


@setup("videos-update-other-users-video")
def _as_admin(lab: Lab, call: Call) -> Call:
    return replace(call, user="root").on_video(lab.video())


@setup(
    "videos-update-password-protected-with-passwords",
    "videos-update-password-protected-without-passwords",
)
def _protected(lab: Lab, call: Call) -> Call:
    return call.on_video(lab.video(password="secret-pass-1"))


@setup("videos-delete-again-404")
def _deleted(lab: Lab, call: Call) -> Call:
    video = lab.video()
    assert lab.api().delete(f"/api/v1/videos/{video['uuid']}").status_code == 204
    return call.on_video(video)


@setup("videos-captions-list", "videos-captions-delete")
def _captioned(lab: Lab, call: Call) -> Call:
    video = lab.video()
    lab.caption(video)
    return call.on_video(video)


@setup(
    "users-me-with-quota",
    "videos-upload-over-quota",
    "videos-upload-resumable-init-over-quota",
    "videos-imports-create-over-quota",
    quota=1000,
)
def _small_quota(lab: Lab, call: Call) -> Call:
    return call


# --- imports ------------------------------------------------------------------------------


@setup("videos-get-imported")
def _imported(lab: Lab, call: Call) -> Call:
    return call.on_video(lab.import_(SMALL)["video"])


@setup("videos-get-import-failed")
def _import_failed(lab: Lab, call: Call) -> Call:
    return call.on_video(lab.import_(BAD)["video"])


@setup("users-me-videos-imports-early")
def _import_running(lab: Lab, call: Call) -> Call:
    lab.import_(SMALL, complete=False)
    return call


@setup("users-me-videos-imports-final", "users-me-videos-after-imports")
def _import_done(lab: Lab, call: Call) -> Call:
    lab.video()
    lab.import_(SMALL)
    return call


@setup(
    "users-me-videos-imports-after-failure",
    "users-me-videos-imports-failed-kept",
    "users-me-videos-with-import-failed",
)
def _one_good_one_bad(lab: Lab, call: Call) -> Call:
    lab.video()
    lab.import_(SMALL, complete=False)
    lab.import_(BAD)
    return call


def _good_video_since_deleted_one_bad(lab: Lab, call: Call) -> Call:
    """6.3's session had deleted the imported video before importing the broken file."""
    video = lab.import_(SMALL)["video"]
    assert lab.api().delete(f"/api/v1/videos/{video['uuid']}").status_code == 204
    lab.import_(BAD)
    return call


HISTORY["recordings", "users-me-videos-imports-after-failure"] = _good_video_since_deleted_one_bad


@setup("users-me-videos-imports-after-retry")
def _retried(lab: Lab, call: Call) -> Call:
    lab.import_(SMALL, complete=False)
    failed = lab.import_(BAD)
    lab.api().post(f"/api/v1/videos/imports/{failed['id']}/retry")
    return call


@setup("videos-imports-retry")
def _retry(lab: Lab, call: Call) -> Call:
    return call.on(IMPORT_ID, lab.import_(BAD)["id"])


@setup("videos-imports-retry-again-at-once")
def _retry_twice(lab: Lab, call: Call) -> Call:
    failed = lab.import_(BAD)
    lab.api().post(f"/api/v1/videos/imports/{failed['id']}/retry")
    return call.on(IMPORT_ID, failed["id"])


# --- resumable uploads --------------------------------------------------------------------

RECORDED_SIZE, FIRST_END = 80338, 40168


@setup("videos-upload-resumable-chunk1")
def _session(lab: Lab, call: Call) -> Call:
    return call.on(UPLOAD_ID, lab.upload_session(RECORDED_SIZE))


@setup("videos-upload-resumable-status", "videos-upload-resumable-final")
def _half_sent(lab: Lab, call: Call) -> Call:
    upload_id = lab.upload_session(RECORDED_SIZE)
    assert lab.chunk(upload_id, 0, FIRST_END, RECORDED_SIZE).status_code == 308
    return call.on(UPLOAD_ID, upload_id)


@setup("videos-upload-resumable-wedged-503")
def _wedged(lab: Lab, call: Call) -> Call:
    size = 11509
    upload_id = lab.upload_session(size)
    lab.fake.wedge_uploads(1)
    assert lab.chunk(upload_id, 0, size - 1, size).status_code == 503
    return call.on(UPLOAD_ID, upload_id)


# --- channels and playlists ---------------------------------------------------------------


@setup("video-channels-create-duplicate", "video-channels-get", "accounts-alice-video-channels")
def _archive(lab: Lab, call: Call) -> Call:
    lab.fake.add_channel("alice", "alice_archive", "Alice Archive")
    return call


@setup("video-playlists-get", "accounts-alice-video-playlists")
def _a_playlist(lab: Lab, call: Call) -> Call:
    playlist = lab.playlist(lab.video(), lab.video())  # as recorded: two videos, a thumbnail
    return call.on_video(playlist)


@setup("video-playlists-add-video", "video-playlists-add-video2")
def _add(lab: Lab, call: Call) -> Call:
    playlist, video = lab.playlist(), lab.video()
    return call.on(PLAYLIST_ID, playlist["id"]).with_fields(videoId=video["id"])


@setup("video-playlists-reorder", "video-playlists-videos")
def _two_elements(lab: Lab, call: Call) -> Call:
    playlist = lab.playlist(lab.video(), lab.video())
    return call.on(PLAYLIST_ID, playlist["id"]).on_video(playlist)


# The 8.2 lab server already had alice_archive when it recorded the create: 409, as recorded.
HISTORY["recordings-8.2dev", "video-channels-create"] = _archive


def _one_done_one_running(lab: Lab, call: Call) -> Call:
    """8.2's session listed a finished import (with its thumbnails) beside the running one."""
    lab.import_(SMALL)
    lab.import_(SMALL, complete=False)
    return call


HISTORY["recordings-8.2dev", "users-me-videos-imports-early"] = _one_done_one_running
