"""Every HTTP request the fake answered (or dropped), for tests that assert exact counts.

Counting requests is how tests prove client properties that outputs cannot show: that a
converged plan sends no PUT, that a retried create does not create twice, that pagination
stops at the last page.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ptsync.testing.faults import path_matches


@dataclass(frozen=True)
class RequestRecord:
    """One request. ``status`` is 0 when the connection was dropped without an answer.
    ``started``: when it arrived; ``finished``: when its answer was ready (or it was dropped),
    the moment a real PeerTube's request log stamps."""

    method: str
    path: str
    query: dict[str, Any]
    status: int
    username: str | None
    started: float
    fault: str | None
    finished: float | None = None


class RequestLog:
    def __init__(self) -> None:
        self._records: list[RequestRecord] = []
        self._lock = threading.Condition()

    def add(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)
            self._lock.notify_all()

    def wait_for(self, check: Callable[[list[RequestRecord]], bool], timeout: float) -> bool:
        """Block (real time) until ``check(records)`` holds, re-checked as each request is
        logged; False when ``timeout`` seconds passed first."""
        with self._lock:
            return self._lock.wait_for(lambda: check(list(self._records)), timeout)

    def snapshot(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def count(self, method: str | None = None, path: str | None = None) -> int:
        upper = method.upper() if method else None
        return sum(
            1
            for record in self.snapshot()
            if (upper is None or record.method == upper)
            and (path is None or path_matches(path, record.path))
        )
