"""Letting a video go (``lifecycle: unmanaged``): remove its marker, change nothing else.

Like Terraform's ``removed`` block or Crossplane's ``deletionPolicy: Orphan``. The change is
an update that writes the description without the marker (its annotations go with it) and
nothing else; once the marker is gone the entry is ignored: no create, no update, no rule
exemption, never counted by the safety thresholds or pruned. Only videos that carry this
entry's marker are released; one matched otherwise carries nothing to remove.
"""

from __future__ import annotations

from ptsync.fields import PASSWORD_PROTECTED
from ptsync.plan.changes import FieldChange, MatchedBy, UpdateVideo
from ptsync.plan.diff import UnknownLiveValue
from ptsync.state import DesiredVideo, LiveVideo


def carries_marker(system: str, external_id: str, video: LiveVideo) -> bool:
    marker = video.marker
    return marker is not None and (marker.system, marker.external_id) == (system, external_id)


def plan_release(system: str, entry: DesiredVideo, video: LiveVideo) -> UpdateVideo | None:
    if not carries_marker(system, entry.external_id, video):
        return None
    if not video.knows("description"):
        raise UnknownLiveValue(f"description of {video.uuid} is needed to remove its marker")
    return UpdateVideo(
        uuid=video.uuid,
        name=video.name,
        updated_at=video.updated_at,
        changes=(FieldChange("marker", f"{system}/{entry.external_id}", None),),
        external_id=entry.external_id,
        ref=entry.ref,
        matched_by=MatchedBy.MARKER,
        description=video.fields.get("description"),
        password_protected=video.fields.get("privacy") == PASSWORD_PROTECTED,
        release=True,
    )
