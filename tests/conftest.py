"""Suite-wide collection order and, on several workers, how tests are shared out."""

from __future__ import annotations

from typing import Any

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``slow`` first: on two workers the longest one (real processes killed at
    real moments) starts at once instead of running alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``-n 2`` (``--dist load``) shares tests out by work stealing: each worker starts with
    half of the list, in order, and one that runs dry takes half of what the other has still
    queued. xdist's default hands out chunks of the list as workers ask, so a late chunk
    holding a file of slow tests (the slow-server runs) kept one worker busy 20 s after the
    other had finished."""
    if config.getvalue("dist") != "load":
        return None  # another --dist chosen on the command line
    from xdist.scheduler import WorkStealingScheduling

    return WorkStealingScheduling(config, log)
