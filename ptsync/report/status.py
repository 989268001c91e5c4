"""``ptsync status``: where each manifest video stands on the server, with job-like totals.

Pure: built from the desired state, the owned videos and the import rows (all fetched with list
requests). A video is *completed* once published; *failed* when its last import failed or its
transcoding failed; everything else is in progress or not created yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from ptsync import redact
from ptsync.plan.match import Match, match, same_source
from ptsync.report.results import first_line
from ptsync.state import (
    DesiredState,
    ImportState,
    Lifecycle,
    LiveImport,
    LiveState,
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
    return [
        _status(found, live.imports or ())
        for found in match(desired, live).matches
        if found.desired.lifecycle is Lifecycle.MANAGED
    ]


def _latest_import(found: Match, imports: Iterable[LiveImport]) -> LiveImport | None:
    source = found.desired.source
    if not isinstance(source, UrlSource):
        return None
    rows = [r for r in imports if same_source(r, source)]
    if found.live is not None:
        rows = [r for r in rows if r.video_uuid == found.live.uuid] or rows
    return max(rows, key=lambda r: r.id) if rows else None


def _status(found: Match, imports: Iterable[LiveImport]) -> VideoStatus:
    row = _latest_import(found, imports)
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


def totals(statuses: list[VideoStatus]) -> dict[str, Any]:
    total = len(statuses)
    completed = sum(1 for s in statuses if s.completed)
    failed = sum(1 for s in statuses if s.failed)
    percent = round(100.0 * (completed + failed) / total, 1) if total else 100.0
    return {"total": total, "completed": completed, "failed": failed, "progress_percent": percent}


def status_document(groups: list[tuple[DesiredState, list[VideoStatus]]]) -> dict[str, Any]:
    everything = [s for _, statuses in groups for s in statuses]
    return {
        "format_version": 1,
        **totals(everything),
        "groups": [
            {
                "instance": desired.instance_url,
                "system": desired.system,
                **totals(statuses),
                "videos": [asdict(s) for s in statuses],
            }
            for desired, statuses in groups
        ],
    }
