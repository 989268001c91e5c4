"""Failure knobs: the network and proxy misbehaviour a CI job meets on a real instance.

Random faults (``error_rate``, ``rate_limited_rate``, ``slow_rate``, ``drop_rate``) strike
before the request reaches PeerTube, like a flaky proxy; ``lost_rate`` drops the connection
after PeerTube acted (the answer is lost on its way back). ``inject`` schedules exact faults for
matching requests (method, path, and ``query`` values when given); ``when="after"`` lets the
fake do all the work first and then lose the answer, which is how a create ends up applied on
the server while the client saw a failure.
A seeded RNG keeps sequential scenarios reproducible.

Beyond a status, a drop and a slow answer, a server can be hostile (``ptsync.testing.hostile``
builds those answers): ``redirect`` (``to=`` an origin or URL, ``status=`` 301/302/303/307/308),
``hang`` (accept, read the request, never answer: held until ``release()``, ``clear()``, the
fake stops, or ``hang_seconds``), ``endless`` (a JSON body that never ends; ``status=``, default
200, e.g. 502 for an endless error page), ``huge`` (a
valid JSON body of ``huge_bytes`` with its Content-Length) and ``malformed`` (``body=`` JSON,
default ``{}``, with the status the real answer had: with ``when="after"`` the server acted and
the answer lacks what a client needs).
"""

from __future__ import annotations

import fnmatch
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Response

from ptsync.testing.problems import Problem, problem_response
from ptsync.testing.ratelimit import too_many_requests

NAMED_KINDS = ("drop", "slow", "429", "hang", "endless", "huge", "redirect", "malformed")
WHEN = ("before", "after")
REDIRECT_STATUSES = (301, 302, 303, 307, 308)


def path_matches(pattern: str, path: str) -> bool:
    return pattern == path or fnmatch.fnmatchcase(path, pattern)


def _value_matches(pattern: str, value: str | None) -> bool:
    return value is not None and (pattern == value or fnmatch.fnmatchcase(value, pattern))


@dataclass
class Injection:
    kind: int | str
    method: str | None
    path: str | None
    times: int
    when: str
    to: str | None = None  # redirect target
    status: int | None = None  # redirect status
    body: Any = None  # malformed answer
    query: Mapping[str, str] | None = None  # query parameters the request must carry

    def matches(
        self, method: str, path: str, when: str, query: Mapping[str, str] | None = None
    ) -> bool:
        return (
            self.times > 0
            and self.when == when
            and (self.method is None or self.method == method)
            and (self.path is None or path_matches(self.path, path))
            and all(_value_matches(v, (query or {}).get(k)) for k, v in (self.query or {}).items())
        )


@dataclass(frozen=True)
class Fault:
    kind: int | str
    when: str
    to: str | None = None
    status: int | None = None
    body: Any = None

    @property
    def label(self) -> str:
        return str(self.kind)


class FaultInjector:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random()
        self._seed: int | None = None
        self._injections: list[Injection] = []
        self._released = threading.Event()
        self.closing = threading.Event()  # the fake is stopping: streams end, hangs let go
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
        self.lost_rate = 0.0
        self.paths: list[str] | tuple[str, ...] | None = None
        self.hang_seconds = 120.0  # a hung request is let go after this, released or not
        self.huge_bytes = 64 * 2**20

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
        to: str | None = None,
        status: int | None = None,
        body: Any = None,
        query: Mapping[str, str] | None = None,
    ) -> None:
        """Fail the next ``times`` requests matching ``method``/``path`` (exact or glob) and
        carrying every ``query`` value (exact or glob: ``{"search": "*"}``).
        ``to``: a redirect's target; ``status``: a redirect's (default 307) or an endless
        answer's (default 200); ``body``: a malformed answer's JSON."""
        if isinstance(kind, bool) or not (
            (isinstance(kind, int) and 100 <= kind <= 599) or kind in NAMED_KINDS
        ):
            raise ValueError(f"fault kind must be an HTTP status or one of {NAMED_KINDS}: {kind!r}")
        if when not in WHEN:
            raise ValueError(f"when must be one of {WHEN}: {when!r}")
        if kind == "redirect" and (not to or (status or 307) not in REDIRECT_STATUSES):
            raise ValueError(f"a redirect needs to= and a status in {REDIRECT_STATUSES}")
        upper = method.upper() if method else None
        with self._lock:
            injection = Injection(kind, upper, path, times, when, to, status, body, query)
            self._injections.append(injection)

    @property
    def pending(self) -> list[Injection]:
        with self._lock:
            return [i for i in self._injections if i.times > 0]

    def clear(self) -> None:
        """Drop scheduled faults, let hung requests go, set every rate and latency to zero."""
        with self._lock:
            self._injections.clear()
            self._set_defaults()
        self.release()

    def hold(self) -> None:
        """A hung request waits here until released (or ``hang_seconds`` pass, or the fake
        stops)."""
        released = self._released  # before looking at closing: shutdown sets this one
        if not self.closing.is_set():
            released.wait(self.hang_seconds)

    def shutdown(self) -> None:
        """The fake stops: end every stream and hang (``start`` clears ``closing`` again)."""
        self.closing.set()
        self.release()

    def release(self) -> None:
        """Let every request hung so far go (its connection is closed without an answer)."""
        with self._lock:
            released, self._released = self._released, threading.Event()
        released.set()

    def decide(
        self, method: str, path: str, when: str, query: Mapping[str, str] | None = None
    ) -> Fault | None:
        with self._lock:
            for injection in self._injections:
                if injection.matches(method, path, when, query):
                    injection.times -= 1
                    i = injection
                    return Fault(i.kind, when, i.to, i.status, i.body)
            if self._random_applies(path):
                if when == "after":
                    return self._lost()
                return self._draw()
        return None

    def _lost(self) -> Fault | None:
        if self.lost_rate and self._rng.random() < self.lost_rate:
            return Fault("drop", "after")
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
