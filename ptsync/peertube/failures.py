"""A request that got no answer: the typed error, in a few words instead of urllib3's.

requests wraps the real cause several layers deep (``ConnectionError(MaxRetryError(...,
reason=NewConnectionError(...)))`` around ``ConnectionRefusedError``); its text names pools,
object addresses and "Max retries exceeded" even when nothing was retried. ``classify`` walks
the chain for the cause; ``error_for`` says it the way a user would look it up, as the error
the caller acts on: ``ServerUnreachable`` (stop), ``TimedOut`` (the server may still act),
``ConfigError`` (a wrong URL or TLS setup), ``TransportError`` (dropped: retry).
"""

from __future__ import annotations

import enum
import errno
import http.client
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

import requests
from urllib3.exceptions import ReadTimeoutError

from ptsync.errors import (
    ConfigError,
    PtsyncError,
    ServerUnreachable,
    TimedOut,
    TransportError,
    Unreachable,
)

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


@dataclass(frozen=True)
class Attempt:
    """The request that failed, as the transport knows it."""

    method: str
    endpoint: str  # the path without its query
    url: str
    timeout: tuple[float, float]  # connect, read
    first_contact: bool  # the instance has not answered once in this run

    @property
    def origin(self) -> str:
        parts = urlsplit(self.url)
        return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def error_for(exc: requests.RequestException, attempt: Attempt) -> PtsyncError:
    """The error to raise for ``exc``: one line, naming what to fix where there is one."""
    failure, detail = classify(exc)
    method, endpoint = attempt.method, attempt.endpoint
    if failure in (Failure.PLAIN_HTTP, Failure.TLS_VERIFY, Failure.TLS):
        return _tls_error(failure, detail, attempt)
    if failure is Failure.TIMEOUT:
        return TimedOut(method, endpoint, attempt.timeout[1])
    if failure is Failure.DROPPED:
        return TransportError(method, endpoint, detail)
    problem = _unreachable(failure, detail, attempt)
    if attempt.first_contact:  # a wrong URL or a server that is down: no point retrying
        return ServerUnreachable(method, endpoint, problem, first_contact=True)
    return Unreachable(method, endpoint, problem)


def _tls_error(failure: Failure, detail: str, attempt: Attempt) -> ConfigError:
    where = f"{attempt.method} {attempt.endpoint}"
    if failure is Failure.PLAIN_HTTP:
        parts = urlsplit(attempt.url)
        hint = "" if loopback(parts.hostname or "") else " with --insecure-http"
        plain = f"http://{parts.netloc}"
        return ConfigError(f"{attempt.origin} speaks plain HTTP, not HTTPS: use {plain}{hint}")
    if failure is Failure.TLS_VERIFY:
        return ConfigError(
            f"{where}: TLS certificate verification failed ({detail}); "
            "for a private CA set REQUESTS_CA_BUNDLE"
        )
    return ConfigError(f"{where}: TLS handshake with {attempt.origin} failed ({detail})")


def _unreachable(failure: Failure, detail: str, attempt: Attempt) -> str:
    if detail == "unknown host":
        host = urlsplit(attempt.url).hostname
        return f"cannot resolve host {host} (instance URL {attempt.origin})"
    if failure is Failure.CONNECT_TIMEOUT:
        return (
            f"cannot reach {attempt.origin}: no answer to connect within {attempt.timeout[0]:g} s"
        )
    return f"cannot reach {attempt.origin}: {detail}"


def loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
    if isinstance(exc, requests.Timeout) or _first(causes, ReadTimeoutError) is not None:
        return Failure.TIMEOUT, "timed out"  # also while reading the body (a silent stream)
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
