"""Chapters: timecodes as people write them, PeerTube's limits, and how a list change reads.

A manifest writes ``at: "12:30"``, ``at: "1:02:03"`` or ``at: 750`` (seconds); PeerTube stores
whole seconds (``timecode``). Titles are 1-100 characters (PeerTube's
``CONSTRAINTS_FIELDS.VIDEO_CHAPTERS.TITLE``; the OpenAPI files give no limit) and timecodes
are unique. PeerTube also derives chapters from timestamps at the start of description lines
(``parseChapters``) when a video is created or its description changes, and only if the
video's chapters were themselves derived from the old description: ``from_description``
mirrors that so the planner can tell when a description change would replace the chapters
the manifest set.

A list change is shown as what a reviewer asks: which chapters appear, disappear or are
renamed, keyed by start time; a generic deep diff (deepdiff) would speak of list indices,
which all shift when one chapter is inserted, so it is not used.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ptsync.fields import CHAPTER_TITLE_MAX
from ptsync.state import Chapter

_CLOCK = re.compile(r"^(?:(?P<h>\d+):(?P<m2>[0-5]\d)|(?P<m>\d+)):(?P<s>[0-5]\d)$")
_SECONDS = re.compile(r"^\d+$")
# PeerTube's timecodeRegexString at the start of a line, then whitespace (core-utils)
_DESCRIPTION_LINE = re.compile(r"^((?:\d+[h:])?(?:\d+[m:])?\d+s?)\s")
_UNITS = re.compile(r"^(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s?)?$")


def parse_timecode(value: Any) -> int:
    """Seconds from ``750``, ``"750"``, ``"12:30"`` or ``"1:02:03"``; ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError("expected a time such as 12:30, 1:02:03 or seconds")
    if isinstance(value, int):
        if value < 0:
            raise ValueError("a chapter cannot start before 0")
        return value
    text = str(value).strip()
    if _SECONDS.match(text):
        return int(text)
    found = _CLOCK.match(text)
    if found is None:
        raise ValueError(f"{text!r} is not a time (use MM:SS, H:MM:SS or seconds)")
    hours = int(found["h"] or 0)
    minutes = int(found["m2"] if found["h"] is not None else found["m"])
    return hours * 3600 + minutes * 60 + int(found["s"])


def format_timecode(seconds: int) -> str:
    """``750`` → ``12:30``, ``3723`` → ``1:02:03``."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def to_json(chapters: Iterable[Chapter]) -> list[dict[str, Any]]:
    """The plan's value for a chapter list: PeerTube's own shape, in order."""
    return [{"timecode": c.timecode, "title": c.title} for c in chapters]


def from_json(items: Iterable[Mapping[str, Any]] | None) -> tuple[Chapter, ...]:
    return tuple(Chapter(int(i["timecode"]), str(i["title"])) for i in items or ())


def from_description(text: str | None) -> tuple[Chapter, ...]:
    """The chapters PeerTube derives from a description: the first run of lines that start
    with a timestamp, if it has at least two (``parseChapters``)."""
    found: list[Chapter] = []
    for line in re.split(r"\r?\n|\r", text or ""):
        matched = _DESCRIPTION_LINE.match(line)
        if matched is None:
            if found:
                break
            continue
        title = line[matched.end() :][:CHAPTER_TITLE_MAX]
        found.append(Chapter(_description_seconds(matched.group(1)), title))
    return tuple(sorted(found, key=lambda c: c.timecode)) if len(found) > 1 else ()


def _description_seconds(text: str) -> int:
    units = _UNITS.match(text)
    if units and any(units.groupdict().values()):
        return int(units["h"] or 0) * 3600 + int(units["m"] or 0) * 60 + int(units["s"] or 0)
    total = 0
    for i, part in enumerate(reversed(text.split(":"))):
        total += int(part) * (60**i) if part.isdigit() else 0
    return total


def diff_lines(old: Iterable[Mapping[str, Any]], new: Iterable[Mapping[str, Any]]) -> list[str]:
    """``+ 12:30 Q&A``, ``- 20:00 Outro``, ``~ 05:00 Part one → Part 1``, by start time."""
    before = {int(c["timecode"]): str(c["title"]) for c in old}
    after = {int(c["timecode"]): str(c["title"]) for c in new}
    lines = []
    for at in sorted(before.keys() | after.keys()):
        when = format_timecode(at)
        if at not in before:
            lines.append(f"+ {when} {after[at]}")
        elif at not in after:
            lines.append(f"- {when} {before[at]}")
        elif before[at] != after[at]:
            lines.append(f"~ {when} {before[at]} → {after[at]}")
    return lines
