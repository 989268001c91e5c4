"""What a plan needs fetched beyond the listing: pure decisions over a matching.

The planner (``ptsync.planner``) asks these before each fetch, so every request it sends is
one a managed field, a rule or a changed file needs: details (``GET /videos/{id}``) only
where the list payload lacks a managed field, chapters and passwords only for entries that
set them, the server's config only when a source changed. Who is still unmatched (and so
needs import rows or upload filenames) is ``ptsync.plan.match``'s ``needs_imports`` and
``filename_candidates``.
"""

from __future__ import annotations

from ptsync.fields import DETAIL_FIELDS, PASSWORD_PROTECTED
from ptsync.plan import rules as rules_mod
from ptsync.plan.diff import diff_files
from ptsync.plan.match import Match, Matching
from ptsync.plan.owners import foreign_owner, is_managed
from ptsync.plan.release import carries_marker
from ptsync.plan.schedule import marker_may_change
from ptsync.state import DesiredState, LiveVideo


def detail_needed(desired: DesiredState, matching: Matching) -> set[str]:
    """uuids whose managed fields are not all in the list payload (and so need GET /videos/{id})."""
    needed = set()
    for found in matching.matches:
        live = found.live
        if live is None or live.detailed:
            continue
        if _entry_needs_detail(desired, found, live):
            needed.add(live.uuid)
    if desired.rules:
        for target in rules_mod.targets(desired.system, matching):
            video = target.video
            if not video.detailed and rules_mod.rule_needs_detail(desired.rules, video):
                needed.add(video.uuid)
    return needed


def _entry_needs_detail(desired: DesiredState, found: Match, live: LiveVideo) -> bool:
    entry = found.desired
    own = live.marker is not None and live.marker.system == desired.system
    if not is_managed(entry):  # a release rewrites the description without the marker
        return carries_marker(desired.system, entry.external_id, live) and not live.knows(
            "description"
        )
    managed = set(entry.fields)
    for rule in rules_mod.could_apply(desired.rules, live):
        managed |= set(rule.fields)
        if rule.match.tag is not None:
            return True
    if managed & DETAIL_FIELDS:
        return True
    if live.knows("description"):
        return False
    marker_rewrite = not own or not live.marker_at_start
    files = diff_files(entry, live.marker if own else None)
    applied = live.marker.annotations if own and live.marker else {}
    timing = marker_may_change(entry, live, applied)
    return "description" in managed or marker_rewrite or bool(files.changes) or timing


def extras_needed(desired: DesiredState, matching: Matching) -> tuple[set[str], set[str]]:
    """(uuids whose chapters are needed, uuids whose passwords are needed): one
    ``GET /videos/{id}/chapters`` per video whose entry sets ``chapters`` (not a live stream,
    which has none), one ``GET /videos/{id}/passwords`` per password-protected video whose
    entry sets usable ``passwords``; none for a video left alone (another's, not taken over)."""
    chapters: set[str] = set()
    passwords: set[str] = set()
    for found in matching.matches:
        entry, live = found.desired, found.live
        if live is None or not is_managed(entry):
            continue
        if foreign_owner(desired.system, entry.external_id, live) and not entry.takeover:
            continue  # left alone: nothing to compare
        if entry.chapters is not None and not live.is_live and live.chapters is None:
            chapters.add(live.uuid)
        protected = live.fields.get("privacy") == PASSWORD_PROTECTED
        usable = entry.passwords is not None and entry.passwords.digest is not None
        if usable and protected and live.password_digest is None:
            passwords.add(live.uuid)
    return chapters, passwords


def source_changed(desired: DesiredState, matching: Matching) -> bool:
    """Some matched entry's source differs from the one its video was made from: only then is
    the server's config asked whether a video's file may be replaced."""
    for found in matching.matches:
        live = found.live
        if live is None or found.desired.source is None:
            continue
        own = live.marker if live.marker and live.marker.system == desired.system else None
        if diff_files(found.desired, own).source_changed:
            return True
    return False
