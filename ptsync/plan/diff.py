"""Compare one desired video with its live counterpart, field by field.

Only managed fields are compared, each through its normaliser (tags as sets, trimmed text,
dates as instants), so that apply followed by plan always says "No changes". Local files the
server transforms (thumbnail, captions, source) are compared through the marker's
last-applied hashes, never by downloading anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ptsync.fields import VIDEO_FIELDS, normalise
from ptsync.marker import Marker
from ptsync.plan.changes import FieldChange
from ptsync.state import CaptionFile, DesiredVideo, LiveVideo, UrlSource

_FIELD_ORDER = {name: i for i, name in enumerate(VIDEO_FIELDS)}


class UnknownLiveValue(LookupError):
    """The planner compared a field it had not fetched: a bug, not a user error."""


def diff_fields(desired: Mapping[str, Any], live: LiveVideo) -> tuple[FieldChange, ...]:
    changes = []
    for name in sorted(desired, key=lambda n: _FIELD_ORDER.get(n, 99)):
        if not live.knows(name):
            raise UnknownLiveValue(f"{name} of {live.uuid} was compared without being fetched")
        want = normalise(name, desired[name])
        have = normalise(name, live.fields[name])
        if want != have:
            changes.append(FieldChange(name, have, want))
    return tuple(changes)


@dataclass(frozen=True)
class FileChanges:
    """What differs in the files ptsync manages for one video, and the marker to record it."""

    changes: tuple[FieldChange, ...]
    captions_put: tuple[CaptionFile, ...]
    captions_delete: tuple[str, ...]
    thumbnail_changed: bool
    source_changed: bool
    annotations: Mapping[str, str]


def diff_files(entry: DesiredVideo, live_marker: Marker | None) -> FileChanges:
    """Thumbnail, captions and source against the hashes recorded in the live marker."""
    applied = dict(live_marker.annotations) if live_marker else {}
    wanted = dict(applied)
    changes: list[FieldChange] = []
    thumb = entry.thumbnail is not None and applied.get("thumb") != entry.thumbnail.digest
    if entry.thumbnail is not None:
        wanted["thumb"] = entry.thumbnail.digest
        if thumb:
            changes.append(FieldChange("thumbnail", applied.get("thumb"), entry.thumbnail.digest))
    put, delete = _caption_changes(entry, applied, wanted, changes)
    source = _source_changed(entry, applied)
    if source and entry.source is not None:
        changes.append(FieldChange("source", applied.get("src"), entry.source.digest))
    elif entry.source is not None and "src" not in applied:
        wanted["src"] = entry.source.digest
    return FileChanges(tuple(changes), put, delete, thumb, source, wanted)


def _source_changed(entry: DesiredVideo, applied: Mapping[str, str]) -> bool:
    source = entry.source
    if source is None or "src" not in applied:
        return False
    accepted = source.digests if isinstance(source, UrlSource) else {source.digest}
    return applied["src"] not in accepted


def _caption_changes(
    entry: DesiredVideo,
    applied: Mapping[str, str],
    wanted: dict[str, str],
    changes: list[FieldChange],
) -> tuple[tuple[CaptionFile, ...], tuple[str, ...]]:
    if entry.captions is None:
        return (), ()
    for key in [k for k in wanted if k.startswith("cap.")]:
        del wanted[key]
    put = []
    for caption in entry.captions:
        key = f"cap.{caption.language}"
        wanted[key] = caption.digest
        if applied.get(key) != caption.digest:
            put.append(caption)
            changes.append(
                FieldChange(f"captions.{caption.language}", applied.get(key), caption.digest)
            )
    delete = sorted(k[4:] for k in applied if k.startswith("cap.") and k not in wanted)
    changes.extend(FieldChange(f"captions.{lang}", applied[f"cap.{lang}"], None) for lang in delete)
    return tuple(put), tuple(delete)
