"""Follow URL imports until each reaches a final state (``apply --wait``).

PeerTube creates the video at once and fetches the URL in a background job. One listing of
``/users/me/videos/imports`` (newest first, stopping as soon as every followed import was seen)
per interval covers all imports of the run, so following 200 imports costs a few requests a
poll, not 200 — and stays inside the shared rate limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from ptsync import redact
from ptsync.clock import SYSTEM, Clock
from ptsync.options import DEFAULTS
from ptsync.report.results import ApplyReport, ItemResult, first_line
from ptsync.state import ImportState, LiveImport


class ImportClient(Protocol):
    def iter_my_imports(
        self, target_url: str | None = None, *, newest_first: bool = False
    ) -> Iterator[LiveImport]: ...


@dataclass
class ImportProgress:
    """Totals of the followed imports, like a bulk-import job's counters."""

    rows: dict[int, LiveImport] = field(default_factory=dict)
    total: int = 0

    @property
    def completed(self) -> int:
        return sum(1 for r in self.rows.values() if r.state == ImportState.SUCCESS)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.rows.values() if r.failed)

    @property
    def finished(self) -> int:
        return sum(1 for r in self.rows.values() if r.finished)

    @property
    def progress_percent(self) -> float:
        return round(100.0 * self.finished / self.total, 1) if self.total else 100.0


def poll_imports(client: ImportClient, wanted: Iterable[int]) -> dict[int, LiveImport]:
    """The current rows of ``wanted`` imports, reading newest first and stopping early."""
    missing = set(wanted)
    found: dict[int, LiveImport] = {}
    for row in client.iter_my_imports(newest_first=True):
        if row.id in missing:
            found[row.id] = row
            missing.discard(row.id)
            if not missing:
                break
    return found


def follow_imports(
    client: ImportClient,
    import_ids: Iterable[int],
    *,
    interval: float = DEFAULTS.poll_interval,
    timeout: float = DEFAULTS.wait_timeout,
    on_update: Callable[[ImportProgress], None] | None = None,
    sleep: Callable[[float], None] | None = None,
    clock: Clock = SYSTEM,
) -> ImportProgress:
    """Poll until every import is finished or ``timeout`` seconds passed on ``clock``
    (``sleep``, default the clock's, pauses between polls)."""
    ids = sorted(set(import_ids))
    progress = ImportProgress(total=len(ids))
    sleep = sleep or clock.sleep
    deadline = clock.monotonic() + timeout
    pause = min(0.25, interval)  # short imports finish fast: poll soon, then back off
    while ids:
        progress.rows.update(poll_imports(client, ids))
        if on_update:
            on_update(progress)
        unfinished = [i for i in ids if i in progress.rows and not progress.rows[i].finished]
        gone = [i for i in ids if i not in progress.rows]  # a deleted row will never finish
        if not unfinished or clock.monotonic() >= deadline:
            return progress if not gone else _mark_gone(progress, gone)
        sleep(pause)
        pause = min(pause * 2, interval)
    return progress


def _mark_gone(progress: ImportProgress, gone: list[int]) -> ImportProgress:
    for import_id in gone:
        progress.rows[import_id] = LiveImport(
            import_id, None, 5, "Cancelled", "the import row disappeared", None, "", ""
        )
    return progress


def record_outcomes(report: ApplyReport, progress: ImportProgress) -> list[ItemResult]:
    """Final import states into the per-item results; a failed import is a failed item.
    Returns the items that failed so (their create had succeeded), to be shown as failures."""
    failed = []
    for result in report.results:
        row = progress.rows.get(result.import_id) if result.import_id is not None else None
        if row is not None:
            was = result.success
            _record(result, row)
            if was and not result.success:
                failed.append(result)
    return failed


def _record(result: ItemResult, row: LiveImport) -> None:
    result.import_state = ImportState.label_of(row.state, row.state_label)
    if row.failed:
        result.success = False
        error = first_line(redact.text(row.error or "")) or "no reason given"  # redacted first
        result.error = f"import {result.import_state}: {error}"


def imports_of(reports: Iterable[ApplyReport]) -> list[int]:
    return [
        r.import_id
        for report in reports
        for r in report.results
        if r.success
        and r.import_id is not None
        and r.import_state in (None, ImportState.PENDING.label)
    ]
