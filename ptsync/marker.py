"""The ownership marker stored at the start of a managed video's description.

Why a comment on the first line: PeerTube renders descriptions with markdown-it (html_block on)
and sanitises with DOMPurify, which drops comments, so viewers never see it; list endpoints cut
descriptions to 250 characters, so only a marker at the *start* survives in list pages, which
lets one list request per 100 videos identify every managed video. The marker is written in the
same request that creates the video, so a crash right after a create cannot cause a duplicate.

Besides ``system/id`` the marker carries short "last applied" hashes of local files that the
server transforms (thumbnail, captions, source), kubectl's last-applied-annotation pattern::

    <!-- ptsync:nisv/123abc src=9f2c1a7b0e thumb=1a2b3c4d5e cap.en=77aa01bc3d -->

``pub=<epoch seconds>`` records a publication schedule ptsync set (``publishAt``), so that
removing ``publishAt`` cancels that schedule and never one a person set in the web UI.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

SYSTEM_PATTERN = r"[a-z0-9](?:[a-z0-9_.]|-(?!-)){0,31}"
ID_PATTERN = r"[A-Za-z0-9](?:[A-Za-z0-9_.:@+]|-(?!-)){0,99}"
_KEY = r"[a-z][a-z0-9_.-]{0,19}"
_VALUE = r"[A-Za-z0-9_.-]{1,64}"
_MARKER_RE = re.compile(
    rf"<!-- ptsync:(?P<system>{SYSTEM_PATTERN})/(?P<id>{ID_PATTERN})"
    rf"(?P<ann>(?: {_KEY}={_VALUE})*) -->"
)
HASH_LEN = 10
PUB_LEN = 10  # digits of an epoch-seconds ``pub=`` annotation (until the year 2286)


@dataclass(frozen=True)
class Marker:
    system: str
    external_id: str
    annotations: Mapping[str, str] = field(default_factory=dict)

    def render(self) -> str:
        ann = "".join(f" {k}={v}" for k, v in sorted(self.annotations.items()))
        return f"<!-- ptsync:{self.system}/{self.external_id}{ann} -->"

    def with_annotations(self, annotations: Mapping[str, str]) -> Marker:
        return Marker(self.system, self.external_id, dict(annotations))

    def __hash__(self) -> int:
        return hash((self.system, self.external_id, tuple(sorted(self.annotations.items()))))


@dataclass(frozen=True)
class ParsedDescription:
    """A live description split into the marker and the user's own text."""

    marker: Marker | None
    text: str | None
    at_start: bool  # False when a marker was found elsewhere (legacy or moved by hand)


def short_hash(data: bytes | str) -> str:
    """A short content hash for change detection (not security): 40 bits are plenty."""
    raw = data.encode() if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()[:HASH_LEN]


def parse_description(description: str | None) -> ParsedDescription:
    if not description:
        return ParsedDescription(None, None, False)
    match = _MARKER_RE.search(description)
    if match is None:
        return ParsedDescription(None, _clean(description), False)
    ann = dict(pair.split("=", 1) for pair in match.group("ann").split())
    marker = Marker(match.group("system"), match.group("id"), ann)
    rest = description[: match.start()] + description[match.end() :]
    return ParsedDescription(marker, _clean(rest), match.start() == 0)


def compose_description(marker: Marker, text: str | None) -> str:
    """The marker on the first line, a blank line, then the user's text."""
    body = _clean(text)
    return marker.render() if not body else f"{marker.render()}\n\n{body}"


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    cleaned = text.replace("\r\n", "\n").strip()
    return cleaned or None
