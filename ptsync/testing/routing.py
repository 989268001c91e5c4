"""Route declarations and the per-request context handlers receive.

A route states what PeerTube's middleware chain states: whether a token is required,
optional or ignored, which OpenAPI operation id feeds ``docs`` in error bodies, which file
fields multer accepts, and (``when``) on which releases the route exists at all. Handlers then
only express the endpoint's own logic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Request, Response

from ptsync.testing.bodies import Body
from ptsync.testing.memory import State
from ptsync.testing.problems import Problem
from ptsync.testing.profiles import Profile
from ptsync.testing.records import User

Handler = Callable[..., Response]
Availability = Callable[[Profile], bool]


@dataclass(frozen=True)
class Route:
    rule: str
    methods: tuple[str, ...]
    handler: Handler
    auth: str = "none"
    docs: str | None = None
    files: frozenset[str] = frozenset()
    locked: bool = True
    parse_body: bool = True
    when: Availability | None = None

    def exists_on(self, profile: Profile) -> bool:
        """Routes a release does not have answer like any unknown route (400, empty body)."""
        return self.when is None or self.when(profile)

    @property
    def endpoint(self) -> str:
        return f"{self.handler.__module__}.{self.handler.__name__}"


class Routes:
    """Collects routes with a decorator so each endpoint module declares its own."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def __call__(
        self,
        rule: str,
        *methods: str,
        auth: str = "none",
        docs: str | None = None,
        files: tuple[str, ...] = (),
        locked: bool = True,
        parse_body: bool = True,
        when: Availability | None = None,
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.routes.append(
                Route(
                    rule, methods, handler, auth, docs, frozenset(files), locked, parse_body, when
                )
            )
            return handler

        return register


@dataclass
class Ctx:
    request: Request
    state: State
    route: Route
    body: Body
    user: User | None = None

    @property
    def fields(self) -> dict[str, Any]:
        return self.body.fields

    @property
    def query(self) -> dict[str, Any]:
        return {k: v[0] if len(v) == 1 else v for k, v in self.request.args.lists()}

    @property
    def instance(self) -> str:
        """``req.originalUrl``: path plus the raw query string, as validation errors cite it."""
        query = self.request.query_string.decode("latin-1")
        return self.request.path + (f"?{query}" if query else "")

    @property
    def me(self) -> User:
        if self.user is None:
            raise Problem(401, "Token is invalid", code="unauthorized_request")
        return self.user
