"""Video details (``GET /videos/{id}``) for the videos whose managed fields the list payload
lacks, through the detail cache: a cached answer for the same ``updatedAt`` costs no request.

Which videos need details is decided by ``ptsync.plan.needs.detail_needed``. The cache is only
an accelerator (``ptsync.live.cache``): an entry that is not whole and well-typed is fetched
again, so deleting or editing the cache never changes a plan.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from ptsync.fields import DETAIL_FIELDS
from ptsync.live.cache import DetailCache
from ptsync.state import LiveState, LiveVideo

log = logging.getLogger("ptsync.plan")


class DetailClient(Protocol):
    def get_video(self, id_or_uuid: str) -> LiveVideo: ...


def fetch_details(
    client: DetailClient, live: LiveState, wanted: set[str], cache: DetailCache, parallelism: int
) -> LiveState:
    """``live`` with the details of the ``wanted`` uuids, from the cache or the server."""
    by_uuid = live.by_uuid()
    todo: list[LiveVideo] = []
    done: dict[str, LiveVideo] = {}
    for uuid in sorted(wanted):
        video = by_uuid[uuid]
        cached = cache.get(uuid, video.updated_at)
        if cached is not None and _usable(cached):
            done[uuid] = _merge_cached(video, cached)
        else:
            todo.append(video)
    log.debug("details: %d cached, %d to fetch", len(done), len(todo))
    for video in _fetch_details(client, todo, parallelism):
        cache.put(video.uuid, video.updated_at, video.fields)
        done[video.uuid] = video
    cache.save()
    videos = tuple(done.get(v.uuid, v) for v in live.videos)
    return dataclasses.replace(live, videos=videos)


_CACHED_TYPES: dict[str, tuple[type, ...]] = {
    "tags": (list,),
    "support": (str, type(None)),
    "commentsPolicy": (int, type(None)),
    "downloadEnabled": (bool,),
    "description": (str, type(None)),
}


def _usable(cached: Mapping[str, Any]) -> bool:
    """A cache entry is trusted only when it has every detail field with the right type: a
    hand-edited or foreign file must cost a request, never a wrong plan."""
    if not (set(cached) >= DETAIL_FIELDS and "description" in cached):
        return False
    for name, kinds in _CACHED_TYPES.items():
        value = cached.get(name)
        if not isinstance(value, kinds) or (name == "commentsPolicy" and isinstance(value, bool)):
            return False
    return all(isinstance(t, str) for t in cached["tags"])


def _merge_cached(video: LiveVideo, fields: Mapping[str, Any]) -> LiveVideo:
    merged = {**video.fields, **{k: tuple(v) if k == "tags" else v for k, v in fields.items()}}
    return dataclasses.replace(video, fields=merged, detailed=True)


def _fetch_details(
    client: DetailClient, videos: Sequence[LiveVideo], parallelism: int
) -> list[LiveVideo]:
    if len(videos) <= 1 or parallelism <= 1:
        return [client.get_video(v.uuid) for v in videos]
    with ThreadPoolExecutor(max_workers=parallelism, thread_name_prefix="detail") as pool:
        return list(pool.map(lambda v: client.get_video(v.uuid), videos))
