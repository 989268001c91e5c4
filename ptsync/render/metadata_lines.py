"""How chapters, passwords, schedules and releases read in a plan (text and markdown alike).

Chapters are a list change shown as the chapters that appear, disappear or are renamed,
keyed by start time (``ptsync.chapters.diff_lines``). Passwords never appear: their change
says only "set" or "changed", and a create names the variable they come from. A release
(``lifecycle: unmanaged``) reads ``~ release ID`` with ``marker: system/id → (none)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ptsync.chapters import diff_lines, format_timecode
from ptsync.plan.changes import CreateVideo, UpdateVideo


def field_lines(field: str, old: Any, new: Any) -> list[str] | None:
    """Lines for one of these fields (the first one ends with ``:`` for a list); None when the
    ordinary ``field: old → new`` rendering applies."""
    if field == "passwords":
        return [f"passwords: {new or 'removed'} (not shown)"]
    if field == "chapters":
        lines = diff_lines(old or [], new or [])
        return ["chapters: all removed"] if not new and old else ["chapters:", *lines]
    return None


def create_lines(change: CreateVideo, labels: Mapping[str, Mapping[str, str]]) -> list[str]:
    """``name = value`` lines a create adds for its schedule, chapters and passwords."""
    out = []
    if change.schedule is not None:
        privacy = str(change.schedule.privacy)
        out.append(f"publishAt = {change.schedule.update_at}")
        out.append(f"publishPrivacy = {labels.get('privacy', {}).get(privacy, privacy)}")
    if change.chapters is not None:
        shown = ", ".join(f"{format_timecode(c.timecode)} {c.title}" for c in change.chapters)
        out.append(f"chapters = [{shown}]")
    if change.passwords_env is not None:
        out.append(f"passwords = from ${change.passwords_env} (not shown)")
    return out


def update_verb(change: UpdateVideo) -> str | None:
    """The header's verb when it is not "update"."""
    if change.release:
        return "release"
    return "retry import" if change.retry_import is not None else None
