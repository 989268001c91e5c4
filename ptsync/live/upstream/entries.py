"""The values a listing produces: upstream entries with ids that fit ptsync's id rules.

An entry's ``external_id`` is what the manifest and the marker call the video; its
``import_url`` is the exact string ptsync sends to ``POST /videos/imports`` (the string yt-dlp
returns, which is also what PeerTube's own channel sync would import, so the server's exact
``targetUrl`` comparison treats both as the same video); ``match_urls`` are the spellings of the
same video a person or an older sync may have imported, for exact ``targetUrl`` look-ups.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass

from ptsync.live.upstream.problems import EntryProblem
from ptsync.marker import ID_PATTERN
from ptsync.state import UpstreamEntry  # the value lives with the rest of the live state

__all__ = ["ID_MAX", "Listing", "UpstreamEntry", "external_id"]

ID_MAX = 100
_ID = re.compile(ID_PATTERN)
_OUTSIDE = re.compile(r"[^A-Za-z0-9_.:@+-]+")
_DASHES = re.compile(r"-{2,}")
HASH_CHARS = 10  # base32 characters of sha256: 50 bits, collisions out of reach per mirror


@dataclass(frozen=True)
class Listing:
    """What one upstream URL lists now (``entries`` in the source's order)."""

    url: str
    entries: tuple[UpstreamEntry, ...]
    problems: tuple[EntryProblem, ...] = ()
    from_cache: bool = False


def external_id(namespace: str, raw: str) -> str:
    """``namespace:raw`` when it fits ptsync's id pattern (``ptsync.marker.ID_PATTERN``, at
    most 100 characters), else a readable, stable stand-in.

    The stand-in: every run of characters outside ``A-Za-z0-9 _ . : @ + -`` becomes ``_``, a run
    of dashes one dash (``--`` would end the HTML comment the marker lives in), cut to leave
    room, then ``+`` and 10 base32 characters of the SHA-256 of ``raw``. The hash keeps two
    guids that clean up alike (``a/b``, ``a?b``) apart; the same guid always maps the same way.
    """
    candidate = f"{namespace}:{raw}"
    if len(candidate) <= ID_MAX and _ID.fullmatch(candidate):
        return candidate
    digest = base64.b32encode(hashlib.sha256(raw.encode()).digest()).decode().lower()
    suffix = "+" + digest[:HASH_CHARS]
    cleaned = _DASHES.sub("-", _OUTSIDE.sub("_", candidate))
    return cleaned[: ID_MAX - len(suffix)] + suffix
