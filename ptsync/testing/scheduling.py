"""Scheduled publication (``scheduleUpdate``) as PeerTube validates, stores and runs it.

Validation follows ``getCommonVideoEditAttributes``: ``scheduleUpdate`` (``"null"`` → null),
``scheduleUpdate.updateAt`` an ISO 8601 date, ``scheduleUpdate.privacy`` one of Unlisted,
Public, Internal; then ``areErrorsInScheduleUpdate``: a schedule object without ``updateAt``
is "Schedule update at is mandatory." (what a multipart body that flattened the object into
one text field gets, PeerTube #7552). A PUT with ``scheduleUpdate: null`` removes the schedule.

Owner listings, import rows and details carry ``scheduledUpdate: {updateAt, privacy?}`` only
while one is set. The "update videos scheduler" (every minute on a real server; here before
every request) publishes due videos: their privacy becomes the scheduled one, ``publishedAt``
now when they leave Private, and the schedule is gone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ptsync.testing import limits
from ptsync.testing.memory import State
from ptsync.testing.problems import bad_request
from ptsync.testing.records import INTERNAL, PRIVATE, PUBLIC, UNLISTED, Schedule, Video, iso

DATE_MSG = "Should have a schedule update date that conforms to ISO 8601"
_PRIVACIES = (UNLISTED, PUBLIC, INTERNAL)


def validate(checker: Any) -> None:
    """The three ``scheduleUpdate`` chains of ``getCommonVideoEditAttributes``."""
    if "scheduleUpdate" not in checker.source:
        return
    raw = limits.to_value_or_null(checker.source["scheduleUpdate"])
    checker.values["scheduleUpdate"] = raw
    if not isinstance(raw, Mapping):
        return
    if "updateAt" in raw and limits.parse_date(raw["updateAt"]) is None:
        checker.fail("scheduleUpdate.updateAt", raw["updateAt"], DATE_MSG)
    if "privacy" in raw and limits.to_int_or_null(raw["privacy"]) not in _PRIVACIES:
        checker.fail("scheduleUpdate.privacy", raw["privacy"], "Invalid value")


def check(values: Mapping[str, Any]) -> None:
    """``areErrorsInScheduleUpdate``."""
    given = values.get("scheduleUpdate")
    if given and not (isinstance(given, Mapping) and given.get("updateAt")):
        raise bad_request("Schedule update at is mandatory.")


def from_values(values: Mapping[str, Any]) -> Schedule | None:
    given = values.get("scheduleUpdate")
    if not isinstance(given, Mapping) or not given.get("updateAt"):
        return None
    moment = limits.parse_date(given["updateAt"])
    assert moment is not None  # validated
    privacy = limits.to_int_or_null(given.get("privacy")) if "privacy" in given else None
    return Schedule(moment, privacy or None)


def apply(state: State, video: Video, values: Mapping[str, Any]) -> None:
    """``updateSchedule``: an object upserts, ``null`` deletes, absence keeps."""
    if "scheduleUpdate" in values:
        track(state, video, from_values(values))


def track(state: State, video: Video, schedule: Schedule | None) -> None:
    """Set (or clear) a video's schedule; ``state.scheduled`` keeps the scheduler O(due)."""
    video.schedule = schedule
    if schedule is None:
        state.scheduled.discard(video.id)
    else:
        state.scheduled.add(video.id)


def view(video: Video) -> dict[str, Any] | None:
    if video.schedule is None:
        return None
    body: dict[str, Any] = {"updateAt": iso(video.schedule.update_at)}
    if video.schedule.privacy:
        body["privacy"] = video.schedule.privacy
    return body


def advance(state: State) -> None:
    """Publish every video whose schedule is due (``UpdateVideosScheduler``)."""
    if not state.scheduled:
        return
    now = state.clock.now()
    videos = [state.videos.get(i) for i in sorted(state.scheduled)]
    due = [v for v in videos if v is not None and v.schedule and v.schedule.update_at <= now]
    state.scheduled.difference_update(i for i in list(state.scheduled) if i not in state.videos)
    for video in due:
        assert video.schedule is not None
        privacy = video.schedule.privacy
        if privacy is not None and privacy != video.privacy:
            if video.privacy == PRIVATE:
                video.published_at = now
            video.privacy = privacy
        track(state, video, None)
        video.updated_at = state.clock.now()
    if due:
        state.touch("visibility", "publishedAt")
