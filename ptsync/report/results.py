"""Per-item results of an apply and the report users and CI read (``--report FILE``)."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from ptsync import redact
from ptsync.fields import first_line

__all__ = ["ApplyReport", "ItemResult", "first_line"]


@dataclass
class ItemResult:
    """One change's outcome, like a bulk-import job's per-video result.

    ``error`` and ``note`` are redacted as they are set (``ptsync.redact``): PeerTube's error
    texts quote an import's ``targetUrl``, credentials included, and every result is printed,
    written to the report and posted to the webhook."""

    action: str  # create | update | delete
    external_id: str | None
    name: str | None
    success: bool
    uuid: str | None = None
    url: str | None = None
    error: str | None = None
    method: str | None = None  # import | upload, for creates
    import_id: int | None = None
    import_state: str | None = None  # pending | processing | success | failed | …
    fields: list[str] = field(default_factory=list)
    note: str | None = None
    seconds: float = 0.0
    partial: bool = False  # done, but a follow-up step (caption, thumbnail) failed
    found: bool = False  # a create that found the video already made (another run's): not counted

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _REDACTED and isinstance(value, str):
            value = redact.text(value)
        super().__setattr__(name, value)


_REDACTED = frozenset({"error", "note"})


@dataclass
class ApplyReport:
    instance_url: str
    system: str
    results: list[ItemResult] = field(default_factory=list)
    started: float = field(default_factory=time.time)
    finished: float | None = None

    def count(self, action: str) -> int:
        """Done by this run: a create that found the video already there is not counted."""
        return sum(1 for r in self.results if r.success and r.action == action and not r.found)

    @property
    def found(self) -> int:
        """Creates that found their video already made (by another run): nothing created."""
        return sum(1 for r in self.results if r.success and r.found)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if not r.success)

    @property
    def partial(self) -> int:
        return sum(1 for r in self.results if r.success and r.partial)

    @property
    def incomplete(self) -> int:
        """Items a second apply still has to finish (exit 1)."""
        return self.failed + self.partial

    def summary_line(self) -> str:
        partly = f" ({self.partial} partly)" if self.partial else ""
        found = f"; {self.found} already created by another run" if self.found else ""
        return (
            f"Apply complete: {self.count('create')} created{partly}, {self.count('update')} "
            f"updated, {self.count('delete')} deleted, {self.failed} failed{found}"
        )

    def incomplete_results(self) -> list[ItemResult]:
        """Failed items, then those done only in part: what the summary names."""
        failed = [r for r in self.results if not r.success]
        return failed + [r for r in self.results if r.success and r.partial]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": 1,
            "instance": self.instance_url,
            "system": self.system,
            "started_at": _iso(self.started),
            "finished_at": _iso(self.finished) if self.finished else None,
            "summary": {
                "created": self.count("create"),
                "updated": self.count("update"),
                "deleted": self.count("delete"),
                "failed": self.failed,
                "partial": self.partial,
                "already_created": self.found,
                "total": len(self.results),
            },
            "results": [asdict(r) for r in self.results],
        }


def _iso(moment: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))
