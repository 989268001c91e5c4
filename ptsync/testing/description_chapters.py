"""Chapters PeerTube derives from a description (``parseChapters`` in core-utils).

The first run of lines starting with a timestamp (``1:02:03``, ``12:30``, ``1h2m3s``, ``90``)
followed by whitespace, if it has two or more lines, becomes the chapters: when a video is
created, and when its description changes, but then only if its chapters were themselves
derived from the old description (``replaceChaptersFromDescriptionIfNeeded``).
"""

from __future__ import annotations

import re

from ptsync.testing.records import Video

TITLE_MAX = 100  # CONSTRAINTS_FIELDS.VIDEO_CHAPTERS.TITLE
_LINE = re.compile(r"^((?:\d+[h:])?(?:\d+[m:])?\d+s?)\s")
_UNITS = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?$")


def parse(text: str | None) -> list[tuple[int, str]]:
    """``parseChapters``: (timecode, title) from a description."""
    found: list[tuple[int, str]] = []
    for line in re.split(r"\r?\n|\r", text or ""):
        matched = _LINE.match(line)
        if matched is None:
            if found:
                break
            continue
        found.append((_seconds(matched.group(1)), line[matched.end() :][:TITLE_MAX]))
    return sorted(found) if len(found) > 1 else []


def _seconds(text: str) -> int:
    units = _UNITS.match(text)
    if units and any(units.groups()):
        hours, minutes, seconds = (int(g or 0) for g in units.groups())
        return hours * 3600 + minutes * 60 + seconds
    return sum(int(p) * 60**i for i, p in enumerate(reversed(text.split(":"))) if p.isdigit())


def derive_on_create(video: Video) -> None:
    video.chapters = parse(video.description)


def derive_on_update(video: Video, old_description: str | None) -> None:
    """``replaceChaptersFromDescriptionIfNeeded``."""
    from_old = parse(old_description)
    if from_old != sorted(video.chapters):
        return
    from_new = parse(video.description)
    if from_old or from_new:
        video.chapters = from_new
