"""Where requests may go: the transport rule, the instance's root, what "same origin" means.

A URL is accepted when it is https, or http to a loopback host, or http with
``--insecure-http`` (credentials and the documents ptsync sends would otherwise cross the
network unencrypted). The instance URL carries no credentials. Two URLs are the same origin
when scheme, host and port agree: only there does the instance's token go.
"""

from __future__ import annotations

import logging
from urllib.parse import SplitResult, urljoin, urlsplit

from ptsync import redact
from ptsync.errors import ConfigError
from ptsync.peertube.failures import loopback

log = logging.getLogger("ptsync.http")
API_SUFFIX = "/api/v1"  # URLs copied from the API docs: the instance root is meant
MAX_HOPS = 5  # redirects followed in a row (within the instance, or by a download)


def check_transport(base_url: str, insecure_http: bool) -> str:
    """https, or http to a loopback host, or http with --insecure-http; else ConfigError."""
    try:
        parts = urlsplit(base_url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname) and _port_ok(parts)
    except ValueError:  # an unclosed [IPv6 bracket
        valid = False
    if not valid:
        raise ConfigError(f"{redact.url(base_url)!r} is not an http(s) URL")
    host = parts.hostname or ""
    if parts.scheme == "http" and not insecure_http and not loopback(host):
        raise ConfigError(
            f"refusing plain http to {host}: credentials would cross the network "
            "unencrypted. Use https, or pass --insecure-http if you really mean it"
        )
    return base_url.rstrip("/")


def check_instance_url(base_url: str, insecure_http: bool) -> str:
    """``check_transport``, and no credentials in the URL: PeerTube's API never reads them
    (a misleading 401 would follow), and they would end up in logs and caches."""
    url = check_transport(base_url, insecure_http)
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        raise ConfigError(
            f"the instance URL {redact.url(url)} carries credentials (user:password@); "
            "remove them and set PEERTUBE_USERNAME and PEERTUBE_PASSWORD (or PEERTUBE_TOKEN)"
        )
    return url


def instance_root(url: str) -> str:
    """The instance URL without a trailing ``/api/v1`` (copied from the API docs)."""
    root = url.rstrip("/")
    if root.endswith(API_SUFFIX):
        root = root.removesuffix(API_SUFFIX).rstrip("/")
        log.info("%s: using the instance root %s (ptsync adds /api/v1 itself)", url, root)
    return root


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port filled in: what "same origin" means."""
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        port = parts.port or {"http": 80, "https": 443}.get(scheme)
    except ValueError:  # a port that is not one: no origin ptsync talks to
        return "", "", -1
    return scheme, (parts.hostname or "").lower(), port


def _port_ok(parts: SplitResult) -> bool:
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError:
        return False
    return True


def resolve(base: str, location: str) -> str:
    """A redirect's ``Location`` against the URL it answered; as given when it does not parse
    (then no origin matches it and no transport rule accepts it)."""
    try:
        return urljoin(base, location)
    except ValueError:
        return location
