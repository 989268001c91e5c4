"""What differs between the PeerTube versions in use, in one table, chosen by ``serverVersion``.

Behaviour is picked from the version the server announces in ``GET /api/v1/config`` (read with
the vocabularies and cached with them, so a warm plan spends no request on it), never by probing
a route: an unknown route answers 400 with an empty body on every version, which looks like a
refusal. Each row is backed by recordings in ``../shared/peertube/`` (6.3.0, 7.3.0, 8.0.1).
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
    # 8.0 keeps the video of an import that failed in the background (state 12) and can
    # retry the import in place; 6.x and 7.x destroy the video, so ptsync imports again.
    failed_import_kept: bool
    import_retry: bool
    # 6.x error bodies carry a legacy ``error`` key beside ``detail``; read ``detail`` first.
    legacy_error_key: bool
    # 6.x creates playlists only from multipart bodies (JSON crashes it with a 500).
    playlist_json_body: bool
    # ``GET /videos/{id}/source``: 8.0 dropped ``filename``; ``inputFilename`` is everywhere.
    source_has_filename: bool


PROFILES: tuple[tuple[tuple[int, int], Features], ...] = (
    ((6, 0), Features("6.x", False, False, True, False, True)),
    ((7, 0), Features("7.x", False, False, False, True, True)),
    ((8, 0), Features("8.x", True, True, False, True, False)),
)
NEWEST_PROFILE = PROFILES[-1][0]


@dataclass(frozen=True)
class ServerVersion:
    text: str
    features: Features
    notice: str | None = None  # for a version newer than the newest profile


def parse_version(text: str) -> tuple[int, int] | None:
    found = re.match(r"\s*v?(\d+)\.(\d+)", text or "")
    return (int(found.group(1)), int(found.group(2))) if found else None


def server_version(text: str) -> ServerVersion:
    """The features of ``text`` (e.g. "8.0.1"); ConfigError below 6.0."""
    parsed = parse_version(text)
    if parsed is None:
        newest = PROFILES[-1][1]
        note = f"PeerTube announced no readable version ({text!r}); assuming {newest.profile}"
        return ServerVersion(text, newest, note)
    if parsed < OLDEST_SUPPORTED:
        raise ConfigError(
            f"PeerTube {text} is not supported: ptsync needs PeerTube 6.0 or newer "
            "(chapters, password-protected videos and the API it uses arrived in 6.0)"
        )
    features = [f for since, f in PROFILES if parsed >= since][-1]
    notice = None
    if parsed[0] > NEWEST_PROFILE[0]:
        notice = (
            f"PeerTube {text} is newer than the newest version ptsync knows "
            f"({features.profile}); using {features.profile} behaviour"
        )
    return ServerVersion(text, features, notice)
