"""Secrets out of everything ptsync shows: URLs lose their userinfo and secret query values.

A source URL, a webhook URL or an instance URL may carry a credential: ``user:password@``, a
signed query string (``X-Amz-Signature``, ``token=``, ``sig=``). The request itself needs it;
a plan, a log line, a report, a saved plan or an error message never does. Everything shown
goes through ``url`` (one URL) or ``text`` (free text that may quote URLs); the values are
replaced by ``REDACTED`` so the reader still sees that something was there.

``identity`` is the other side of the same knowledge: what names the resource once the
credentials are set aside. Signed URLs rotate (a new ``X-Amz-Signature`` and ``X-Amz-Date``
every run), so a source's marker hash and the matching of import rows use the identity, which
drops userinfo, secret query values and the signing scheme's own parameters.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "REDACTED"

# Query keys whose value is a credential or a signature (case-insensitive, whole key or a
# recognisable part of it): AWS/GCS/Azure signed URLs, OAuth, API keys, passwords, sessions.
_SECRET_KEY = re.compile(
    r"(^|[-_.])(token|access[-_]?token|refresh[-_]?token|api[-_]?key|apikey|key|secret|"
    r"password|passwd|pwd|pass|auth|authorization|credential|credentials|session|sessionid|"
    r"sig|signature|hmac|jwt|code)($|[-_.])"
    r"|^x-(amz|goog)-(signature|credential|security-token)$|^(se|sv|sp|sr|skoid|sktid)$"
    r"|^(x-amz-signature|x-goog-signature)$",
    re.IGNORECASE,
)
# Parameters of signing schemes that change with each signature without naming another
# resource (AWS/GCS SigV4, CloudFront, Azure SAS): not part of a URL's identity.
_SIGNING_KEY = re.compile(
    r"^x-(amz|goog)-[a-z0-9-]+$|^(expires|key-pair-id|policy|signature|st|spr|srt|ss)$",
    re.IGNORECASE,
)
_URL_IN_TEXT = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s<>\"'`]+")


def secret_key(name: str) -> bool:
    """A query parameter name whose value must never be shown."""
    return bool(_SECRET_KEY.search(name))


def url(value: str) -> str:
    """``value`` with its userinfo and secret query values replaced by ``REDACTED``;
    anything that does not parse as a URL comes back unchanged."""
    parts = _split(value)
    if parts is None:
        return value
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rsplit('@', 1)[1]}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(secret_key(k) for k, _ in pairs):
            query = urlencode(
                [(k, REDACTED if secret_key(k) else v) for k, v in pairs], safe="/:@,"
            )
    if netloc == parts.netloc and query == parts.query:
        return value
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def text(value: str) -> str:
    """Every URL inside ``value`` redacted (error messages, log lines)."""
    if "://" not in value:
        return value
    return _URL_IN_TEXT.sub(lambda m: url(m.group(0)), value)


def line(value: str, limit: int = 200) -> str:
    """One line of ``value`` (whitespace runs made one space), its URLs redacted, at most
    ``limit`` characters (an error message quoting what a server or a library said)."""
    flat = text(" ".join(value.split()))
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def has_secret(value: str) -> bool:
    """The URL carries something ``url`` would hide."""
    return url(value) != value


def identity(value: str) -> str:
    """``value`` without userinfo, secret query parameters and signing parameters: equal for
    two signatures of one resource. Unchanged (the very string) when there is nothing to drop,
    so a plain URL's identity is itself."""
    parts = _split(value)
    if parts is None:
        return value
    netloc = parts.netloc.rsplit("@", 1)[1] if "@" in parts.netloc else parts.netloc
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if not (secret_key(k) or _SIGNING_KEY.search(k))]
        if len(kept) != len(pairs):
            query = urlencode(kept, safe="/:@,")
    if netloc == parts.netloc and query == parts.query:
        return value
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _split(value: str) -> SplitResult | None:
    """The parts of a URL with a scheme and a host; None for anything else."""
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return None
    return parts if parts.scheme and host is not None else None
