"""A loopback upstream (feeds, playlist page, sign-in page) per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ptsync.testing.upstream import TestUpstream


@pytest.fixture
def upstream() -> Iterator[TestUpstream]:
    with TestUpstream() as server:
        yield server
