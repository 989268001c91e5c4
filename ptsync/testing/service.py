"""Service time: how long a real PeerTube takes over each kind of request.

The fake answers at once; a real server takes its time: on PeerTube 6.3 with four requests in
flight a video's ``PUT`` takes about 105 ms on a quiet machine (170 ms on a busy one), a detail
``GET`` about 25 ms, the password grant (bcrypt) about 75 ms. A benchmark that leaves that out
measures the rate limiter's window arithmetic and nothing a real run pays (the last window's
writes, the start-up chain).

``ServiceTime`` gives seconds per method and path (a glob; the first rule that matches wins).
The fake waits that long on its clock after the handler ran, outside the instance lock, and
only for requests it handled: requests in flight overlap as they do on PeerTube (the figures
are answer times measured with that many in flight, not a server's exclusive work), the rate
limiter has counted the request on arrival as PeerTube's does, and a refused request (429) is
answered at once. ``FakeFaults.latency`` is the network's share, before a request arrives.
On a ``FakeClock`` it costs no wall time, like every timer of the fake.

``MEASURED`` holds the lab's figures per release (see bench/README.md for how and when).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ptsync.testing.faults import path_matches


@dataclass(frozen=True)
class ServiceTime:
    """Seconds per (method, path glob); ``*`` as the method matches any."""

    rules: tuple[tuple[str, str, float], ...] = ()

    def __post_init__(self) -> None:
        for method, pattern, seconds in self.rules:
            if seconds < 0 or not pattern.startswith("/"):
                raise ValueError(
                    f"a service time needs a path and seconds >= 0: {method} {pattern}"
                )

    @classmethod
    def of(cls, rules: Mapping[str, float]) -> ServiceTime:
        """From ``{"METHOD /glob": seconds}`` (first match wins, in the mapping's order)."""
        parsed = []
        for key, seconds in rules.items():
            method, _, pattern = key.partition(" ")
            parsed.append((method.upper(), pattern, float(seconds)))
        return cls(tuple(parsed))

    def seconds(self, method: str, path: str) -> float:
        for rule_method, pattern, seconds in self.rules:
            if rule_method in ("*", method) and path_matches(pattern, path):
                return seconds
        return 0.0


NONE = ServiceTime()

VOCABULARIES = (
    "/api/v1/config",
    "/api/v1/videos/categories",
    "/api/v1/videos/licences",
    "/api/v1/videos/languages",
    "/api/v1/videos/privacies",
    "/api/v1/video-playlists/privacies",
)


def _measured(
    *,
    put: float,
    detail: float,
    page: float,
    token: float,
    me: float,
    small: float,
    playlists: float,
) -> ServiceTime:
    """The lab's answer times minus the fake's own, in the order the fake matches them."""
    return ServiceTime(
        (
            ("POST", "/api/v1/users/token", token),
            ("GET", "/api/v1/oauth-clients/local", small),
            *(("GET", path, small) for path in VOCABULARIES),
            ("GET", "/api/v1/users/me", me),
            ("GET", "/api/v1/users/me/videos", page),
            ("GET", "/api/v1/accounts/*/video-playlists", playlists),
            ("PUT", "/api/v1/videos/*/*", put),  # captions, chapters, passwords: as a PUT
            ("GET", "/api/v1/videos/*/*", detail),
            ("PUT", "/api/v1/videos/*", put),
            ("GET", "/api/v1/videos/*", detail),
        )
    )


MEASURED: dict[str, ServiceTime] = {
    # real 6.3.0 on the lab's 2-core machine, quiet (load < 0.3), 2026-12-07: a rule's PUT
    # (category) ~105 ms and a detail GET ~25 ms with four in flight, the password grant 74 ms,
    # a page of 100 videos 66 ms, /users/me 15 ms, the playlists 13 ms, the rest 2-3 ms
    "6.3": _measured(
        put=0.1, detail=0.023, page=0.062, token=0.071, me=0.013, small=0.001, playlists=0.011
    ),
    # real 8.0.1, same machine and day, quiet: PUT ~110 ms and detail ~27 ms with four in
    # flight, password grant 83 ms, a page of 100 videos 30 ms, /users/me 8 ms, playlists 11 ms
    "8.0": _measured(
        put=0.11, detail=0.0225, page=0.026, token=0.08, me=0.006, small=0.001, playlists=0.009
    ),
    # real 7.3.0, same machine and day, quiet: PUT ~115-135 ms and detail ~25-30 ms with four
    # in flight, password grant 80 ms, a page of 100 videos 47 ms, /users/me 11 ms, playlists
    # 17 ms
    "7.3": _measured(
        put=0.12, detail=0.02, page=0.043, token=0.077, me=0.009, small=0.001, playlists=0.014
    ),
}
