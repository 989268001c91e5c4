"""Reading an answer: its JSON, or the typed error it stands for, in one short line.

Error bodies come from PeerTube (RFC 7807-like JSON) or from whatever stands in front of it: a
proxy's HTML page, plain text. Only the status, PeerTube's title and detail, or a page's
``<title>`` reach a message, never the page itself, and never more than a line.
"""

from __future__ import annotations

import html
import re
from typing import Any

from ptsync.errors import (
    AuthenticationError,
    BadResponse,
    ErrorBody,
    PeerTubeError,
    error_class_for_status,
)
from ptsync.peertube.ratelimit import reset_delay
from ptsync.peertube.sender import Answer

TOKEN_PATH = "/api/v1/users/token"
MAX_SHOWN = 200  # characters of a server's text that a message quotes
_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_HTML = re.compile(r"<\s*(!doctype|html|head|body|title)\b", re.IGNORECASE)


def decode(answer: Answer, method: str, path: str) -> Any:
    """The body as JSON, or BadResponse naming the endpoint (proxy pages, truncated bodies)."""
    if answer.status == 204 or not answer.body:
        return None
    try:
        return answer.json()
    except ValueError:
        kind = answer.content_type or "no content type"
        raise BadResponse(method, endpoint(path), f"not JSON ({kind}): {snippet(answer)}") from None


def error_for_answer(method: str, path: str, answer: Answer) -> PeerTubeError:
    """The typed error for an answer of 400 or more, its text cut to one short line."""
    try:
        body: Any = answer.json()
    except ValueError:
        body = text_summary(answer)
    info = ErrorBody.from_json(answer.status, body)
    info.title = _short(info.title)
    info.detail = _short(info.detail)
    cls = error_class_for_status(answer.status, info.code)
    if cls is AuthenticationError and path.endswith(TOKEN_PATH):
        info.detail = info.detail or "login refused"
    return cls(method, endpoint(path), info)


def text_summary(answer: Answer) -> str:
    """A non-JSON body in a few words: an HTML page by its ``<title>``, text by its start."""
    text = answer.text
    if _HTML.search(text[:4096]):
        found = _TITLE.search(text[:65536])
        title = " ".join(html.unescape(found.group(1)).split()) if found else ""
        title = title.removeprefix(str(answer.status)).strip(" -:")
        return f"{_short(title)} (an HTML page)" if title else "an HTML page"
    return _short(text) or ""


def snippet(answer: Answer) -> str:
    """The start of a body that should have been JSON, quoted."""
    return repr(text_summary(answer)[:80])


def retry_after(answer: Answer, now: float | None = None) -> float:
    """Seconds a 429 asks to wait (``Retry-After``, else the window's reset), bounded;
    ``now``: the local epoch time."""
    headers = answer.headers
    for name in ("Retry-After", "RateLimit-Reset"):
        value = headers.get(name)
        if value is not None:
            try:
                return max(0.0, min(float(value), 3600.0)) + 0.05
            except ValueError:
                continue
    try:
        reset = float(headers.get("X-RateLimit-Reset", ""))
    except ValueError:
        return 1.0
    return (reset_delay(reset, now=now) or 1.0) + 0.05


def endpoint(path: str) -> str:
    return path.split("?")[0]


def _short(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    text = " ".join(value.split())
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."
