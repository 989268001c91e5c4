"""What differs between the PeerTube versions in use, in one table, chosen by ``serverVersion``.

Behaviour is picked from the version the server announces in ``GET /api/v1/config`` (read on
every run: a server upgraded since the last run is met with its new behaviour, whatever the
caches hold), never by probing a route: an unknown route answers 400 with an empty body on
every version, which looks like a refusal. Each row is backed by recordings in
``../shared/peertube/`` (6.3.0, 7.3.0, 8.0.1, an 8.2.1 build) or by the changelog facts there
("After 8.0"); every column is read by the code named in its comment. Differences that need no
change of behaviour (error bodies with or without ``error``, ``filename`` in ``/source``,
playlists from JSON bodies) are read the same way on every version and have no column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ptsync.errors import ConfigError

OLDEST_SUPPORTED = (6, 0)


@dataclass(frozen=True)
class Features:
    """One row of the table: the behaviours ptsync adapts to."""

    profile: str
    # 8.0 keeps the video of an import that failed in the background (state 12) and retries
    # the import in place; 6.x and 7.x destroy it, so ptsync imports again.
    # Read by: live.fetch → plan.videos (a retry, or a notice).
    import_retry: bool
    # 8.3 refuses a retry once the import made ``import.videos.max_attempts`` attempts (5 by
    # default since 8.1; /config does not say): the plan tells to delete the video instead of
    # planning a retry the server refuses. None: no limit on the retry route.
    # Read by: live.fetch → plan.videos.
    import_retry_limit: int | None
    # 8.1 makes the preview (the watch page's poster) from the thumbnail: one image, sent once
    # as ``thumbnailfile``. Before, the preview is an image of its own, so the same file goes
    # as ``previewfile`` too, or the poster keeps showing the old picture.
    # Read by: peertube.client.update_video.
    thumbnail_is_preview: bool
    # 8.2 accepts captions in written languages only: a sign language, still a valid video
    # language, is refused for a caption (400). The plan refuses it first, at its line.
    # Read by: live.fetch → plan.server_rules.
    caption_written_only: bool
    # The import job's ``import.videos.max_attempts`` default (3 on 8.0, 5 from 8.1): a
    # channel sync's failed import is retried until it made that many attempts, never beyond.
    # Read by: planner → plan.syncs.
    import_max_attempts: int
    # 8.3 gives a channel sync the privacy of the videos it imports (``videoPrivacy``); before,
    # they are public. Read by: planner → plan.syncs (compared and sent only from 8.3).
    sync_privacy: bool


TABLE: tuple[tuple[tuple[int, int], Features], ...] = (
    ((6, 0), Features("6.x", False, None, False, False, 0, False)),
    ((7, 0), Features("7.x", False, None, False, False, 0, False)),
    ((8, 0), Features("8.0", True, None, False, False, 3, False)),
    ((8, 1), Features("8.1", True, None, True, False, 5, False)),
    ((8, 2), Features("8.2", True, None, True, True, 5, False)),
    ((8, 3), Features("8.3", True, 5, True, True, 5, True)),
)
NEWEST = TABLE[-1]


@dataclass(frozen=True)
class ServerVersion:
    text: str
    features: Features
    notice: str | None = None  # for a version newer than the newest row, or none at all


def parse_version(text: str) -> tuple[int, int] | None:
    found = re.match(r"\s*v?(\d+)\.(\d+)", text or "")
    return (int(found.group(1)), int(found.group(2))) if found else None


def server_version(text: str) -> ServerVersion:
    """The features of ``text`` (e.g. "8.0.1"); ConfigError below 6.0."""
    parsed = parse_version(text)
    newest_since, newest = NEWEST
    if parsed is None:
        note = f"PeerTube announced no readable version ({text!r}); assuming {newest.profile}"
        return ServerVersion(text, newest, note)
    if parsed < OLDEST_SUPPORTED:
        raise ConfigError(
            f"PeerTube {text} is not supported: ptsync needs PeerTube 6.0 or newer "
            "(chapters, password-protected videos and the API it uses arrived in 6.0)"
        )
    features = [f for since, f in TABLE if parsed >= since][-1]
    notice = None
    if parsed[0] > newest_since[0]:
        notice = (
            f"PeerTube {text} is newer than the newest version ptsync knows "
            f"({features.profile}); using {features.profile} behaviour"
        )
    return ServerVersion(text, features, notice)
