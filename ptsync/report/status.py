"""``ptsync status``: where each manifest video stands on the server, with job-like totals,
and where each declared channel sync stands.

Pure: built from the desired state (mirrored entries included), the owned videos and the import
rows (all fetched with list requests), the account's syncs and their imports. A video is
*completed* once published; *failed* when its last import failed or its transcoding failed;
everything else is in progress or not created yet. A sync is failed when the server says so
(state "Failed") or one of its imports failed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from ptsync import redact
from ptsync.plan.match import Match, match
from ptsync.report.results import first_line
from ptsync.state import (
    DesiredState,
    ImportState,
    Lifecycle,
    LiveImport,
    LiveState,
    LiveSync,
    UrlSource,
    VideoState,
)

_VIDEO_STATES: dict[int, str] = {
    VideoState.PUBLISHED: "published",
    VideoState.TO_TRANSCODE: "transcoding",
    VideoState.TO_IMPORT: "importing",
    VideoState.WAITING_FOR_LIVE: "waiting for live",
    VideoState.LIVE_ENDED: "live ended",
    VideoState.TO_MOVE_TO_EXTERNAL_STORAGE: "moving to storage",
    VideoState.TRANSCODING_FAILED: "failed",
    VideoState.TO_MOVE_TO_EXTERNAL_STORAGE_FAILED: "failed",
    VideoState.TO_EDIT: "editing",
    VideoState.TO_MOVE_TO_FILE_SYSTEM: "moving to storage",
    VideoState.TO_MOVE_TO_FILE_SYSTEM_FAILED: "failed",
    VideoState.IMPORT_FAILED: "failed",  # 8.x keeps a failed import's video: failed until retried
}


@dataclass(frozen=True)
class VideoStatus:
    external_id: str
    state: str  # published | transcoding | importing | failed | not created | …
    detail: str | None = None
    uuid: str | None = None
    url: str | None = None
    import_state: str | None = None

    @property
    def completed(self) -> bool:
        return self.state == "published"

    @property
    def failed(self) -> bool:
        return self.state == "failed"


def video_statuses(desired: DesiredState, live: LiveState) -> list[VideoStatus]:
    """Every managed entry (one with ``lifecycle: unmanaged`` is let go: not reported)."""
    rows = _Rows(live)
    return [
        _status(found, rows)
        for found in match(desired, live).matches
        if found.desired.lifecycle is Lifecycle.MANAGED
    ]


class _Rows:
    """The import rows by source identity (each row's URL redacted once) and, for mirrored
    entries, by the upstream id the row's URL names: thousands of entries against thousands
    of rows cost a look-up each."""

    def __init__(self, live: LiveState):
        self.by_identity: dict[str, list[LiveImport]] = {}
        self.by_id: dict[str, list[LiveImport]] = {}
        for row in live.imports or ():
            if row.target_url is not None:
                self.by_identity.setdefault(redact.identity(row.target_url), []).append(row)
            if row.id in live.import_ids:
                self.by_id.setdefault(live.import_ids[row.id], []).append(row)

    def of(self, found: Match) -> list[LiveImport]:
        source = found.desired.source
        if not isinstance(source, UrlSource):
            return []
        rows = {r.id: r for r in self.by_identity.get(source.identity, ())}
        if found.desired.mirror is not None:
            rows.update((r.id, r) for r in self.by_id.get(found.desired.external_id, ()))
            for url in found.desired.mirror.match_urls:
                rows.update((r.id, r) for r in self.by_identity.get(redact.identity(url), ()))
        return list(rows.values())


def _latest_import(found: Match, rows: _Rows) -> LiveImport | None:
    candidates = rows.of(found)
    if found.live is not None:
        candidates = [r for r in candidates if r.video_uuid == found.live.uuid] or candidates
    return max(candidates, key=lambda r: r.id) if candidates else None


def _status(found: Match, rows: _Rows) -> VideoStatus:
    row = _latest_import(found, rows)
    import_state = ImportState.label_of(row.state) if row else None
    video = found.live
    ext_id = found.desired.external_id
    if video is None:
        if row is not None and row.failed:
            return VideoStatus(ext_id, "failed", _error(row), import_state=import_state)
        return VideoStatus(ext_id, "not created", import_state=import_state)
    state = _VIDEO_STATES.get(video.state, video.state_label.lower() or "unknown")
    detail = None
    if state == "importing" and row is not None:
        detail = f"import {import_state}"
    if state == "failed":
        reason = _error(row) if row is not None and row.failed else None
        detail = f"{video.state_label}: {reason}" if reason else video.state_label
    return VideoStatus(ext_id, state, detail, video.uuid, video.url, import_state)


def _error(row: LiveImport) -> str:
    """PeerTube's error, whose quoted ``targetUrl`` may carry credentials: redacted (before
    it is cut, so no half URL escapes)."""
    return first_line(redact.text(row.error or ""))


@dataclass(frozen=True)
class SyncStatus:
    channel: str
    url: str  # redacted
    state: str  # not created | waiting first run | processing | synchronized | failed | disabled
    id: int | None = None
    last_sync_at: str | None = None
    imports: int = 0
    failed_imports: int = 0
    detail: str | None = None

    @property
    def failed(self) -> bool:
        return self.state == "failed" or self.failed_imports > 0


@dataclass(frozen=True)
class GroupStatus:
    desired: DesiredState
    videos: list[VideoStatus]
    syncs: list[SyncStatus] = field(default_factory=list)


def sync_status_of(
    desired: DesiredState,
    syncs: Sequence[LiveSync] | None,
    imports: Mapping[int, Sequence[LiveImport]],
    disabled: str | None = None,
) -> list[SyncStatus]:
    """Each ``sync: server`` mirror: the oldest live sync of its channel and URL, if any."""
    out = []
    for mirror in desired.mirrors:
        if not mirror.server:
            continue
        if disabled is not None:
            out.append(SyncStatus(mirror.channel, mirror.shown, "disabled", detail=disabled))
            continue
        found = sorted(
            (
                s
                for s in syncs or ()
                if (s.channel_name, s.external_url) == (mirror.channel, mirror.url)
            ),
            key=lambda s: s.id,
        )
        if not found:
            out.append(SyncStatus(mirror.channel, mirror.shown, "not created"))
            continue
        sync = found[0]
        rows = imports.get(sync.id, ())
        out.append(
            SyncStatus(
                mirror.channel,
                mirror.shown,
                "failed" if sync.failed else (sync.state_label.lower() or str(sync.state)),
                sync.id,
                sync.last_sync_at,
                len(rows),
                sum(1 for r in rows if r.failed),
            )
        )
    return out


def totals(statuses: list[VideoStatus]) -> dict[str, Any]:
    total = len(statuses)
    completed = sum(1 for s in statuses if s.completed)
    failed = sum(1 for s in statuses if s.failed)
    percent = round(100.0 * (completed + failed) / total, 1) if total else 100.0
    return {"total": total, "completed": completed, "failed": failed, "progress_percent": percent}


def status_document(groups: list[GroupStatus]) -> dict[str, Any]:
    everything = [s for group in groups for s in group.videos]
    syncs = [s for group in groups for s in group.syncs]
    return {
        "format_version": 1,
        **totals(everything),
        "syncs_failed": sum(1 for s in syncs if s.failed),
        "groups": [
            {
                "instance": group.desired.instance_url,
                "system": group.desired.system,
                **totals(group.videos),
                "videos": [asdict(s) for s in group.videos],
                "syncs": [asdict(s) for s in group.syncs],
            }
            for group in groups
        ],
    }
