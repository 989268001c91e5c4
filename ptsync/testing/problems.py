"""PeerTube's error bodies and JSON responses, byte-compatible with what the recordings show.

PeerTube answers errors through ``res.fail()``: an RFC 7807 ``ProblemDocument`` whose key order
is type, title (only for ``about:blank``), detail, instance, status, then extensions (extra data
such as ``invalid-params`` or ``targetUrl``, ``docs``, ``code``, and on 6.x ``error`` repeating
the message for old clients; 7.x dropped it). Clients parse these bodies, so the fake keeps them
exact.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from werkzeug.wrappers import Response

JSON_TYPE = "application/json; charset=utf-8"
PROBLEM_TYPE = "application/problem+json; charset=utf-8"
ERRORS_URL = "https://docs.joinpeertube.org/api-rest-reference.html#section/Errors/"
DOCS_URL = "https://docs.joinpeertube.org/api-rest-reference.html#operation/"


class Problem(Exception):
    """Raised by handlers; the app turns it into the problem+json answer PeerTube would give."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        instance: str | None = None,
        data: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.instance = instance
        self.data = data or {}
        self.headers = headers or {}


def bad_request(message: str, **data: Any) -> Problem:
    return Problem(400, message, data=data)


def forbidden(message: str) -> Problem:
    return Problem(403, message)


def not_found(message: str) -> Problem:
    return Problem(404, message)


def conflict(message: str) -> Problem:
    return Problem(409, message)


def problem_body(problem: Problem, docs: str | None, *, error_key: bool = True) -> dict[str, Any]:
    """The body ``res.fail()`` builds; ``error_key`` is 6.x's copy of the message (gone in 7.x)."""
    body: dict[str, Any] = {}
    if problem.code:
        body["type"] = ERRORS_URL + problem.code
    else:
        body["type"] = "about:blank"
        body["title"] = _phrase(problem.status)
    body["detail"] = problem.message
    if problem.instance is not None:
        body["instance"] = problem.instance
    body["status"] = problem.status
    body.update(problem.data)
    if docs:
        body["docs"] = DOCS_URL + docs
    if problem.code:
        body["code"] = problem.code
    if error_key:
        body["error"] = problem.message
    return body


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def dumps(payload: Any) -> bytes:
    """Compact JSON like Express's ``res.json`` (no spaces, UTF-8, NaN impossible)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def json_response(payload: Any, status: int = 200) -> Response:
    return Response(dumps(payload), status=status, content_type=JSON_TYPE)


def problem_response(
    problem: Problem, docs: str | None = None, *, error_key: bool = True
) -> Response:
    body = dumps(problem_body(problem, docs, error_key=error_key))
    response = Response(body, status=problem.status, content_type=PROBLEM_TYPE)
    response.headers.update(problem.headers)
    return response


def no_content(*, json_type: bool = True) -> Response:
    """204 as PeerTube sends it; most controllers call ``res.type('json')`` first."""
    response = Response(status=204)
    if json_type:
        response.headers["Content-Type"] = JSON_TYPE
    else:
        del response.headers["Content-Type"]
    return response
