"""Sorted, filtered video listings with cached orderings.

A plan over 10 000 videos reads 100 pages of ``/users/me/videos``; sorting 10 000 records for
every page would make the fake the benchmark's bottleneck. Orderings are cached per
(scope, sort, filter) and stamped with the versions of exactly the fields they depend on, so a
PUT that renames a video invalidates name orderings but leaves ``-publishedAt`` pages cached.
Ties break on id ascending, like PeerTube's ``getSort``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ptsync.testing.memory import State
from ptsync.testing.records import Video

VIDEO_SORTS = (
    "name",
    "duration",
    "createdAt",
    "publishedAt",
    "originallyPublishedAt",
    "views",
    "likes",
    "trending",
    "hot",
    "best",
    "localVideoFilesSize",
)

_KEYS: dict[str, Callable[[Video], Any]] = {
    "name": lambda v: v.name.casefold(),
    "duration": lambda v: v.duration,
    "createdAt": lambda v: v.created_at,
    "publishedAt": lambda v: v.published_at,
    "originallyPublishedAt": lambda v: (
        v.originally_published_at is None,
        v.originally_published_at or 0.0,
    ),
    "localVideoFilesSize": lambda v: v.size,
}
_DEPENDS = {
    "name": "name",
    "duration": "duration",
    "publishedAt": "publishedAt",
    "originallyPublishedAt": "originallyPublishedAt",
    "localVideoFilesSize": "size",
}
_CACHE_LIMIT = 256


def ordered_videos(
    state: State,
    scope: tuple[Any, ...],
    ids: Iterable[int],
    sort: str,
    *,
    keep: Callable[[Video], bool] | None = None,
    filter_key: tuple[Any, ...] = (),
    depends: tuple[str, ...] = (),
) -> list[int]:
    """Ids of the scope's videos in ``sort`` order; ``keep`` filters (declare its ``depends``)."""
    field = sort.lstrip("-")
    stamp = (
        state.versions["members"],
        state.versions[_DEPENDS.get(field, "")],
        *(state.versions[name] for name in depends),
    )
    key = (scope, sort, filter_key)
    cached = state.order_cache.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    videos = sorted((state.videos[i] for i in ids), key=lambda v: v.id)
    if keep is not None:
        videos = [v for v in videos if keep(v)]
    videos.sort(key=_KEYS.get(field, lambda v: 0), reverse=sort.startswith("-"))
    result = [v.id for v in videos]
    if len(state.order_cache) >= _CACHE_LIMIT:
        state.order_cache.clear()
    state.order_cache[key] = (stamp, result)
    return result


def page(items: list[Any], start: int, count: int) -> list[Any]:
    return items[start : start + count]
