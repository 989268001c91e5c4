"""Failure knobs: the network and proxy misbehaviour a CI job meets on a real instance.

Random faults (``error_rate``, ``rate_limited_rate``, ``slow_rate``, ``drop_rate``) strike
before the request reaches PeerTube, like a flaky proxy. ``inject`` schedules exact faults for
matching requests; ``when="after"`` lets the fake do all the work first and then lose the
answer, which is how a create ends up applied on the server while the client saw a failure.
A seeded RNG keeps sequential scenarios reproducible.
"""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import dataclass

from werkzeug.wrappers import Response

from ptsync.testing.problems import Problem, problem_response
from ptsync.testing.ratelimit import too_many_requests

NAMED_KINDS = ("drop", "slow", "429")
WHEN = ("before", "after")


def path_matches(pattern: str, path: str) -> bool:
    return pattern == path or fnmatch.fnmatchcase(path, pattern)


@dataclass
class Injection:
    kind: int | str
    method: str | None
    path: str | None
    times: int
    when: str

    def matches(self, method: str, path: str, when: str) -> bool:
        return (
            self.times > 0
            and self.when == when
            and (self.method is None or self.method == method)
            and (self.path is None or path_matches(self.path, path))
        )


@dataclass(frozen=True)
class Fault:
    kind: int | str
    when: str

    @property
    def label(self) -> str:
        return str(self.kind)


class FaultInjector:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random()
        self._seed: int | None = None
        self._injections: list[Injection] = []
        self._set_defaults()

    def _set_defaults(self) -> None:
        self.latency = 0.0
        self.error_rate = 0.0
        self.error_statuses: tuple[int, ...] = (500, 502, 503)
        self.rate_limited_rate = 0.0
        self.retry_after = 1
        self.slow_rate = 0.0
        self.slow_seconds = 5.0
        self.drop_rate = 0.0
        self.paths: list[str] | tuple[str, ...] | None = None

    @property
    def seed(self) -> int | None:
        return self._seed

    @seed.setter
    def seed(self, value: int | None) -> None:
        with self._lock:
            self._seed = value
            self._rng.seed(value)

    def inject(
        self,
        kind: int | str,
        *,
        method: str | None = None,
        path: str | None = None,
        times: int = 1,
        when: str = "before",
    ) -> None:
        """Fail the next ``times`` requests matching ``method``/``path`` (exact or glob)."""
        if isinstance(kind, bool) or not (
            (isinstance(kind, int) and 100 <= kind <= 599) or kind in NAMED_KINDS
        ):
            raise ValueError(f"fault kind must be an HTTP status or one of {NAMED_KINDS}: {kind!r}")
        if when not in WHEN:
            raise ValueError(f"when must be one of {WHEN}: {when!r}")
        upper = method.upper() if method else None
        with self._lock:
            self._injections.append(Injection(kind, upper, path, times, when))

    @property
    def pending(self) -> list[Injection]:
        with self._lock:
            return [i for i in self._injections if i.times > 0]

    def clear(self) -> None:
        """Drop scheduled faults and set every rate and the latency back to zero."""
        with self._lock:
            self._injections.clear()
            self._set_defaults()

    def decide(self, method: str, path: str, when: str) -> Fault | None:
        with self._lock:
            for injection in self._injections:
                if injection.matches(method, path, when):
                    injection.times -= 1
                    return Fault(injection.kind, when)
            if when == "before" and self._random_applies(path):
                return self._draw()
        return None

    def _random_applies(self, path: str) -> bool:
        return self.paths is None or any(path_matches(p, path) for p in self.paths)

    def _draw(self) -> Fault | None:
        if self.drop_rate and self._rng.random() < self.drop_rate:
            return Fault("drop", "before")
        if self.error_rate and self._rng.random() < self.error_rate:
            return Fault(self._rng.choice(tuple(self.error_statuses)), "before")
        if self.rate_limited_rate and self._rng.random() < self.rate_limited_rate:
            return Fault("429", "before")
        if self.slow_rate and self._rng.random() < self.slow_rate:
            return Fault("slow", "before")
        return None


def status_response(status: int, retry_after: int, error_key: bool = True) -> Response:
    """The answer a failing proxy or server gives in place of the real one."""
    if status == 429:
        return too_many_requests({"X-RateLimit-Remaining": "0", "Retry-After": str(retry_after)})
    if status == 401:
        problem = Problem(401, "Token is invalid", code="invalid_token")
        return problem_response(problem, error_key=error_key)
    if status < 500 or status == 500:
        return problem_response(Problem(status, "Injected fault"), error_key=error_key)
    title = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Time-out"}.get(
        status, "Server Error"
    )
    html = f"<html><head><title>{status} {title}</title></head><body><h1>{title}</h1></body></html>"
    return Response(html, status=status, content_type="text/html")
