"""Resolve a video entry's chapters, schedule and passwords into desired-state values.

- ``chapters``: timecodes in seconds, titles trimmed (the offline checks reported bad ones).
- ``publishAt`` / ``publishPrivacy``: one instant (UTC) and a privacy id from the instance's
  vocabulary. Until that instant the video has the entry's own ``privacy``, Private when it
  sets none: an inherited ``defaults.privacy: Public`` would publish it at once.
- ``passwords``: read from the environment now, checked like PeerTube checks them, and kept
  only as the variable's name plus a keyed digest (``ptsync.passwords``); a variable that is
  unset or invalid is reported by the plan (``status`` needs no passwords). They need
  ``privacy: Password protected``.

An entry with ``lifecycle: unmanaged`` resolves to nothing of this: it is being let go, so
a missing password variable must not stop the plan that releases it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ptsync import passwords as pw
from ptsync.chapters import parse_timecode
from ptsync.errors import PasswordProblem
from ptsync.fields import PASSWORD_PROTECTED, PRIVATE, SCHEDULE_PRIVACIES, norm_instant
from ptsync.manifest.entrychecks import SCHEDULE_PRIVACY_HELP
from ptsync.manifest.models import VideoEntry
from ptsync.sourceref import SourceRef
from ptsync.state import Chapter, PasswordsRef, Schedule

PathT = tuple[str | int, ...]
Report = Callable[[PathT, str], None]
Privacy = Callable[[Any], Any]  # a label or id → the instance's privacy id (LookupError)


def chapters_of(entry: VideoEntry) -> tuple[Chapter, ...] | None:
    if entry.chapters is None:
        return None
    out = []
    for chapter in entry.chapters:
        try:
            out.append(Chapter(parse_timecode(chapter.at), chapter.title.strip()))
        except ValueError:
            continue  # reported by the offline checks
    return tuple(out)


def schedule_of(at: PathT, entry: VideoEntry, privacy: Privacy, problem: Report) -> Schedule | None:
    if entry.publishAt is None:
        return None
    try:
        instant = norm_instant(entry.publishAt)
    except ValueError:
        return None  # reported by the offline checks
    publish = 1
    if entry.publishPrivacy is not None:
        try:
            publish = int(privacy(entry.publishPrivacy))
        except LookupError as exc:
            problem((*at, "publishPrivacy"), str(exc))
            return None
        if publish not in SCHEDULE_PRIVACIES:
            problem((*at, "publishPrivacy"), SCHEDULE_PRIVACY_HELP)
            return None
    return Schedule(instant or "", publish)


def passwords_of(
    at: PathT, entry: VideoEntry, env: Mapping[str, str], ref_of: Callable[[PathT], SourceRef]
) -> PasswordsRef | None:
    """A variable that cannot be used is recorded, for the plan to report where it matters."""
    if entry.passwords is None:
        return None
    name = entry.passwords.env
    ref = ref_of((*at, "passwords", "env"))
    try:
        values = pw.read(env, name)
    except PasswordProblem as exc:
        return PasswordsRef(name, problem=str(exc), ref=ref)
    return PasswordsRef(name, pw.digest(values), ref=ref)


def settle_privacy(
    at: PathT,
    entry: VideoEntry,
    fields: dict[str, Any],
    refs: dict[str, SourceRef],
    extras: tuple[Schedule | None, PasswordsRef | None],
    ref_of: Callable[[PathT], SourceRef],
    problem: Report,
) -> None:
    """The privacy a schedule or passwords imply, and the combinations PeerTube cannot do."""
    schedule, passwords = extras
    if schedule is not None and "privacy" not in entry.model_fields_set:
        fields["privacy"] = PRIVATE
        refs["privacy"] = ref_of((*at, "publishAt"))  # the entry's own: rules do not override
    if schedule is not None and fields.get("privacy") == schedule.privacy:
        problem(
            (*at, "publishAt"),
            "the video already has that privacy before publishAt; set privacy (e.g. Private) "
            "for the time until then, or remove publishAt",
        )
    if passwords is not None and fields.get("privacy") != PASSWORD_PROTECTED:
        problem(
            (*at, "passwords"),
            "passwords need `privacy: Password protected` (privacy 5) on this video",
        )
