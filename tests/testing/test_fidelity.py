"""The fake answers like the real servers that were recorded, release by release.

Every recording of ``../shared/peertube/recordings`` (6.3), ``recordings-7.3``,
``recordings-8.0`` and ``recordings-8.2dev`` (8.2) is replayed against a fresh fake of that
release (``setups`` creates what the request needs) and compared with the recorded answer:
status code, JSON shape (keys, recursively, and value types; ``shapes``), the exact
``Content-Type`` and whether ``Retry-After``, ``Location``, ``Range`` and ``Cache-Control`` are
sent. Values (ids, dates, counts) are data and not compared. Skipped when the recordings are not
next to the repository.

``recordings-8.2dev`` comes from a development build of a fork, just after 8.2.1: the keys the
fork added (``FORK_ARTEFACTS``) and those the development branch had that the released 8.2.3
models lack (``DEVELOPMENT_ONLY``) are left out of the 8.2 profile and out of the comparison,
each listed below by the difference it makes; every listed difference must still occur.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.testing import sync_setups
from tests.testing.replay import Answer, Recording, load
from tests.testing.setups import SETUPS, replay
from tests.testing.shapes import differences

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "peertube"
FOLDERS = {
    "6.3": "recordings",
    "7.3": "recordings-7.3",
    "8.0": "recordings-8.0",
    "8.2": "recordings-8.2dev",
}
# Server-side channel syncs, the same session on each release.
SYNC_FOLDERS = {
    "6.3": "recordings-syncs/6.3",
    "8.0": "recordings-syncs/8.0",
    "8.2": "recordings-syncs/8.2dev",
}
FORK_BUILD = "8.2dev"  # folders recorded from the fork's development build
PRESENCE_HEADERS = ("Retry-After", "Location", "Range", "Cache-Control")

# Share of a folder's recordings the fake must match; skipped recordings count as misses.
THRESHOLD = {"6.3": 0.95, "7.3": 0.95, "8.0": 0.95, "8.2": 0.95}
# Recordings the fake cannot replay, with the reason. Every name must exist in its folder.
SKIPPED: dict[str, dict[str, str]] = {"6.3": {}, "7.3": {}, "8.0": {}, "8.2": {}}
# Recordings the fake answers differently on purpose, with the reason; must stay exactly so.
KNOWN_MISMATCHES: dict[str, dict[str, str]] = {"6.3": {}, "7.3": {}, "8.0": {}, "8.2": {}}
# Differences (a ``shapes`` line without its path's start) that are not PeerTube's: the fork's
# own keys, and its renaming of the product in a key.
FORK_ARTEFACTS = {
    ".coinPrice: missing": "the fork's video field",
    ".externalSource: missing": "the fork's video field",
    ".seriesName: missing": "the fork's video field",
    "$.coins: missing": "the fork's users/me field",
    "$.vipExpiration: missing": "the fork's users/me field",
    ".notificationSettings.newBoomBoomVersion: missing": "the fork's name for newPeerTubeVersion",
    ".notificationSettings.newPeerTubeVersion: not recorded": "renamed by the fork (above)",
}
# Keys of the development build (past 8.2.1) that the released 8.2.3 models do not have.
DEVELOPMENT_ONLY = {
    ".publicEmail: missing": "channels: the 8.2.3 models have no publicEmail",
    "$.emailPublic: not recorded": "users/me: the 8.2.3 models still have emailPublic",
    ".ownerAccountName: missing": "users/me channels: not in the 8.2.3 models",
    ".notificationSettings.automaticBlocklist: missing": "not in the 8.2.3 models",
    "$.blocklist: missing": "config: not in the 8.2.3 ServerConfig",
    "$.transcoding.alwaysTranscodeOriginalResolution: missing": "config: not in ServerConfig",
    "$.transcoding.alwaysTranscodePodcastOptimizedAudio: missing": "config: not in ServerConfig",
    "$.transcoding.hls.splitAudioAndVideo: missing": "config: not in ServerConfig",
}
IGNORED: dict[str, dict[str, str]] = {"8.2": {**FORK_ARTEFACTS, **DEVELOPMENT_ONLY}}

pytestmark = pytest.mark.skipif(
    not SHARED.is_dir(),
    reason="the fake's fidelity to real PeerTube is not checked: its recordings of real "
    "servers are not in this checkout (they are kept in a 'shared/peertube' folder beside the "
    "repository, which this clone does not have)",
)


def mismatches(recording: Recording, answer: Answer) -> list[str]:
    found = []
    if answer.status != recording.status:
        found.append(f"status {answer.status}, recorded {recording.status}")
    recorded_type = recording.headers.get("Content-Type")
    if answer.headers.get("Content-Type") != recorded_type:
        found.append(
            f"Content-Type {answer.headers.get('Content-Type')!r}, recorded {recorded_type!r}"
        )
    for name in PRESENCE_HEADERS:
        if (name in answer.headers) != (name in recording.headers):
            found.append(f"{name} {'sent' if name in answer.headers else 'missing'}")
    return found + differences(recording.body, answer.body)


def compare(
    version: str, folder: str, seen: set[str] | None = None
) -> tuple[list[Recording], dict[str, list[str]]]:
    """The recordings and their mismatches; ``seen`` collects the ignored differences met."""
    recordings = load(SHARED / folder)
    ignored = IGNORED.get(version, {}) if folder.endswith(FORK_BUILD) else {}
    results = {}
    for recording in recordings:
        if recording.name in SKIPPED.get(version, {}):
            continue
        found = []
        for line in mismatches(recording, replay(version, recording)):
            hit = next((key for key in ignored if _ends_path(line, key)), None)
            if hit is None:
                found.append(line)
            elif seen is not None:
                seen.add(hit)
        results[recording.name] = found
    return recordings, {name: found for name, found in results.items() if found}


def _ends_path(line: str, key: str) -> bool:
    """``$.data[].coinPrice: missing`` ends with ``.coinPrice: missing``; a key starting with
    ``$`` names the whole path."""
    return line == key if key.startswith("$") else line.endswith(key)


@pytest.mark.parametrize("version", list(FOLDERS))
def test_fake_answers_like_the_recordings(version: str) -> None:
    seen: set[str] = set()
    recordings, failing = compare(version, FOLDERS[version], seen)
    assert seen == set(IGNORED.get(version, {})), "an ignored difference no longer occurs"
    names = {recording.name for recording in recordings}
    assert set(SKIPPED[version]) <= names, "a skipped recording no longer exists"
    unexpected = dict(failing)
    for name in KNOWN_MISMATCHES[version]:
        unexpected.pop(name, None)
    assert not unexpected, f"{version}: unexpected mismatches:\n" + "\n".join(
        f"  {name}: {'; '.join(found[:8])}" for name, found in sorted(unexpected.items())
    )
    assert set(KNOWN_MISMATCHES[version]) == set(failing), "a known mismatch now matches"
    matched = len(recordings) - len(failing) - len(SKIPPED[version])
    assert matched / len(recordings) >= THRESHOLD[version]


def test_the_comparison_tells_releases_apart() -> None:
    """6.3's recordings replayed against an 8.0 fake: most of them must not match."""
    recordings, failing = compare("8.0", FOLDERS["6.3"])
    assert len(failing) / len(recordings) > 0.5
    assert {"videos-get", "videos-imports-retry", "videos-source", "config"} <= set(failing)


