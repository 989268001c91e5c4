"""Fetch exactly the live state a plan needs, then call the pure functions.

Request budget of a plan over N owned videos: ceil(N/100) list pages; plus the import list
only when a URL entry is unmatched; plus ``/source`` only for unmarked same-name candidates of
unmatched uploads; plus one detail GET per video whose managed fields are not in the list
payload and are not in the detail cache for the same ``updatedAt``; plus ``/config`` once (the
server's version, read on every plan; source replacement reads the same answer); plus
``/chapters`` and ``/passwords`` only for videos whose entry sets them (``live.extras``); plus
one listing of the user's playlists (owned ones the manifest lacks are noticed like videos)
and one element listing per owned playlist the manifest declares.
Matching is pure and cheap, so it simply runs again after each fetch.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

from ptsync.fields import DETAIL_FIELDS
from ptsync.live.cache import DetailCache
from ptsync.live.chapters_passwords import extras_needed, with_extras
from ptsync.peertube.versions import server_version
from ptsync.plan.changes import Change, Notice, NoticeKind, Plan
from ptsync.plan.diff import diff_files
from ptsync.plan.match import Matching, filename_candidates, match, needs_imports
from ptsync.plan.quota import quota_notices, upload_bytes
from ptsync.plan.resources import (
    LiveChannel,
    LivePlaylist,
    live_playlist,
    plan_channels,
    plan_playlists,
    playlist_notices,
)
from ptsync.plan.videos import PlanOptions, build_plan, detail_needed
from ptsync.state import Chapter, DesiredState, LiveImport, LiveState, LiveVideo, Vocabularies

log = logging.getLogger("ptsync.plan")


class LiveClient(Protocol):
    def iter_my_videos(self) -> Iterator[LiveVideo]: ...
    def iter_my_imports(self, target_url: str | None = None) -> Iterator[LiveImport]: ...
    def video_source(self, id_or_uuid: str) -> dict[str, Any] | None: ...
    def get_video(self, id_or_uuid: str) -> LiveVideo: ...
    def server_config(self) -> dict[str, Any]: ...
    def me(self) -> dict[str, Any]: ...
    def quota_used(self) -> dict[str, Any]: ...
    def video_chapters(self, id_or_uuid: str) -> tuple[Chapter, ...]: ...
    def video_passwords(self, id_or_uuid: str) -> list[str]: ...


@dataclass(frozen=True)
class PlanSettings:
    prune: bool = False
    parallelism: int = 4
    adopt: bool = False


@dataclass(frozen=True)
class PlannedGroup:
    """A plan plus what it was computed from (for saved plans and apply)."""

    plan: Plan
    desired: DesiredState
    live: LiveState
    matching: Matching | None  # None for a saved plan (matched when it was made)


def fetch_live(client: LiveClient) -> LiveState:
    return LiveState(videos=tuple(client.iter_my_videos()))


def plan_group(
    desired: DesiredState,
    client: LiveClient,
    vocab: Vocabularies,
    cache: DetailCache,
    settings: PlanSettings = PlanSettings(),
    live: LiveState | None = None,
) -> PlannedGroup:
    version = server_version(vocab.server_version)  # ConfigError below 6.0
    live = live or fetch_live(client)
    matching = match(desired, live)
    if needs_imports(matching, rules=bool(desired.rules)):
        live = dataclasses.replace(live, imports=tuple(client.iter_my_imports()))
        matching = match(desired, live)
    candidates = filename_candidates(desired, matching)
    if candidates:
        live = dataclasses.replace(live, upload_filenames=_filenames(client, candidates))
        matching = match(desired, live)
    wanted = detail_needed(desired, matching)
    if wanted:
        live = _with_details(client, live, wanted, cache, settings.parallelism)
        matching = match(desired, live)
    chapters, passwords = extras_needed(desired, matching)
    if chapters or passwords:
        live = with_extras(client, live, chapters, passwords, settings.parallelism)
        matching = match(desired, live)
    replace_enabled = _file_replace_enabled(client, desired, matching)
    options = PlanOptions(
        prune=settings.prune,
        file_replace_enabled=replace_enabled,
        adopt=settings.adopt,
        retry_failed_imports=version.features.import_retry,
        import_retry_limit=version.features.import_retry_limit,
        caption_written_only=version.features.caption_written_only,
        now=time.time(),
    )
    plan = build_plan(desired, matching, options, vocab)
    if version.notice:
        plan = dataclasses.replace(
            plan, notices=(Notice(NoticeKind.SERVER_VERSION, version.notice), *plan.notices)
        )
    resources, notices = plan_resources(desired, client, vocab, matching, prune=settings.prune)
    plan = dataclasses.replace(
        plan, changes=(*plan.changes, *resources), notices=(*plan.notices, *notices)
    )
    if upload_bytes(plan):
        notices = quota_notices(plan, client.me(), client.quota_used())
        plan = dataclasses.replace(plan, notices=plan.notices + tuple(notices))
    return PlannedGroup(plan, desired, live, matching)


def plan_resources(
    desired: DesiredState, client: Any, vocab: Vocabularies, matching: Matching, *, prune: bool
) -> tuple[list[Change], list[Notice]]:
    """Channels and playlists: one request per declared existing channel with texts, one
    listing of playlists (always: owned ones missing from the manifest are noticed, or
    deleted with --prune), one element listing per owned playlist in the manifest."""
    out: list[Change] = list(
        plan_channels(desired.channels, _live_channels(desired, client, vocab))
    )
    lives = _live_playlists(desired, client, vocab.account)
    uuids = {m.desired.external_id: m.live.uuid for m in matching.matches if m.live}
    out += plan_playlists(desired.system, desired.playlists, lives, uuids, prune=prune)
    notices = playlist_notices(desired.system, desired.playlists, lives, prune=prune)
    return out, notices


def _live_channels(
    desired: DesiredState, client: Any, vocab: Vocabularies
) -> dict[str, LiveChannel]:
    known = dict(vocab.channels)
    if any(c.name not in known for c in desired.channels):
        known = client.channels()  # the cached vocabulary may predate a channel we created
    found: dict[str, LiveChannel] = {}
    for channel in desired.channels:
        if channel.name in known:
            info = (client.get_channel(channel.name) or {}) if channel.fields else {}
            texts = {k: info.get(k) for k in ("displayName", "description", "support")}
            found[channel.name] = LiveChannel(known[channel.name], channel.name, texts)
    return found


def _live_playlists(desired: DesiredState, client: Any, account: str) -> list[LivePlaylist]:
    """The user's playlists; the videos of those this manifest declares and owns."""
    wanted = {p.external_id for p in desired.playlists}
    lives = []
    for item in client.my_playlists(account or None):
        found = live_playlist(item)
        marker = found.marker
        if marker and marker.system == desired.system and marker.external_id in wanted:
            elements = client.playlist_video_uuids(found.uuid)
            found = dataclasses.replace(found, videos=tuple(u for _, u in elements if u))
        lives.append(found)
    return lives


