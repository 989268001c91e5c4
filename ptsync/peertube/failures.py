"""What went wrong with a request that got no answer, in a few words instead of urllib3's.

requests wraps the real cause several layers deep (``ConnectionError(MaxRetryError(...,
reason=NewConnectionError(...)))`` around ``ConnectionRefusedError``); its text names pools,
object addresses and "Max retries exceeded" even when nothing was retried. ``classify`` walks
the chain for the cause and says it the way a user would look it up.
"""

from __future__ import annotations

import enum
import errno
import http.client
import socket
import ssl
from collections.abc import Iterator
from typing import TypeVar

import requests

# OpenSSL's reasons when the other side answered a TLS hello in plain HTTP
PLAIN_HTTP_REASONS = frozenset(
    {"WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "HTTP_REQUEST", "UNKNOWN_PROTOCOL"}
)
E = TypeVar("E", bound=BaseException)
NO_ROUTE = {
    errno.EHOSTUNREACH: "no route to host",
    errno.ENETUNREACH: "network unreachable",
    errno.EHOSTDOWN: "host is down",
}


class Failure(enum.Enum):
    UNREACHABLE = "unreachable"  # refused, unknown host, no route: nobody listens there
    CONNECT_TIMEOUT = "connect timeout"  # nothing answered the connection attempt
    TIMEOUT = "timeout"  # connected, but no answer in time
    PLAIN_HTTP = "plain http"  # https:// to a server speaking plain HTTP
    TLS_VERIFY = "tls verify"  # the certificate is not trusted
    TLS = "tls"  # any other handshake failure
    DROPPED = "dropped"  # connected, then the connection was reset or closed


def classify(exc: requests.RequestException) -> tuple[Failure, str]:
    """The kind of failure and a short, one-line detail."""
    causes = list(_causes(exc))
    tls = _first(causes, ssl.SSLError)
    if isinstance(tls, ssl.SSLCertVerificationError):
        return Failure.TLS_VERIFY, one_line(tls.verify_message or tls.reason or tls)
    if tls is not None:
        if tls.reason in PLAIN_HTTP_REASONS:
            return Failure.PLAIN_HTTP, str(tls.reason)
        return Failure.TLS, one_line(tls.reason or tls)
    if _first(causes, socket.gaierror) is not None:
        return Failure.UNREACHABLE, "unknown host"
    if _first(causes, ConnectionRefusedError) is not None:
        return Failure.UNREACHABLE, "connection refused"
    for cause in causes:
        if isinstance(cause, OSError) and cause.errno in NO_ROUTE:
            return Failure.UNREACHABLE, NO_ROUTE[cause.errno]
    if isinstance(exc, requests.ConnectTimeout):
        return Failure.CONNECT_TIMEOUT, "no answer to connect"
    if isinstance(exc, requests.Timeout):
        return Failure.TIMEOUT, "timed out"
    return Failure.DROPPED, _dropped(exc, causes)


def _dropped(exc: requests.RequestException, causes: list[BaseException]) -> str:
    if _first(causes, ConnectionResetError) is not None:
        return "connection reset by the server"
    if _first(causes, http.client.RemoteDisconnected) is not None:
        return "the server closed the connection without answering"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "the answer was cut off"
    if isinstance(exc, requests.ConnectionError):
        return f"connection failed ({one_line(causes[-1])})"
    return one_line(causes[-1])


def one_line(exc: BaseException | str) -> str:
    """The innermost message, one line, at most 160 characters."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and everything it wraps, outermost first (reason, args, cause, context)."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        inner = [getattr(current, "reason", None), *current.args]
        inner += [current.__cause__, current.__context__]
        todo += [e for e in inner if isinstance(e, BaseException)]


def _first(causes: list[BaseException], kind: type[E]) -> E | None:
    return next((c for c in causes if isinstance(c, kind)), None)
