"""Point the CLI at a fake PeerTube: the environment a user would export, in one place."""

from __future__ import annotations

from pathlib import Path

import pytest

from ptsync.testing import FakePeerTube

USER, PASSWORD = "alice", "pw-alice-1"


def point_at(
    monkeypatch: pytest.MonkeyPatch,
    fake: FakePeerTube,
    cache: Path,
    *,
    user: str = USER,
    password: str = PASSWORD,
) -> None:
    monkeypatch.setenv("PEERTUBE_URL", fake.url)
    monkeypatch.setenv("PEERTUBE_USERNAME", user)
    monkeypatch.setenv("PEERTUBE_PASSWORD", password)
    monkeypatch.delenv("PEERTUBE_TOKEN", raising=False)
    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(cache))
