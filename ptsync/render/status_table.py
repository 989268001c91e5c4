"""``ptsync status`` as text: one line per video, then job-like totals."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def render_status(doc: Mapping[str, Any]) -> str:
    lines = []
    for group in doc["groups"]:
        lines.append(f"{group['system']} on {group['instance']}")
        for video in group["videos"]:
            detail = f" ({video['detail']})" if video.get("detail") else ""
            uuid = f"  {video['uuid']}" if video.get("uuid") else ""
            lines.append(f"  {video['external_id']:<30} {video['state']}{detail}{uuid}")
        for sync in group.get("syncs", ()):
            lines.append(f"  sync {sync['channel']} ← {sync['url']}: {_sync_state(sync)}")
        lines.append("")
    lines.append(
        f"total {doc['total']}, completed {doc['completed']}, failed {doc['failed']}, "
        f"progress {doc['progress_percent']}%"
        + (f"; {doc['syncs_failed']} channel sync(s) failed" if doc.get("syncs_failed") else "")
    )
    return "\n".join(lines) + "\n"


def _sync_state(sync: Mapping[str, Any]) -> str:
    """``synchronized (#3, last run 2026-…; 12 imports, 1 failed)``."""
    if sync.get("detail"):
        return f"{sync['state']} ({sync['detail']})"
    if sync.get("id") is None:
        return str(sync["state"])
    last = f", last run {sync['last_sync_at']}" if sync.get("last_sync_at") else ""
    failed = f", {sync['failed_imports']} failed" if sync.get("failed_imports") else ""
    return f"{sync['state']} (#{sync['id']}{last}; {sync['imports']} imports{failed})"
