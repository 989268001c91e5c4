"""Deletes and let-go copies: owned videos the manifest no longer lists (deleted only with
``--prune``, else counted in a notice), ptsync's own duplicate copies (repaired always), and
extra copies of a released entry (each lets go of the marker).
"""

from __future__ import annotations

import dataclasses

from ptsync.plan.changes import DeleteVideo, Notice, NoticeKind, UpdateVideo
from ptsync.plan.match import Matching
from ptsync.plan.mirrors import Orphans, gone_notices
from ptsync.plan.owners import released_ids
from ptsync.plan.release import plan_release
from ptsync.state import DesiredState, LiveVideo


def plan_deletes(
    desired: DesiredState,
    matching: Matching,
    *,
    prune: bool,
    notices: list[Notice],
    orphans: Orphans | None = None,
) -> list[DeleteVideo]:
    """``orphans``: what the mirrors say of owned videos no entry names: gone upstream
    (noticed as such, deleted with --prune like any orphan), or held (left alone, silently:
    a failed listing, a window that does not reach them)."""
    orphans = orphans or Orphans()
    deletes = []
    released = released_ids(desired)
    for kept, extra in matching.extra_copies:
        ext_id = extra.marker.external_id if extra.marker else "?"
        if ext_id in released:
            continue  # let go with the entry's video (_release_copies), never deleted
        if not extra.marker_at_start:
            if prune:
                notices.append(_not_owned_notice(extra, ext_id))
            continue
        # Copies that carry this system's first-line marker for one id are ptsync's own
        # accidental creations (a create the server finished after its client was killed):
        # repaired without --prune, the oldest (or the one whose import did not fail) kept.
        delete = _delete(extra, ext_id, f"duplicate of {kept.uuid}")
        deletes.append(dataclasses.replace(delete, duplicate_of=kept.uuid))
    unlisted = [v for v in matching.orphans if v.uuid not in orphans.held]
    if prune:
        for video in unlisted:
            assert video.marker is not None
            if not video.marker_at_start:
                notices.append(_not_owned_notice(video, video.marker.external_id))
                continue
            where = orphans.gone.get(video.uuid)
            reason = f"gone upstream (mirror of {where[0]})" if where else "not in the manifest"
            deletes.append(_delete(video, video.marker.external_id, reason))
    else:
        ids = {v.uuid: v.marker.external_id for v in unlisted if v.marker}
        gone = {u: where for u, where in orphans.gone.items() if u in ids}
        notices.extend(gone_notices(gone, ids))
        rest = [v for v in unlisted if v.uuid not in gone]
        notices.extend(_not_in_manifest_notice(desired.system, rest))
    return deletes


def release_copies(desired: DesiredState, matching: Matching) -> list[UpdateVideo]:
    """More than one video carrying a released entry's marker: each one lets go of it."""
    released = released_ids(desired)
    out = []
    for _, extra in matching.extra_copies:
        ext_id = extra.marker.external_id if extra.marker else None
        if ext_id in released:
            change = plan_release(desired.system, desired.videos[ext_id], extra)
            out += [change] if change is not None else []
    return out


def _not_in_manifest_notice(system: str, orphans: list[LiveVideo]) -> list[Notice]:
    """Without --prune, owned videos the manifest no longer lists are counted, not hidden."""
    ids = [v.marker.external_id for v in orphans if v.marker and v.marker_at_start]
    return not_in_manifest_notice(system, ids, "video")


def not_in_manifest_notice(system: str, ids: list[str], noun: str) -> list[Notice]:
    """``N videos (playlists) carry the S marker but are not in the manifest (a, b, …)``."""
    if not ids:
        return []
    ids = sorted(ids)
    shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
    many = len(ids) != 1
    return [
        Notice(
            NoticeKind.NOT_IN_MANIFEST,
            f"{len(ids)} {noun}{'s' if many else ''} carr{'y' if many else 'ies'} the {system} "
            f"marker but {'are' if many else 'is'} not in the manifest ({shown}); "
            f"--prune deletes {'them' if many else 'it'}",
        )
    ]


def _not_owned_notice(video: LiveVideo, ext_id: str) -> Notice:
    """Ownership for deletion is the marker on the *first* line, where ptsync writes it; a
    marker elsewhere may be a quote or a copy-paste, so prune leaves such a video alone."""
    return Notice(
        NoticeKind.NOT_DELETED,
        f"{ext_id}: not deleting {video.uuid} ({video.name!r}): its ptsync marker is not on "
        "the first line of the description",
        ext_id,
    )


def _delete(video: LiveVideo, external_id: str, reason: str) -> DeleteVideo:
    return DeleteVideo(
        uuid=video.uuid,
        name=video.name,
        updated_at=video.updated_at,
        external_id=external_id,
        reason=reason,
    )
