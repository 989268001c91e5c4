"""Chapters and passwords: compared with what PeerTube holds, never through the marker.

Both live behind their own endpoints (``/videos/{id}/chapters``, ``/videos/{id}/passwords``),
which the planner reads only for entries that set them (``LiveVideo.chapters`` and
``password_digest`` are None otherwise). Chapters are one change whose values are the two
lists; PeerTube re-derives chapters from a description it is given when the old chapters were
themselves derived from the old description, so such an update puts the manifest's chapters
back after the description (see ``ptsync.chapters``). Passwords are compared by digest; the
change says only "set" or "changed".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ptsync.chapters import format_timecode, from_description, to_json
from ptsync.errors import Problem
from ptsync.fields import PASSWORD_PROTECTED
from ptsync.plan.changes import FieldChange
from ptsync.state import Chapter, DesiredVideo, LiveVideo


class NotFetched(LookupError):
    """The planner compared chapters or passwords it had not fetched: a bug."""


@dataclass(frozen=True)
class ChapterPlan:
    change: FieldChange | None = None
    put: tuple[Chapter, ...] | None = None  # what apply sends (None: nothing)


def plan_chapters(entry: DesiredVideo, live: LiveVideo, new_description: Any) -> ChapterPlan:
    """``new_description``: the user text this update writes, or ``...`` when it writes none."""
    want = entry.chapters
    if want is None or live.is_live:
        return ChapterPlan()
    have = live.chapters
    if have is None:
        raise NotFetched(f"chapters of {live.uuid} were compared without being fetched")
    if have != want:
        return ChapterPlan(FieldChange("chapters", to_json(have), to_json(want)), want)
    if new_description is not ... and _rederived(live, new_description) != want:
        return ChapterPlan(put=want)  # the description PUT would replace them: put them back
    return ChapterPlan()


def _rederived(live: LiveVideo, new_description: str | None) -> tuple[Chapter, ...] | None:
    """The chapters after PeerTube saw the new description (None: unknown description)."""
    if not live.knows("description"):
        return None
    old = from_description(live.fields.get("description"))
    if old != live.chapters:
        return live.chapters  # set explicitly: PeerTube leaves them alone
    new = from_description(new_description)
    return live.chapters if not old and not new else new


def create_chapters(entry: DesiredVideo, description: str | None) -> tuple[Chapter, ...] | None:
    """Chapters to PUT after a create: PeerTube derived some from the description already."""
    if entry.chapters is None or entry.chapters == from_description(description):
        return None
    return entry.chapters


def chapter_problems(entry: DesiredVideo, live: LiveVideo) -> list[Problem]:
    """Chapters must start before the end of the video, when its duration is known."""
    if not entry.chapters or live.duration <= 0:
        return []
    late = [c for c in entry.chapters if c.timecode >= live.duration]
    if not late:
        return []
    end = format_timecode(live.duration)
    starts = ", ".join(format_timecode(c.timecode) for c in late)
    return [Problem(entry.ref, f"chapters at {starts} start after the end of the video ({end})")]


@dataclass(frozen=True)
class PasswordPlan:
    change: FieldChange | None = None
    env: str | None = None  # apply sends the passwords in this variable
    problem: Problem | None = None


def plan_passwords(
    entry: DesiredVideo, fields: Mapping[str, Any], live: LiveVideo | None
) -> PasswordPlan:
    """Passwords for a create (``live`` None) or an update of a protected video."""
    have_privacy = live.fields.get("privacy") if live is not None else None
    privacy = fields.get("privacy", have_privacy)
    if privacy != PASSWORD_PROTECTED:
        return PasswordPlan()
    wanted = entry.passwords
    if wanted is None:
        if have_privacy == PASSWORD_PROTECTED:
            return PasswordPlan()  # kept as they are: apply resends the live ones on a PUT
        return PasswordPlan(problem=_needs_passwords(entry))
    if wanted.problem is not None or wanted.digest is None:
        return PasswordPlan(problem=Problem(wanted.ref or entry.ref, wanted.problem or "?"))
    if live is None or have_privacy != PASSWORD_PROTECTED:
        return PasswordPlan(FieldChange("passwords", None, "set"), wanted.env)
    if live.password_digest is None:
        raise NotFetched(f"passwords of {live.uuid} were compared without being fetched")
    if live.password_digest != wanted.digest:
        return PasswordPlan(FieldChange("passwords", None, "changed"), wanted.env)
    return PasswordPlan(env=wanted.env)


def _needs_passwords(entry: DesiredVideo) -> Problem:
    ref = entry.field_refs.get("privacy", entry.ref)
    return Problem(
        ref,
        f"{entry.external_id}: a Password protected video needs its passwords: add "
        "`passwords: {env: VARIABLE}` (the variable holds one password per line)",
    )


def password_protected(fields: Mapping[str, Any], live: LiveVideo) -> bool:
    """The video is, or becomes, password protected: apply sends its passwords on every PUT."""
    return bool(fields.get("privacy", live.fields.get("privacy")) == PASSWORD_PROTECTED)
