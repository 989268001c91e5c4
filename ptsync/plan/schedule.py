"""Scheduled publishing: ``publishAt`` / ``publishPrivacy`` against PeerTube's ``scheduledUpdate``.

Both are instants, compared as such. Ownership of a schedule is recorded in the marker
(``pub=<epoch seconds>``, written in the request that sets it), kubectl's last-applied
pattern: when ``publishAt`` leaves the manifest, ptsync clears the live schedule only if it
is the one ptsync set; a schedule a person made in the web UI is left alone.

Time passes between plans, so "now" is an input (``PlanOptions.now``). A ``publishAt`` in
the past is an error for a video still to be created (PeerTube would publish it within a
minute: not what anyone reviewing "publish on the 15th" expects). For an existing video it
is what happens once PeerTube has published it: the video has the publish privacy and no
schedule, so the manifest's ``privacy`` (the privacy *until* then) no longer applies and a
notice says ``publishAt`` can go. A past time on a video that is not published is an error:
ptsync would have to guess whether to publish now.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ptsync.errors import Problem
from ptsync.plan.changes import FieldChange, Notice, NoticeKind
from ptsync.state import DesiredVideo, LiveVideo, Schedule

ANNOTATION = "pub"


@dataclass(frozen=True)
class SchedulePlan:
    """What the schedule adds to a video's update."""

    changes: tuple[FieldChange, ...] = ()
    schedule: Schedule | None = None  # send this scheduleUpdate
    unschedule: bool = False  # send scheduleUpdate: null
    annotation: str | None = None  # the marker's ``pub=`` after this update (None: none)
    privacy: int | None = None  # the desired privacy instead of the manifest's (published)
    notices: tuple[Notice, ...] = ()
    problems: tuple[Problem, ...] = field(default_factory=tuple)


def epoch(instant: str) -> int:
    return int(datetime.fromisoformat(instant.replace("Z", "+00:00")).timestamp())


def annotation_for(schedule: Schedule) -> str:
    return str(epoch(schedule.update_at))


def is_past(schedule: Schedule, now: float) -> bool:
    return epoch(schedule.update_at) <= now


def create_problem(entry: DesiredVideo, now: float) -> Problem | None:
    """A new video cannot be scheduled in the past."""
    if entry.schedule is None or not is_past(entry.schedule, now):
        return None
    return Problem(
        entry.ref,
        f"publishAt {_show(entry.schedule.update_at)} is in the past: give a future time, or "
        "remove publishAt and set privacy",
    )


def plan_schedule(
    entry: DesiredVideo, live: LiveVideo, applied: Mapping[str, str], now: float
) -> SchedulePlan:
    """``applied``: the annotations of this system's marker on the live video."""
    want, have = entry.schedule, live.schedule
    mine = applied.get(ANNOTATION)
    if want is None:
        return _unmanaged(have, mine)
    if have == want or (have is not None and epoch(have.update_at) == epoch(want.update_at)):
        changes = _changes(have, want) if have != want else ()
        return SchedulePlan(changes, want if changes else None, annotation=annotation_for(want))
    if is_past(want, now):
        return _passed(entry, live, want, mine)
    return SchedulePlan(_changes(have, want), want, annotation=annotation_for(want))


def marker_may_change(entry: DesiredVideo, live: LiveVideo, applied: Mapping[str, str]) -> bool:
    """Whether the ``pub=`` annotation may be rewritten (the full description is then needed)."""
    mine = applied.get(ANNOTATION)
    if entry.schedule is None:
        return mine is not None and live.schedule is not None
    return mine != annotation_for(entry.schedule)


def _unmanaged(have: Schedule | None, mine: str | None) -> SchedulePlan:
    if have is not None and mine is not None and str(epoch(have.update_at)) == mine:
        return SchedulePlan(_changes(have, None), unschedule=True, annotation=None)
    return SchedulePlan(annotation=mine)  # a person's schedule, or none: left as it is


def _passed(entry: DesiredVideo, live: LiveVideo, want: Schedule, mine: str | None) -> SchedulePlan:
    if live.fields.get("privacy") == want.privacy:
        notice = Notice(
            NoticeKind.SCHEDULE_PASSED,
            f"{entry.external_id}: published as planned (publishAt {_show(want.update_at)} has "
            "passed); publishAt can be removed and privacy set to what it is now",
            entry.external_id,
            entry.ref,
        )
        return SchedulePlan(annotation=mine, privacy=want.privacy, notices=(notice,))
    problem = Problem(
        entry.ref,
        f"publishAt {_show(want.update_at)} is in the past and the video is not published "
        "(its privacy is not the publish privacy): give a future time, or remove publishAt "
        "and set privacy",
    )
    return SchedulePlan(annotation=mine, problems=(problem,))


def _changes(have: Schedule | None, want: Schedule | None) -> tuple[FieldChange, ...]:
    out = []
    old_at, new_at = (have.update_at if have else None), (want.update_at if want else None)
    if old_at != new_at:
        out.append(FieldChange("publishAt", old_at, new_at))
    old_p, new_p = (have.privacy if have else None), (want.privacy if want else None)
    if old_p != new_p:
        out.append(FieldChange("publishPrivacy", old_p, new_p))
    return tuple(out)


def schedule_body(schedule: Schedule | None) -> dict[str, Any] | None:
    """PeerTube's ``scheduleUpdate`` object (None clears the schedule)."""
    if schedule is None:
        return None
    return {"updateAt": schedule.update_at, "privacy": schedule.privacy}


def _show(instant: str) -> str:
    moment = datetime.fromisoformat(instant.replace("Z", "+00:00")).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