def test_the_comparison_tells_8_0_from_8_2() -> None:
    """8.2's recordings (fork keys ignored) against an 8.0 fake: 8.1's thumbnails, 8.2's
    refresh lifetime aside, the video and playlist answers differ. (That they all match an 8.2
    fake is ``test_fake_answers_like_the_recordings[8.2]``, with no known mismatch.)"""
    recordings = load(SHARED / FOLDERS["8.2"])
    _, against_8_0 = compare_ignoring("8.0", recordings)
    assert {"videos-get", "users-me-videos", "video-playlists-get", "videos-source"} <= set(
        against_8_0
    )
    assert len(against_8_0) / len(recordings) > 0.25


def compare_ignoring(
    version: str, recordings: list[Recording]
) -> tuple[list[Recording], dict[str, list[str]]]:
    """8.2's recordings against another release, the 8.2 ignore list applied."""
    failing = {}
    for recording in recordings:
        found = [
            line
            for line in mismatches(recording, replay(version, recording))
            if not any(_ends_path(line, key) for key in IGNORED["8.2"])
        ]
        if found:
            failing[recording.name] = found
    return recordings, failing


@pytest.mark.parametrize("version", list(SYNC_FOLDERS))
def test_fake_answers_like_the_sync_recordings(version: str) -> None:
    recordings, failing = compare(version, SYNC_FOLDERS[version])
    assert len(recordings) == 12
    assert {r.name for r in recordings} <= set(SETUPS) | sync_setups.AS_RECORDED
    assert not failing, f"{version}: mismatches:\n" + "\n".join(
        f"  {name}: {'; '.join(found[:8])}" for name, found in sorted(failing.items())
    )


def test_the_sync_comparison_tells_releases_apart() -> None:
    """6.3's sync recordings against an 8.0 fake: the imports of a sync differ."""
    _, failing = compare("8.0", SYNC_FOLDERS["6.3"])
    assert "users-me-videos-imports-by-sync" in failing
