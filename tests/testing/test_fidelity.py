"""The fake answers like the real servers that were recorded, release by release.

Every recording of ``../shared/peertube/recordings`` (6.3), ``recordings-7.3`` and
``recordings-8.0`` is replayed against a fresh fake of that release (``setups`` creates what
the request needs) and compared with the recorded answer: status code, JSON shape (keys,
recursively, and value types; ``shapes``), the exact ``Content-Type`` and whether
``Retry-After``, ``Location``, ``Range`` and ``Cache-Control`` are sent. Values (ids, dates,
counts) are data and not compared. Skipped when the recordings are not next to the repository.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.testing import sync_setups
from tests.testing.replay import Answer, Recording, load
from tests.testing.setups import SETUPS, replay
from tests.testing.shapes import differences

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "peertube"
FOLDERS = {"6.3": "recordings", "7.3": "recordings-7.3", "8.0": "recordings-8.0"}
# Server-side channel syncs, the same session on each release (8.2dev waits for an 8.x profile).
SYNC_FOLDERS = {"6.3": "recordings-syncs/6.3", "8.0": "recordings-syncs/8.0"}
PRESENCE_HEADERS = ("Retry-After", "Location", "Range", "Cache-Control")

# Share of a folder's recordings the fake must match; skipped recordings count as misses.
THRESHOLD = {"6.3": 0.95, "7.3": 0.95, "8.0": 0.95}
# Recordings the fake cannot replay, with the reason. Every name must exist in its folder.
SKIPPED: dict[str, dict[str, str]] = {"6.3": {}, "7.3": {}, "8.0": {}}
# Recordings the fake answers differently on purpose, with the reason; must stay exactly so.
KNOWN_MISMATCHES: dict[str, dict[str, str]] = {"6.3": {}, "7.3": {}, "8.0": {}}

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


def compare(version: str, folder: str) -> tuple[list[Recording], dict[str, list[str]]]:
    recordings = load(SHARED / folder)
    results = {
        recording.name: mismatches(recording, replay(version, recording))
        for recording in recordings
        if recording.name not in SKIPPED[version]
    }
    return recordings, {name: found for name, found in results.items() if found}


@pytest.mark.parametrize("version", list(FOLDERS))
def test_fake_answers_like_the_recordings(version: str) -> None:
    recordings, failing = compare(version, FOLDERS[version])
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
