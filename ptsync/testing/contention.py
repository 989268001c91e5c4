"""PostgreSQL serialisation failures: concurrent video updates of one user that lose the race.

PeerTube runs updates in SERIALIZABLE transactions; when two ``PUT /videos/{id}`` of the same
user overlap, PostgreSQL can abort one with "could not serialize access due to read/write
dependencies among transactions" and PeerTube answers 500 (the same PUT succeeds when sent
again). ``fake.fail_concurrent_updates(times)`` arms that many such failures; a video update
fails only while another video update of the same user is in flight, and changes nothing.
"""

from __future__ import annotations

import re
import threading
from collections import Counter

from ptsync.testing.problems import Problem

MESSAGE = "could not serialize access due to read/write dependencies among transactions"
_VIDEO_UPDATE = re.compile(r"^/api/v1/videos/(?!upload-resumable$|upload$|imports$)[^/]+$")


def is_video_update(method: str, path: str) -> bool:
    return method == "PUT" and bool(_VIDEO_UPDATE.match(path))


class Contention:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight: Counter[str] = Counter()
        self.armed = 0
        self.failed = 0

    def arm(self, times: int) -> None:
        if times < 0:
            raise ValueError(f"times must not be negative: {times}")
        with self._lock:
            self.armed = times

    def enter(self, user: str) -> None:
        with self._lock:
            self._in_flight[user] += 1

    def leave(self, user: str) -> None:
        with self._lock:
            self._in_flight[user] -= 1

    def check(self, user: str) -> None:
        """Raise the 500 if armed and another update of ``user`` is in flight beside this one."""
        with self._lock:
            if self.armed <= 0 or self._in_flight[user] < 2:
                return
            self.armed -= 1
            self.failed += 1
        raise Problem(500, MESSAGE, code="SequelizeDatabaseError")
