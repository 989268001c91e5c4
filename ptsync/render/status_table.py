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
        lines.append("")
    lines.append(
        f"total {doc['total']}, completed {doc['completed']}, failed {doc['failed']}, "
        f"progress {doc['progress_percent']}%"
    )
    return "\n".join(lines) + "\n"
