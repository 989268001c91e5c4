"""A saved plan is checked against who owns what, now, before any of it is applied.

A plan file's digest (``ptsync.store.planfile``) catches an edit, but anyone who edits a file
can recompute a SHA-256, and a plan names its videos by uuid: changing a uuid and the
``updated_at`` beside it would aim a reviewed change at any video of the account. So apply of
a saved plan matches the manifests against the live listing again, as planning does, and every
change must touch only what the plan could have touched:

- an update of a listed entry: the video this entry matches now (its marker, its pinned uuid,
  its import URL or upload filename), not owned by another entry unless it says
  ``takeover: true``, and writing this entry's marker;
- a release: a video carrying this entry's marker;
- a rule update: a video no entry of this manifest matches, carrying no marker of this system,
  and neither another system's nor released unless a rule says ``owner: any``; setting only
  fields some rule sets;
- a delete: a video carrying this system's marker for that id on its first line, never the
  video an entry matches;
- a create: an entry of the manifests, with their source and this entry's marker;
- a playlist update or delete: a playlist carrying this system's marker for that id;
- a channel sync create: a ``sync: server`` mirror of the manifests (channel, URL, privacy);
  a sync delete or retry: a sync on a channel whose syncs the manifests manage (it has a
  ``mirrors:`` key), a declared one deleted only when a create replaces it or as a younger
  duplicate, a retry only of that sync's own failed imports;
- every local file a change sends: one the manifests name (they are checked against the
  allowed folders), so an edited path cannot upload another file.

Pure: the live listing, the matching and the playlists come from the caller.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ptsync.errors import UntrustedPlan
from ptsync.plan.changes import (
    CreateMethod,
    CreatePlaylist,
    CreateSync,
    CreateVideo,
    DeletePlaylist,
    DeleteSync,
    DeleteVideo,
    Plan,
    UpdateChannel,
    UpdatePlaylist,
    UpdateSync,
    UpdateVideo,
)
from ptsync.plan.match import Match, Matching
from ptsync.plan.owners import foreign_owner
from ptsync.plan.release import carries_marker
from ptsync.plan.resources import LivePlaylist
from ptsync.state import (
    DesiredMirror,
    DesiredState,
    FileSource,
    Lifecycle,
    LiveImport,
    LiveSync,
    LiveVideo,
    UrlSource,
)


def needs_more_than_the_listing(plan: Plan, matching: Matching) -> bool:
    """Whether the listing alone cannot justify the plan's video updates, so that import rows
    and upload filenames are read as planning reads them: an update of a video no entry
    matches by the listing alone (found by import URL or upload filename when planned), an
    import retry (its failed import row), or a rule update (released videos are recognised by
    those identities)."""
    claimed = {m.live.uuid for m in matching.matches if m.live is not None}
    return any(
        change.external_id is None or change.retry_import is not None or change.uuid not in claimed
        for change in plan.of(UpdateVideo)
    )


def touches_playlists(plan: Plan) -> bool:
    """The plan changes or deletes a playlist (then the user's playlists are listed)."""
    return any(isinstance(c, UpdatePlaylist | DeletePlaylist) for c in plan.changes)


def touches_syncs(plan: Plan) -> bool:
    """The plan retries or deletes a channel sync (then the account's syncs are listed)."""
    return any(isinstance(c, UpdateSync | DeleteSync) for c in plan.changes)


@dataclass(frozen=True)
class SyncsNow:
    """The account's channel syncs now, and the imports of those the plan retries."""

    syncs: tuple[LiveSync, ...]
    imports: Mapping[int, tuple[LiveImport, ...]]


def check_trusted(
    plan: Plan,
    desired: DesiredState,
    live_videos: Sequence[LiveVideo],
    matching: Matching,
    playlists: Sequence[LivePlaylist] | None = None,
    syncs: SyncsNow | None = None,
) -> None:
    """UntrustedPlan (exit 4) naming every change that touches what it may not."""
    reasons = [
        *_video_reasons(plan, desired, live_videos, matching),
        *_resource_reasons(plan, desired, playlists),
        *_sync_reasons(plan, desired, syncs),
        *_file_reasons(plan, desired),
    ]
    if reasons:
        raise UntrustedPlan(
            "refusing the saved plan: " + "; ".join(reasons) + ". Run plan again and review it."
        )


# ---------------------------------------------------------------------------------- videos


def _video_reasons(
    plan: Plan, desired: DesiredState, live_videos: Sequence[LiveVideo], matching: Matching
) -> Iterator[str]:
    by_uuid = {v.uuid: v for v in live_videos}
    fresh = {m.desired.external_id: m for m in matching.matches}
    claimed = {m.live.uuid: m for m in matching.matches if m.live is not None}
    for change in plan.videos:
        if isinstance(change, CreateVideo):
            reason = _create(change, desired)
        else:
            video = by_uuid.get(change.uuid)
            if video is None:
                continue  # gone since: check_fresh calls the plan stale
            if isinstance(change, DeleteVideo):
                reason = _delete(change, desired.system, video, fresh)
            elif change.external_id is None:
                reason = _rule_update(change, desired, video, claimed.get(video.uuid))
            else:
                reason = _listed_update(change, desired.system, video, fresh)
        if reason is not None:
            yield reason


def _describe(video: LiveVideo) -> str:
    marker = video.marker
    owner = f"carries {marker.system}/{marker.external_id}" if marker else "carries no marker"
    return f"video {video.uuid} ({video.name!r}) {owner}"


def _listed_update(
    change: UpdateVideo, system: str, video: LiveVideo, fresh: Mapping[str, Match]
) -> str | None:
    ext_id = change.external_id or ""
    what = f"{'release' if change.release else 'update'} {ext_id}"
    found = fresh.get(ext_id)
    if found is None:
        return f"{what}: no manifest entry has this id"
    if change.release:
        return None if carries_marker(system, ext_id, video) else f"{what}: {_describe(video)}"
    if found.desired.lifecycle is Lifecycle.UNMANAGED:
        return f"{what}: the entry is released (lifecycle: unmanaged)"
    if found.live is None or found.live.uuid != video.uuid:
        return f"{what}: {_describe(video)}, and it is not the video this entry matches"
    owner = foreign_owner(system, ext_id, video)
    if owner is not None and not found.desired.takeover:
        return f"{what}: {_describe(video)}: owned by {owner} (the entry has no takeover: true)"
    marker = change.marker
    if marker is not None and (marker.system, marker.external_id) != (system, ext_id):
        return f"{what}: it would write the marker {marker.system}/{marker.external_id}"
    row = found.failed_import
    if change.retry_import is not None and (row is None or row.id != change.retry_import):
        return f"{what}: import {change.retry_import} is not this video's failed import"
    return None


def _rule_update(
    change: UpdateVideo, desired: DesiredState, video: LiveVideo, claimed: Match | None
) -> str | None:
    """``claimed``: the entry that matches ``video`` now, if any."""
    what = f"rule update of {video.uuid} ({video.name!r})"
    marker = video.marker
    if marker is not None and marker.system == desired.system:
        return f"{what}: it carries {marker.system}/{marker.external_id}"
    if claimed is not None and claimed.desired.lifecycle is Lifecycle.MANAGED:
        return f"{what}: it is the video of entry {claimed.desired.external_id}"
    any_owner = [r for r in desired.rules if r.match.any_owner]
    if claimed is not None and not any_owner:
        return f"{what}: this manifest released it ({claimed.desired.external_id})"
    if marker is not None and not any_owner:
        return f"{what}: owned by {marker.system}/{marker.external_id} (no rule says owner: any)"
    ruled = {name for rule in desired.rules for name in rule.fields}
    stray = sorted({c.field for c in change.changes} - ruled)
    if stray or change.marker is not None or change.description is not None:
        return f"{what}: it sets {', '.join(stray) or 'the description'}, which no rule sets"
    return None


def _delete(
    change: DeleteVideo, system: str, video: LiveVideo, fresh: Mapping[str, Match]
) -> str | None:
    what = f"delete {change.external_id}"
    if not (carries_marker(system, change.external_id, video) and video.marker_at_start):
        return f"{what}: {_describe(video)}, not {system}/{change.external_id} on its first line"
    found = fresh.get(change.external_id)
    if found is not None and found.live is not None and found.live.uuid == video.uuid:
        return f"{what}: it is the video the entry matches"
    return None


def _create(change: CreateVideo, desired: DesiredState) -> str | None:
    what = f"create {change.external_id}"
    entry = desired.videos.get(change.external_id)
    if entry is None or entry.lifecycle is Lifecycle.UNMANAGED:
        return f"{what}: no managed manifest entry has this id"
    marker = change.marker
    if (marker.system, marker.external_id) != (desired.system, change.external_id):
        return f"{what}: it would write the marker {marker.system}/{marker.external_id}"
    source = entry.source
    if isinstance(source, UrlSource):
        same = change.method is CreateMethod.IMPORT and change.source == source.shown
    elif isinstance(source, FileSource):
        same = change.method is CreateMethod.UPLOAD and _same_file(change.source, source.path)
    else:
        same = False
    return None if same else f"{what}: its source is not the manifest entry's"


# ---------------------------------------------------------------------------------- resources


def _resource_reasons(
    plan: Plan, desired: DesiredState, playlists: Sequence[LivePlaylist] | None
) -> Iterator[str]:
    declared = {c.name for c in desired.channels}
    by_uuid = {p.uuid: p for p in playlists or ()}
    for change in plan.resources:
        if isinstance(change, UpdateChannel) and change.name not in declared:
            yield f"update channel {change.name}: the manifests do not declare it"
        if isinstance(change, UpdatePlaylist | DeletePlaylist):
            found = by_uuid.get(change.uuid)
            if found is None:
                continue  # gone: applying it fails on that item, nothing else is touched
            marker = found.marker
            if marker is None or (marker.system, marker.external_id) != (
                desired.system,
                change.external_id,
            ):
                owner = f"{marker.system}/{marker.external_id}" if marker else "no marker"
                yield (
                    f"{change.action} playlist {change.external_id}: playlist {found.uuid} "
                    f"({found.display_name!r}) carries {owner}"
                )


# ---------------------------------------------------------------------------------- syncs


def _sync_reasons(plan: Plan, desired: DesiredState, now: SyncsNow | None) -> Iterator[str]:
    wanted = {(m.channel, m.url): m for m in desired.mirrors if m.server}
    managed = {c.name for c in desired.channels if c.manages_syncs}
    by_id = {s.id: s for s in now.syncs} if now is not None else {}
    replaced = {c.replaces for c in plan.of(CreateSync) if c.replaces is not None}
    for change in plan.resources:
        if isinstance(change, CreateSync):
            mirror = wanted.get((change.channel, change.url))
            if mirror is None:
                yield f"create sync {change.key}: no sync: server mirror declares it"
            elif change.privacy is not None and change.privacy != mirror.fields.get("privacy"):
                yield f"create sync {change.key}: its privacy is not the channel's"
        elif isinstance(change, UpdateSync | DeleteSync):
            found = by_id.get(change.id)
            if found is None:
                continue  # gone since: applying it fails on that item, nothing else is touched
            what = f"{change.action} sync #{change.id}"
            if found.channel_name not in managed:
                yield f"{what}: channel {found.channel_name} has no mirrors: in the manifests"
            elif isinstance(change, DeleteSync):
                if _kept(found, wanted, now, replaced):
                    yield f"{what}: a sync: server mirror declares it"
            elif (found.channel_name, found.external_url) not in wanted:
                yield f"{what}: no sync: server mirror declares it"
            else:
                rows = {r.id: r for r in (now.imports.get(change.id, ()) if now else ())}
                stray = [i for i in change.retry_imports if i not in rows or not rows[i].failed]
                if stray:
                    shown = ", ".join(f"#{i}" for i in stray)
                    yield f"{what}: {shown} is not a failed import of this sync"


def _kept(
    sync: LiveSync,
    wanted: Mapping[tuple[str, str], DesiredMirror],
    now: SyncsNow | None,
    replaced: set[int],
) -> bool:
    """A declared sync that is neither replaced nor a younger duplicate: deleting it would
    undo the manifest."""
    if (sync.channel_name, sync.external_url) not in wanted or sync.id in replaced:
        return False
    twins = [
        s
        for s in (now.syncs if now else ())
        if (s.channel_name, s.external_url) == (sync.channel_name, sync.external_url)
    ]
    return min(s.id for s in twins) == sync.id


# ---------------------------------------------------------------------------------- files


def _file_reasons(plan: Plan, desired: DesiredState) -> Iterator[str]:
    named = {_real(p) for p in _desired_files(desired)}
    for change in plan.changes:
        for path in _sent_files(change):
            if _real(path) not in named:
                yield f"{change.action} {change.key}: it sends {path}, which no manifest names"


def _desired_files(desired: DesiredState) -> Iterator[Path]:
    for entry in desired.videos.values():
        if isinstance(entry.source, FileSource):
            yield entry.source.path
        if entry.thumbnail is not None:
            yield entry.thumbnail.path
        yield from (c.path for c in entry.captions or ())
    yield from (p.thumbnail.path for p in desired.playlists if p.thumbnail is not None)


def _sent_files(change: object) -> Iterator[str | Path]:
    if isinstance(change, CreateVideo):
        if change.method is CreateMethod.UPLOAD:
            yield change.source
        if change.thumbnail is not None:
            yield change.thumbnail.path
        yield from (c.path for c in change.captions)
    elif isinstance(change, UpdateVideo):
        if change.source_file is not None and "://" not in change.source_file:
            yield change.source_file
        if change.thumbnail is not None:
            yield change.thumbnail.path
        yield from (c.path for c in change.captions_put)
    elif isinstance(change, CreatePlaylist | UpdatePlaylist) and change.thumbnail is not None:
        yield change.thumbnail.path


def _real(path: str | Path) -> str:
    return os.path.realpath(path)


def _same_file(given: str, path: Path) -> bool:
    return _real(given) == _real(path)
