"""Who owns what: entries this manifest manages, videos another entry or system owns, and
unowned videos an entry might mean (possible duplicates, which ``ptsync adopt`` pins).

Pure functions over a matching; the video planner, the saved-plan check, the fetch decisions
(``ptsync.plan.needs``) and adoption (``ptsync.adopt``) all ask these same questions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ptsync.fields import normalise
from ptsync.plan import rules as rules_mod
from ptsync.plan.changes import Notice, NoticeKind
from ptsync.plan.match import Match, Matching
from ptsync.state import DesiredState, DesiredVideo, Lifecycle, LiveVideo


def is_managed(entry: DesiredVideo) -> bool:
    """The entry is managed (``lifecycle: unmanaged`` lets its video go)."""
    return entry.lifecycle is Lifecycle.MANAGED


def released_ids(desired: DesiredState) -> set[str]:
    return {e.external_id for e in desired.videos.values() if not is_managed(e)}


def foreign_owner(system: str, external_id: str, video: LiveVideo) -> str | None:
    """``system/id`` when the video carries another entry's marker: another system's, or this
    system's for another id. Ownership is absolute: only ``takeover: true`` re-marks it."""
    marker = video.marker
    if marker is None or (marker.system, marker.external_id) == (system, external_id):
        return None
    return f"{marker.system}/{marker.external_id}"


def unowned_by_name(system: str, matching: Matching) -> dict[str, list[LiveVideo]]:
    """Videos without this system's marker (released ones included), by name."""
    index: dict[str, list[LiveVideo]] = {}
    for target in rules_mod.targets(system, matching):
        index.setdefault(target.video.fields["name"], []).append(target.video)
    return index


def same_name(fields: Mapping[str, Any], unowned: Mapping[str, list[LiveVideo]]) -> list[LiveVideo]:
    same_name = unowned.get(normalise("name", fields["name"]), [])
    channel = fields.get("channel")
    return [v for v in same_name if channel is None or v.channel == channel]


def possible_duplicates(desired: DesiredState, found: Match, matching: Matching) -> list[LiveVideo]:
    """Unowned videos with an unmatched entry's name (and channel): what the plan reports as
    possible duplicates, and what ``ptsync adopt`` pins when there is exactly one."""
    fields = rules_mod.effective_fields(found.desired, desired.rules, None)
    if found.live is not None or not fields.get("name"):
        return []
    return same_name(fields, unowned_by_name(desired.system, matching))


def duplicate_notice(system: str, found: Match, twins: list[LiveVideo]) -> Notice:
    entry = found.desired
    twin = twins[0]
    message = (
        f"not creating {entry.external_id}: video {twin.uuid} ({twin.name!r} in channel "
        f"{twin.channel}) has the same name and no {system} marker; `ptsync adopt` pins it to "
        "this entry, or set `allow_duplicate: true` to create another"
    )
    if len(twins) > 1:  # adopt does not guess which one
        message = (
            f"not creating {entry.external_id}: {len(twins)} videos ({twin.name!r} in channel "
            f"{twin.channel}) have the same name and no {system} marker; pin the one you mean "
            f"with `uuid:` (the first is {twin.uuid}), or set `allow_duplicate: true`"
        )
    return Notice(
        NoticeKind.POSSIBLE_DUPLICATE,
        message,
        entry.external_id,
        entry.ref,
    )
