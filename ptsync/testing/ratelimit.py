"""express-rate-limit v7 as PeerTube configures it: a fixed window per client IP.

Each IP's window starts with its first request and lasts ``window`` seconds; every request in
it counts (success or failure, staff included). Over the limit the answer is 429, except that
PeerTube's handler lets users with the bypass right (administrators, moderators) through,
still carrying the exhausted headers and ``Retry-After``.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from werkzeug.wrappers import Response

TOO_MANY = b"Too many requests, please try again later."


@dataclass(frozen=True)
class Hit:
    limit: int
    hits: int
    reset_at: float

    @property
    def exceeded(self) -> bool:
        return self.hits > self.limit

    def headers(self, now: float) -> dict[str, str]:
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(0, self.limit - self.hits)),
            "X-RateLimit-Reset": str(math.ceil(self.reset_at)),
        }
        if self.exceeded:
            headers["Retry-After"] = str(max(0, math.ceil(self.reset_at - now)))
        return headers


class FixedWindow:
    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._clients: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def hit(self, client: str, now: float | None = None) -> Hit:
        now = time.time() if now is None else now
        with self._lock:
            reset_at, hits = self._clients.get(client, (0.0, 0))
            if reset_at <= now:
                reset_at, hits = now + self.window, 0
            hits += 1
            self._clients[client] = (reset_at, hits)
        return Hit(self.limit, hits, reset_at)

    def reset(self) -> None:
        with self._lock:
            self._clients.clear()


def too_many_requests(headers: dict[str, str]) -> Response:
    response = Response(TOO_MANY, status=429, content_type="text/html; charset=utf-8")
    response.headers.update(headers)
    return response