def _filenames(client: LiveClient, videos: Iterable[LiveVideo]) -> dict[str, str]:
    names = {}
    for video in videos:
        source = client.video_source(video.uuid) or {}
        if source.get("inputFilename"):
            names[video.uuid] = str(source["inputFilename"])
    return names


def _with_details(
    client: LiveClient, live: LiveState, wanted: set[str], cache: DetailCache, parallelism: int
) -> LiveState:
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
    client: LiveClient, videos: Sequence[LiveVideo], parallelism: int
) -> list[LiveVideo]:
    if len(videos) <= 1 or parallelism <= 1:
        return [client.get_video(v.uuid) for v in videos]
    with ThreadPoolExecutor(max_workers=parallelism, thread_name_prefix="detail") as pool:
        return list(pool.map(lambda v: client.get_video(v.uuid), videos))


def _file_replace_enabled(client: LiveClient, desired: DesiredState, matching: Matching) -> bool:
    """Ask the server's config only when some source actually changed."""
    for found in matching.matches:
        live = found.live
        if live is None or found.desired.source is None:
            continue
        own = live.marker if live.marker and live.marker.system == desired.system else None
        if diff_files(found.desired, own).source_changed:
            config = client.server_config()
            return bool(config.get("videoFile", {}).get("update", {}).get("enabled"))
    return False
