"""What can go wrong listing an upstream, as typed one-line problems naming the (redacted) URL.

Two levels, because step 2 plans a mirror from whatever could be listed:

- ``UpstreamError`` (raised): the source as a whole cannot be listed (unsupported, unreachable,
  needs sign-in, a feed without guids, a broken answer). Nothing is known about its entries, so
  a plan must not treat them as gone upstream.
- ``EntryProblem`` (returned in ``Listing.problems``): one entry is skipped (private, removed,
  no stable id, not a video); the other entries are listed.

``MissingExtra`` is a configuration problem of the installation (yt-dlp not installed).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ptsync import redact
from ptsync.errors import ConfigError, PtsyncError

EXTRA = "mirrors"


def _line(text: str, limit: int = 200) -> str:
    """One line, secrets in quoted URLs hidden, at most ``limit`` characters."""
    flat = redact.text(" ".join(text.split()))
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


class UpstreamFailure(StrEnum):
    UNSUPPORTED = "unsupported"  # no extractor (and not a feed) understands the URL
    UNREACHABLE = "unreachable"  # no answer, or an HTTP error answer
    NEEDS_SIGN_IN = "needs sign-in"  # the platform wants cookies or a login
    NO_GUIDS = "no guids"  # a feed whose items carry no guid: no stable identity
    FAILED = "failed"  # the platform answered something the extractor could not read


class UpstreamError(PtsyncError):
    """The source ``url`` could not be listed; ``str()`` is one line naming it (redacted)."""

    def __init__(self, kind: UpstreamFailure, url: str, detail: str):
        self.kind = kind
        self.url = redact.url(url)
        self.detail = _line(detail)
        super().__init__(f"{self.url}: {kind.value}: {self.detail}")


class MissingExtra(ConfigError):
    """yt-dlp is an optional dependency: one line saying which extra brings it."""

    def __init__(self, url: str):
        self.url = redact.url(url)
        super().__init__(
            f"{self.url}: listing this source needs yt-dlp, which is not installed: "
            f"pip install 'ptsync[{EXTRA}]'"
        )


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
        tail = f" ({_line(self.detail)})" if self.detail else ""
        return f"{redact.url(self.source)}: entry {_line(self.entry)}: {self.kind.value}{tail}"
