"""What can go wrong listing an upstream, as typed one-line problems naming the (redacted) URL.

Two levels, because a plan is made from whatever could be listed (``ptsync.plan.mirrors``):

- ``UpstreamError`` (raised): the source as a whole cannot be listed (unsupported, unreachable,
  needs sign-in, a feed without guids, a broken answer). Nothing is known about its entries, so
  a plan must not treat them as gone upstream.
- ``EntryProblem`` (returned in ``Listing.problems``): one entry is skipped (private, removed,
  no stable id, not a video); the other entries are listed.

``MissingExtra`` is a configuration problem of the installation (yt-dlp not installed). The
two errors live with every other in ``ptsync.errors``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ptsync import redact


class EntryProblemKind(StrEnum):
    PRIVATE = "private"  # listed, but only its owner (or a signed-in member) may see it
    REMOVED = "removed"  # a placeholder for a deleted or unavailable video
    NO_GUID = "no guid"  # a feed item without guid: its id would not be stable
    NO_ID = "no stable id"  # an entry yt-dlp names by position or not at all
    NOT_A_VIDEO = "not a video"  # a nested playlist or channel beyond the depth ptsync lists


@dataclass(frozen=True)
class EntryProblem:
    """One skipped entry of the listing of ``source`` (both redacted when shown)."""

    kind: EntryProblemKind
    source: str
    entry: str  # the entry's URL, else its title, else its position
    detail: str = ""

    def __str__(self) -> str:
        tail = f" ({redact.line(self.detail)})" if self.detail else ""
        entry = redact.line(self.entry)
        return f"{redact.url(self.source)}: entry {entry}: {self.kind.value}{tail}"
