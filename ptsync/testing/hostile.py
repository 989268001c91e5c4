"""Answers of a hostile or broken server, for the fault kinds of ``ptsync.testing.faults``.

A redirect to another origin (where a careless client would send its credentials), a body that
never ends, a huge one with an honest Content-Length, and a malformed answer to a request the
server may well have carried out. Bodies are generated while they are sent, so the fake itself
never holds them in memory; a stream stops when the client hangs up or the fake stops.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from werkzeug.wrappers import Request, Response

from ptsync.testing.faults import Fault
from ptsync.testing.problems import JSON_TYPE

BLOCK = 64 * 1024
_ITEM = b'{"id": 1, "name": "endless"},'


def redirect(fault: Fault, request: Request) -> Response:
    """``Location``: ``fault.to`` as given, or with the request's path and query appended when
    it names only an origin (a "moved instance" redirect keeps the path)."""
    assert fault.to is not None
    target = fault.to
    if _origin_only(target):
        query = request.query_string.decode()
        target = target.rstrip("/") + request.path + (f"?{query}" if query else "")
    response = _RawLocation(b"", status=fault.status or 307)
    response.headers["Location"] = target
    return response


class _RawLocation(Response):
    """Sends ``Location`` exactly as given: werkzeug would normalise it, and fail on a broken
    one (a port out of range), which a hostile server sends all the same."""

    def get_wsgi_headers(self, environ: Any) -> Any:
        location = self.headers.pop("Location", None)
        headers = super().get_wsgi_headers(environ)
        if location is not None:
            headers["Location"] = location
        return headers


def _origin_only(url: str) -> bool:
    try:
        return urlsplit(url).path in ("", "/")
    except ValueError:  # a broken Location on purpose: sent as given
        return False


def endless(fault: Fault, stopped: threading.Event) -> Response:
    """``application/json`` (200 unless ``fault.status``) that opens a list and never closes
    it (chunked, no length)."""

    def stream() -> Iterator[bytes]:
        yield b'{"total": 1, "data": ['
        block = _ITEM * (BLOCK // len(_ITEM))
        while not stopped.is_set():
            yield block

    status = fault.status or 200
    return Response(stream(), status=status, content_type=JSON_TYPE, direct_passthrough=True)


def huge(size: int, stopped: threading.Event) -> Response:
    """200 with a valid JSON page of ``size`` bytes (padding in one string), Content-Length set."""
    head, tail = b'{"total": 0, "data": [], "padding": "', b'"}'
    padding = max(0, size - len(head) - len(tail))

    def stream() -> Iterator[bytes]:
        yield head
        left = padding
        block = b"x" * BLOCK
        while left > 0 and not stopped.is_set():
            yield block[: min(BLOCK, left)]
            left -= BLOCK
        yield tail

    response = Response(stream(), status=200, content_type=JSON_TYPE, direct_passthrough=True)
    response.headers["Content-Length"] = str(len(head) + padding + len(tail))
    return response


def malformed(fault: Fault, done: Response | None) -> Response:
    """``fault.body`` (default ``{}``) as JSON, with the real answer's status when it was a
    success (the server did the work), else 200."""
    status = done.status_code if done is not None and done.status_code < 400 else 200
    body: Any = {} if fault.body is None else fault.body
    return Response(json.dumps(body), status=status, content_type=JSON_TYPE)
