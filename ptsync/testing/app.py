"""The WSGI application: PeerTube's middleware order around the endpoint handlers.

Order per request, as on a real instance behind a flaky proxy:
1. fault injector and latency (``/api`` only), before anything reaches "PeerTube";
2. routing (an unknown ``/api/v1`` route is a bare 400, like PeerTube's ``badRequest``);
3. body parsing (a too-large JSON body is 413 before any rate limiter sees it);
4. rate limiters (API window per IP, plus the login window on ``/users/token``);
5. authentication, multer's file-field check, an armed serialisation failure (``contention``),
   then the handler under the instance lock, then the real server's time over it
   (``service``: none unless set);
6. ``when="after"`` faults, which replace an answer already computed (or hold it back: a hang);
7. the request log and the ``x-powered-by`` header.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import socket
from collections.abc import Mapping
from typing import Any, NoReturn

from werkzeug.exceptions import ClientDisconnected, HTTPException, RequestEntityTooLarge
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from ptsync.testing import (
    auth,
    captions,
    channels,
    chapters,
    elements,
    hostile,
    import_job,
    imports,
    instance,
    playlists,
    profiles,
    resumable,
    scheduling,
    service,
    syncs,
    uploads,
    videos,
)
from ptsync.testing.bodies import Body, BodySyntax, BodyTooLarge, parse
from ptsync.testing.contention import Contention, is_video_update
from ptsync.testing.faults import Fault, FaultInjector, status_response
from ptsync.testing.memory import State
from ptsync.testing.problems import JSON_TYPE, Problem, problem_response
from ptsync.testing.ratelimit import FixedWindow, too_many_requests
from ptsync.testing.requestlog import RequestLog, RequestRecord
from ptsync.testing.routing import Ctx, Route

LOGGER = logging.getLogger("ptsync.testing")
MODULES = (
    auth,
    instance,
    videos,
    uploads,
    resumable,
    imports,
    captions,
    chapters,
    channels,
    playlists,
    elements,
    syncs,
)
LIMITED_PREFIXES = frozenset(
    {
        "abuses",
        "accounts",
        "blocklist",
        "bulk",
        "config",
        "custom-pages",
        "jobs",
        "oauth-clients",
        "overviews",
        "plugins",
        "search",
        "server",
        "users",
        "video-channel-syncs",
        "video-channels",
        "video-playlists",
        "videos",
    }
)
TOKEN_PATH = "/api/v1/users/token"
HOSTILE = frozenset({"hang", "redirect", "endless", "huge", "malformed"})


class Dropped(Exception):
    """Close the connection without answering."""


class Hung(Exception):
    """Never answer: hold the request, then close the connection without an answer."""


class App:
    def __init__(
        self,
        state: State,
        faults: FaultInjector,
        log: RequestLog,
        rate_limit: tuple[int, float] | None,
        login_rate_limit: tuple[int, float] | None,
    ) -> None:
        self.state = state
        self.clock = state.clock.source  # latency, slow answers, request times
        self.faults = faults
        self.log = log
        self.routing = _routing(state.profile.name)  # (routes, map): swapped as one
        self.api_limiter = FixedWindow(*rate_limit) if rate_limit else None
        self.login_limiter = FixedWindow(*login_rate_limit) if login_rate_limit else None
        self.contention = Contention()
        self.service_time = service.NONE  # per kind of request, after its handler

    def switch_profile(self, profile: profiles.Profile) -> None:
        """The routes of another release (``FakePeerTube.upgrade``)."""
        self.routing = _routing(profile.name)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        with self.clock.busy():  # a FakeClock does not move while the fake works
            request = Request(environ)
            started = self.clock.time()
            username = self._username(request)
            tracked = username if is_video_update(request.method, request.path) else None
            if tracked is not None:
                self.contention.enter(tracked)
            try:
                return self._serve(request, username, started)(environ, start_response)
            finally:
                if tracked is not None:
                    self.contention.leave(tracked)

    def _serve(self, request: Request, username: str | None, started: float) -> Response:
        try:
            response, fault = self._answer(request)
        except Dropped:
            self._drop(request, username, started, "drop")
        except Hung:
            self._record(request, 0, username, started, "hang")  # logged as it arrives
            with self.clock.idle():  # held by the test, not by time
                self.faults.hold()
            _close(request.environ)
            raise ConnectionAbortedError("hung request let go without an answer") from None
        except ConnectionAbortedError:
            self._drop(request, username, started, None)
        except Exception as exc:
            LOGGER.exception("fake PeerTube failed: %s %s", request.method, request.path)
            response, fault = self._problem(Problem(500, str(exc), code=type(exc).__name__)), None
        response.headers["x-powered-by"] = "PeerTube"
        self._record(request, response.status_code, username, started, fault)
        return response

    def _drop(
        self, request: Request, username: str | None, started: float, fault: str | None
    ) -> NoReturn:
        """Log, shut the socket and let werkzeug treat the request as a dropped connection."""
        self._record(request, 0, username, started, fault)
        _close(request.environ)
        raise ConnectionAbortedError("connection dropped without an answer")

    def _username(self, request: Request) -> str | None:
        with self.state.lock:
            user = auth.user_for(self.state, request)
        return user.username if user else None

    def _record(
        self, request: Request, status: int, user: str | None, started: float, fault: str | None
    ) -> None:
        query = {k: v[0] if len(v) == 1 else v for k, v in request.args.lists()}
        self.log.add(
            RequestRecord(
                request.method,
                request.path,
                query,
                status,
                user,
                started,
                fault,
                self.clock.time(),
            )
        )

    def _answer(self, request: Request) -> tuple[Response, str | None]:
        if self.faults.closing.is_set():  # stopped: a kept-alive connection gets no answer
            raise Dropped()
        if not request.path.startswith("/api/"):
            return self.dispatch(request), None
        query = request.args.to_dict()
        fault = self.faults.decide(request.method, request.path, "before", query)
        if self.faults.latency:
            with self.clock.parked():  # time passing for the request: it holds nothing back
                self.clock.sleep(self.faults.latency)
        if fault is not None:
            return self._apply(fault, request, None), fault.label
        response = self.dispatch(request)
        fault = self.faults.decide(request.method, request.path, "after", query)
        if fault is not None:
            return self._apply(fault, request, response), fault.label
        return response, None

    def _apply(self, fault: Fault, request: Request, done: Response | None) -> Response:
        if fault.kind == "drop":
            raise Dropped()
        if fault.kind == "slow":
            # not parked: on a FakeClock the client waits (its own timeout, in real time) as
            # for an answer that does not come, then time moves on its retries and pauses
            self.clock.sleep(self.faults.slow_seconds)
            return done if done is not None else self.dispatch(request)
        if fault.kind in HOSTILE:
            return self._hostile(fault, request, done)
        status = 429 if fault.kind == "429" else int(fault.kind)
        return status_response(status, self.faults.retry_after, self.state.profile.error_key)

    def _hostile(self, fault: Fault, request: Request, done: Response | None) -> Response:
        closing = self.faults.closing
        if fault.kind == "hang":
            raise Hung()
        if fault.kind == "redirect":
            return hostile.redirect(fault, request)
        if fault.kind == "endless":
            return hostile.endless(fault, closing)
        if fault.kind == "huge":
            return hostile.huge(self.faults.huge_bytes, closing)
        return hostile.malformed(fault, done)

    # --- PeerTube -----------------------------------------------------------------------

    def dispatch(self, request: Request) -> Response:
        routes, rules = self.routing
        adapter = rules.bind_to_environ(request.environ)
        try:
            index, args = adapter.match()
        except HTTPException:
            return self._unrouted(request)
        route = routes[index]
        try:
            body = parse(request, route.files) if route.parse_body else Body(None)
        except (BodyTooLarge, RequestEntityTooLarge):
            return self._problem(
                Problem(413, "request entity too large", code="PayloadTooLargeError")
            )
        except BodySyntax as exc:
            return self._problem(Problem(400, str(exc), code="SyntaxError"))
        except ClientDisconnected:
            raise ConnectionAbortedError("client went away while sending the body") from None
        headers, refused = self._limit(request)
        if refused is not None:
            return refused
        response = self._run(Ctx(request, self.state, route, body), args)
        response.headers.update(headers)
        self._take_time(request)
        return response

    def _take_time(self, request: Request) -> None:
        """The real server's time over this request (``service``), after the handler and
        outside the instance lock: requests in flight overlap."""
        seconds = self.service_time.seconds(request.method, request.path)
        if seconds > 0:
            with self.clock.parked():  # time passing for the request: it holds nothing back
                self.clock.sleep(seconds)

    def _unrouted(self, request: Request) -> Response:
        parts = request.path.split("/")
        if request.path.startswith("/api/v1/") and len(parts) > 3:
            headers: dict[str, str] = {}
            if parts[3] in LIMITED_PREFIXES:
                headers, refused = self._limit(request)
                if refused is not None:
                    return refused
            response = Response(b"", status=400, content_type=JSON_TYPE)
            response.headers.update(headers)
            return response
        return Response(b"Not Found", status=404, content_type="text/html; charset=utf-8")

    def _limit(self, request: Request) -> tuple[dict[str, str], Response | None]:
        now = self.clock.time()
        client = request.remote_addr or "unknown"
        headers: dict[str, str] = {}
        limiters = [self.api_limiter]
        if request.path == TOKEN_PATH and request.method == "POST":
            limiters.append(self.login_limiter)
        for limiter in limiters:
            if limiter is None:
                continue
            hit = limiter.hit(client, now)
            headers = hit.headers(now)
            if hit.exceeded and not self._bypasses(request):
                return headers, too_many_requests(headers)
        return headers, None

    def _bypasses(self, request: Request) -> bool:
        with self.state.lock:
            user = auth.user_for(self.state, request)
        return user is not None and user.is_staff

    def _run(self, ctx: Ctx, args: Mapping[str, Any]) -> Response:
        route, state = ctx.route, self.state
        try:
            if route.locked:
                with state.lock:
                    self._prepare(ctx)
                    return route.handler(ctx, **args)
            with state.lock:
                self._prepare(ctx)
            return route.handler(ctx, **args)
        except Problem as problem:
            return self._problem(problem, route.docs)
        except ConnectionAbortedError:
            raise
        except Exception as exc:
            LOGGER.exception("fake PeerTube handler crashed: %s %s", ctx.request.method, route.rule)
            return self._problem(Problem(500, str(exc), code=type(exc).__name__), route.docs)

    def _problem(self, problem: Problem, docs: str | None = None) -> Response:
        return problem_response(problem, docs, error_key=self.state.profile.error_key)

    def _prepare(self, ctx: Ctx) -> None:
        import_job.advance(self.state)
        scheduling.advance(self.state)
        ctx.user = auth.authenticate(self.state, ctx.request, ctx.route.auth)
        if ctx.body.unexpected_file:
            raise Problem(500, "Unexpected field", code="MulterError")
        if ctx.user is not None and is_video_update(ctx.request.method, ctx.request.path):
            self.contention.check(ctx.user.username)


@functools.cache
def _routing(profile_name: str) -> tuple[tuple[Route, ...], Map]:
    """The release's routes and their compiled map; compiling costs ~70 ms, so once per release."""
    profile = profiles.profile(profile_name)
    routes = tuple(
        route for module in MODULES for route in module.routes.routes if route.exists_on(profile)
    )
    rules = [Rule(r.rule, methods=r.methods, endpoint=i) for i, r in enumerate(routes)]
    return routes, Map(rules, strict_slashes=False)


def _close(environ: dict[str, Any]) -> None:
    connection = environ.get("werkzeug.socket")
    if connection is None:
        return
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)
