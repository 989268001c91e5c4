"""Fetching the live state: plain functions taking a client. Nothing here decides what to fetch.

The planner (``ptsync.planner``) calls these, each only when the pure rules of
``ptsync.plan.match`` and ``ptsync.plan.needs`` say a plan needs it; these ask the server and
shape its answers as state values. Details and chapters/passwords have their own modules
(``ptsync.live.details`` with the detail cache, ``ptsync.live.extras``); a mirror's upstream
listing is ``ptsync.live.upstream``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from ptsync.marker import parse_description
from ptsync.plan.resources import LiveChannel, LivePlaylist
from ptsync.state import Chapter, DesiredChannel, LiveImport, LiveState, LiveSync, LiveVideo


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
    def channels(self) -> dict[str, int]: ...
    def get_channel(self, name: str) -> dict[str, Any] | None: ...
    def my_playlists(self, account: str | None = None) -> list[dict[str, Any]]: ...
    def playlist_video_uuids(self, playlist: str) -> list[tuple[int, str | None]]: ...
    def channel_syncs(self, account: str | None = None) -> list[LiveSync]: ...
    def iter_sync_imports(self, sync_id: int) -> Iterator[LiveImport]: ...


def fetch_listing(client: LiveClient) -> LiveState:
    """The user's videos from ``/users/me/videos``, 100 a page (private and unlisted too)."""
    return LiveState(videos=tuple(client.iter_my_videos()))


def fetch_imports(client: LiveClient, live: LiveState) -> LiveState:
    """``live`` with the user's import rows (``/users/me/videos/imports``)."""
    return dataclasses.replace(live, imports=tuple(client.iter_my_imports()))


def fetch_filenames(client: LiveClient, live: LiveState, videos: Iterable[LiveVideo]) -> LiveState:
    """``live`` with the original filenames of ``videos``' uploads (owner-only ``/source``)."""
    names = {}
    for video in videos:
        source = client.video_source(video.uuid) or {}
        if source.get("inputFilename"):
            names[video.uuid] = str(source["inputFilename"])
    return dataclasses.replace(live, upload_filenames=names)


def file_replace_enabled(client: LiveClient) -> bool:
    """The instance lets a video's file be replaced (``/config``: videoFile.update.enabled)."""
    config = client.server_config()
    return bool(config.get("videoFile", {}).get("update", {}).get("enabled"))


def fetch_quota(client: LiveClient) -> tuple[dict[str, Any], dict[str, Any]]:
    """The user's quotas (``/users/me``) and what is used of them."""
    return client.me(), client.quota_used()


def fetch_channels(
    client: LiveClient, desired: Sequence[DesiredChannel], known: Mapping[str, int]
) -> dict[str, LiveChannel]:
    """The declared channels that exist, with their texts where the manifest sets any.
    ``known``: the channels of the cached vocabulary, listed again when one is missing
    (ptsync may have created it since)."""
    if any(c.name not in known for c in desired):
        known = client.channels()
    found: dict[str, LiveChannel] = {}
    for channel in desired:
        if channel.name in known:
            info = (client.get_channel(channel.name) or {}) if channel.fields else {}
            texts = {k: info.get(k) for k in ("displayName", "description", "support")}
            found[channel.name] = LiveChannel(known[channel.name], channel.name, texts)
    return found


def fetch_playlists(
    client: LiveClient, system: str, declared: Iterable[str] | None, account: str | None = None
) -> list[LivePlaylist]:
    """The user's playlists; the videos (uuids, in order) of those owned by ``system`` whose
    external ids are ``declared`` (None: of every one it owns). ``account`` spares a
    ``/users/me`` when known."""
    wanted = None if declared is None else set(declared)
    lives = []
    for item in client.my_playlists(account or None):
        found = live_playlist(item)
        marker = found.marker
        if marker and marker.system == system and (wanted is None or marker.external_id in wanted):
            elements = client.playlist_video_uuids(found.uuid)
            found = dataclasses.replace(found, videos=tuple(u for _, u in elements if u))
        lives.append(found)
    return lives


def fetch_whole_videos(
    client: LiveClient,
    channel: str | None,
    parallelism: int,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[LiveVideo]:
    """Every video of the user (of ``channel`` only, when given) with its details and
    chapters: what an export writes. ``on_progress(done, total)`` after each video."""
    listed = [v for v in client.iter_my_videos() if channel is None or v.channel == channel]
    done: list[LiveVideo] = []
    with ThreadPoolExecutor(max_workers=max(1, parallelism)) as pool:
        for video in pool.map(lambda v: _with_chapters(client, client.get_video(v.uuid)), listed):
            done.append(video)
            if on_progress:
                on_progress(len(done), len(listed))
    return done


def _with_chapters(client: LiveClient, video: LiveVideo) -> LiveVideo:
    if video.is_live:
        return video
    return dataclasses.replace(video, chapters=client.video_chapters(video.uuid))


def live_playlist(item: Mapping[str, Any]) -> LivePlaylist:
    """A playlist as the API lists it; the marker counts only at the description's start."""
    parsed = parse_description(item.get("description"))
    privacy = item.get("privacy") or {}
    channel = item.get("videoChannel") or {}
    return LivePlaylist(
        id=int(item["id"]),
        uuid=str(item.get("uuid") or ""),
        display_name=str(item.get("displayName") or ""),
        description=parsed.text,
        marker=parsed.marker if parsed.at_start else None,
        privacy=int((privacy.get("id") if isinstance(privacy, Mapping) else privacy) or 3),
        channel=channel.get("name") if isinstance(channel, Mapping) else None,
    )
