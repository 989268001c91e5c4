"""Offline checks of a video entry's chapters and schedule (``publishAt``, ``publishPrivacy``).

What can be known without the server is checked here, each problem on its key: chapters in
order, each start once, titles within PeerTube's limits; a publication time with a time zone
(a schedule is an instant: ``09:00`` alone would mean another hour on the CI runner); a
``publishPrivacy`` PeerTube accepts for schedules. What needs the server waits for the plan:
a chapter after the end of the video (its duration), a ``publishAt`` already past.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime

from ptsync.fields import CHAPTER_TITLE_MAX, CHAPTER_TITLE_MIN, SCHEDULE_PRIVACIES, norm_instant
from ptsync.manifest.models import VideoEntry
from ptsync.manifest.problems import not_a_date

Path_ = tuple[str | int, ...]
Report = Callable[[Path_, str], None]
_HAS_ZONE = re.compile(r"(?:[zZ]|[+-]\d\d:?\d\d)$")
SCHEDULE_PRIVACY_HELP = "PeerTube publishes a scheduled video as Public, Unlisted or Internal"


def check_entry_metadata(at: Path_, entry: VideoEntry, problem: Report) -> None:
    for where, message in _chapters(entry):
        problem((*at, *where), message)
    for where, message in _schedule(entry):
        problem((*at, *where), message)


def _chapters(entry: VideoEntry) -> Iterator[tuple[Path_, str]]:
    if not entry.chapters:
        return
    # here, not at the top: ptsync.chapters brings the desired state's types (ptsync.state),
    # which a manifest without chapters does not need to be validated
    from ptsync.chapters import format_timecode, parse_timecode

    previous: int | None = None
    for j, chapter in enumerate(entry.chapters):
        here: Path_ = ("chapters", j)
        try:
            start = parse_timecode(chapter.at)
        except ValueError as exc:
            yield (*here, "at"), str(exc)
            continue
        if previous is not None and start == previous:
            yield (*here, "at"), f"two chapters start at {format_timecode(start)}"
        elif previous is not None and start < previous:
            yield (
                (*here, "at"),
                f"chapters must be in order: {format_timecode(start)} comes after "
                f"{format_timecode(previous)}",
            )
        previous = start if previous is None else max(previous, start)
        title = chapter.title.strip()
        if not CHAPTER_TITLE_MIN <= len(title) <= CHAPTER_TITLE_MAX:
            yield (
                (*here, "title"),
                f"title must be {CHAPTER_TITLE_MIN}-{CHAPTER_TITLE_MAX} characters",
            )


def _schedule(entry: VideoEntry) -> Iterator[tuple[Path_, str]]:
    when = entry.publishAt
    if when is None:
        if entry.publishPrivacy is not None:
            yield ("publishPrivacy",), "publishPrivacy needs publishAt (when to publish)"
        return
    if not isinstance(when, datetime) or when.tzinfo is None:
        text = str(when).strip()
        if isinstance(when, datetime) or "T" not in text.upper() or not _HAS_ZONE.search(text):
            yield (
                ("publishAt",),
                f"{text!r}: give a date, a time and a time zone, e.g. 2027-01-15T09:00:00+01:00 "
                "or 2027-01-15T08:00:00Z",
            )
            return
    try:
        norm_instant(when)
    except ValueError as exc:
        yield ("publishAt",), not_a_date(when, exc)
    label = entry.publishPrivacy  # labels are resolved (and checked) against the instance
    if isinstance(label, int) and label not in SCHEDULE_PRIVACIES:
        yield ("publishPrivacy",), SCHEDULE_PRIVACY_HELP
