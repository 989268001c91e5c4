"""Suite-wide collection order."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``slow`` first: on two workers the longest one (real processes killed at
    real moments) starts at once instead of running alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
