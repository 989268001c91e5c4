"""A local record of creates in flight, so a killed run's create is awaited, not repeated.

PeerTube finishes a create after the client is gone: an import POST answers only once the URL's
metadata is fetched (3-4 s on real 6.3 to 8.0 servers), the last upload chunk once the file is
assembled, and the video (carrying the marker ptsync sent) shows up in listings only then. A
run that starts inside that window sees nothing and would create a second copy. So every
import is recorded before its request goes out and cleared once its outcome is known; the next
run that is about to create the same entry while a record is younger than ``SETTLE`` looks for
the marker until the record is that old. Uploads need no record: their session URL is stored
before the first byte, and a session whose last chunk the server is still assembling answers
503, then 404 once the video exists (``ptsync.peertube.upload``).

Like every local cache this is an accelerator: without it (another machine, a wiped cache) the
same duplicate is still caught, one plan later, as a copy carrying the same marker, and
deleted (``ptsync.plan.videos``). Records live per instance, user and system.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from ptsync.cachefiles import cache_dir, cache_key, read_json, write_json
from ptsync.clock import SYSTEM, Clock

# From an import POST's start, how long its video may take to appear: the POST answers after
# 3.2-3.9 s on real 6.3 to 8.0 servers (fetching the URL's metadata); ~3x that, for busy ones.
SETTLE = 10.0
POLL = 1.0
T = TypeVar("T")


class InflightCreates:
    """external id -> when its create request started (epoch seconds), on disk."""

    def __init__(
        self,
        instance_url: str,
        identity: str,
        system: str,
        *,
        enabled: bool = True,
        clock: Clock = SYSTEM,
    ):
        self.enabled = enabled
        self.clock = clock
        self.path = cache_dir() / "inflight" / f"{cache_key(instance_url, identity, system)}.json"
        self._lock = threading.Lock()

    def _load(self) -> dict[str, float]:
        data = read_json(self.path) if self.enabled else None
        if not isinstance(data, dict):
            return {}
        return {k: float(v) for k, v in data.items() if isinstance(v, int | float)}

    def started(self, external_id: str) -> float | None:
        with self._lock:
            return self._load().get(external_id)

    def record(self, external_id: str) -> None:
        self._update(lambda entries: entries.__setitem__(external_id, self.clock.time()))

    def clear(self, external_id: str) -> None:
        self._update(lambda entries: entries.pop(external_id, None))

    def _update(self, change: Callable[[dict[str, float]], object]) -> None:
        if not self.enabled:
            return
        with self._lock:
            entries = self._load()
            change(entries)
            if entries:
                write_json(self.path, entries)
            else:
                self.path.unlink(missing_ok=True)

    def await_settled(
        self,
        external_id: str,
        look: Callable[[], T | None],
        now: Callable[[], float] | None = None,
    ) -> T | None:
        """``look()`` once, and again until a dead run's create of this entry (if one is
        recorded) has had time to appear. ``now``: epoch seconds (default: the clock's)."""
        found = look()
        started = self.started(external_id)
        now = now or self.clock.time
        while found is None and started is not None and now() < started + SETTLE:
            self.clock.sleep(min(POLL, max(0.0, started + SETTLE - now())))
            found = look()
        return found
