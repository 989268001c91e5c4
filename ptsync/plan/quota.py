"""Warn before an apply whose uploads would not fit the user's storage quota.

PeerTube answers an over-quota upload with 413 only after ptsync has started it (and an
over-quota import is accepted and fails later in its job), so the plan says it up front:
total quota and daily quota, from ``/users/me`` and ``/users/me/video-quota-used``.
Import sizes are unknown before the download, so only uploads are counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ptsync.plan.changes import Change, CreateMethod, CreateVideo, Notice, NoticeKind

UNLIMITED = -1


def upload_bytes(changes: Iterable[Change]) -> int:
    """Bytes the uploads among ``changes`` will send (the quota is asked only when any)."""
    return sum(
        c.source_size or 0
        for c in changes
        if isinstance(c, CreateVideo) and c.method is CreateMethod.UPLOAD
    )


def quota_notices(
    changes: Iterable[Change], me: Mapping[str, Any], used: Mapping[str, Any]
) -> list[Notice]:
    needed = upload_bytes(changes)
    if not needed:
        return []
    notices = []
    checks = (
        ("videoQuota", "videoQuotaUsed", "storage quota"),
        ("videoQuotaDaily", "videoQuotaUsedDaily", "daily upload quota"),
    )
    for limit_key, used_key, label in checks:
        limit = int(me.get(limit_key, UNLIMITED) or UNLIMITED)
        spent = int(used.get(used_key, 0) or 0)
        if limit != UNLIMITED and spent + needed > limit:
            notices.append(
                Notice(
                    NoticeKind.QUOTA,
                    f"the uploads in this plan ({_size(needed)}) exceed your {label}: "
                    f"{_size(spent)} of {_size(limit)} used; PeerTube will refuse some with 413",
                )
            )
    return notices


def _size(count: int) -> str:
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{count} B"
