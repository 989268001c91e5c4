"""Credentials of a private import source, from the environment, put into the URL PeerTube gets.

``source: {url: https://archive.example.org/x.mp4, credentials: {env: ARCHIVE_CREDENTIALS}}``:
the variable holds either ``user:password`` (HTTP basic authentication, sent as the URL's
userinfo: ``https://user:password@archive.example.org/x.mp4``) or a query string starting with
``?`` (``?token=abc`` or a signature, appended to the URL's own query). PeerTube fetches the
URL itself, so the credentials have to be in the ``targetUrl`` of the import request, and only
there: plans, plan files, reports, logs and status show the manifest's URL (``ptsync.redact``
hides whatever credentials it carries itself), and the value is read again when the request is
made. PeerTube lists the ``targetUrl`` it was given in its import rows; ptsync compares rows by
the URL's identity (``redact.identity``), never shows them, and never copies the value
anywhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote, urlsplit, urlunsplit

from ptsync.errors import CredentialsProblem

FORMS = "user:password, or a query string starting with '?'"


def problem(env: Mapping[str, str], name: str) -> str | None:
    """Why ``$name`` cannot be used (worded without its value), or None."""
    value = env.get(name)
    if value is None:
        return f"environment variable {name} is not set (it holds the source's {FORMS})"
    if "\n" in value or "\r" in value or not value.strip():
        return f"${name} is empty or holds line breaks; it must be {FORMS}"
    if value.startswith("?"):
        return None if len(value) > 1 and "#" not in value else f"${name}: an empty query string"
    user, colon, _ = value.partition(":")
    if not colon or not user:
        return f"${name} must be {FORMS}"
    return None


def read(env: Mapping[str, str], name: str) -> str:
    found = problem(env, name)
    if found is not None:
        raise CredentialsProblem(found)
    return env[name]


def request_url(url: str, value: str) -> str:
    """``url`` carrying the credentials ``value`` (already checked by ``problem``)."""
    parts = urlsplit(url)
    if value.startswith("?"):
        query = f"{parts.query}&{value[1:]}" if parts.query else value[1:]
        return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
    user, _, password = value.partition(":")
    host = parts.netloc.rsplit("@", 1)[-1]
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
