"""The fake's in-memory instance: the records plus the indexes that keep lookups O(1).

Everything here is guarded by one lock, ``State.lock``: a single lock makes every handler
trivially atomic, and handlers hold it only while touching records (never while sleeping for
latency or streaming an upload), so it does not serialise slow work. Listings with 10 000
videos stay cheap because per-owner and per-channel video ids are kept in insertion order and
``versions`` tells the listing cache exactly which sort orders a change invalidated.
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from ptsync import clock as clocks
from ptsync.testing.completion import Wedge
from ptsync.testing.ids import new_uuid, token
from ptsync.testing.profiles import Profile
from ptsync.testing.records import (
    Channel,
    ChannelSync,
    Element,
    Import,
    Playlist,
    Settings,
    Token,
    UploadSession,
    User,
    Video,
)

Upstream = Sequence[str] | Callable[[], Sequence[str]]
"""The import URLs an external channel lists, newest first, or a function giving them now."""


class Clock:
    """The instance's time, read from the injected ``source`` (``ptsync.clock``): ``time()``
    for timers (token expiry, rate windows, import jobs), ``now()`` for stamps, which never
    repeat a millisecond, so every write bumps ``updatedAt``."""

    def __init__(self, source: clocks.Clock = clocks.SYSTEM) -> None:
        self.source = source
        self._last = 0.0

    def time(self) -> float:
        return self.source.time()

    def now(self) -> float:
        moment = max(round(self.source.time(), 3), round(self._last + 0.001, 3))
        self._last = moment
        return moment


class State:
    def __init__(self, settings: Settings, source: clocks.Clock = clocks.SYSTEM) -> None:
        self.settings = settings
        self.lock = threading.RLock()
        self.clock = Clock(source)
        self.host = "127.0.0.1"
        self.client_id = token()
        self.client_secret = token()
        self._ids: dict[str, itertools.count[int]] = {}
        self.users: dict[int, User] = {}
        self.user_names: dict[str, int] = {}
        self.actor_names: set[str] = set()
        self.channels: dict[int, Channel] = {}
        self.channel_names: dict[str, int] = {}
        self.videos: dict[int, Video] = {}
        self.video_uuids: dict[str, int] = {}
        self.user_videos: dict[int, dict[int, None]] = {}
        self.channel_videos: dict[int, dict[int, None]] = {}
        self.imports: dict[int, Import] = {}
        self.video_imports: dict[int, list[int]] = {}
        self.video_playlists: dict[int, set[int]] = {}
        self.unfinished_imports: dict[int, None] = {}
        self.import_targets: dict[str, tuple[str, int]] = {}
        self.syncs: dict[int, ChannelSync] = {}
        self.upstreams: dict[str, Upstream] = {}  # what yt-dlp would list at a URL
        self.playlists: dict[int, Playlist] = {}
        self.playlist_uuids: dict[str, int] = {}
        self.tokens: dict[str, Token] = {}
        self.refresh_tokens: dict[str, Token] = {}
        self.uploads: dict[str, UploadSession] = {}
        self.wedge: Wedge | None = None
        self.failed_once: set[str] = set()
        self.versions: Counter[str] = Counter()
        self.multipart_schedules = 0  # multipart requests that carried a scheduleUpdate
        self.image_parts: Counter[str] = Counter()  # thumbnailfile / previewfile parts received
        self.scheduled: set[int] = set()  # ids of videos with a publication schedule
        self.order_cache: dict[tuple[Any, ...], tuple[tuple[int, ...], list[int]]] = {}

    @property
    def profile(self) -> Profile:
        return self.settings.profile

    def next_id(self, kind: str) -> int:
        counter = self._ids.setdefault(kind, itertools.count(2 if kind == "account" else 1))
        return next(counter)

    def touch(self, *names: str) -> None:
        """Invalidate cached orderings that depend on these fields."""
        for name in names:
            self.versions[name] += 1

    # --- lookups ---------------------------------------------------------------------------

    def user_by_name(self, name: str) -> User | None:
        user_id = self.user_names.get(name.lower())
        return self.users.get(user_id) if user_id is not None else None

    def channel_by_name(self, handle: str) -> Channel | None:
        name, _, host = handle.partition("@")
        if host and host != self.host:
            return None
        channel_id = self.channel_names.get(name)
        return self.channels.get(channel_id) if channel_id is not None else None

    def video(self, ident: int | str) -> Video | None:
        if isinstance(ident, str):
            found = self.video_uuids.get(ident.lower())
            return self.videos.get(found) if found is not None else None
        return self.videos.get(ident)

    def playlist(self, ident: int | str) -> Playlist | None:
        if isinstance(ident, str):
            found = self.playlist_uuids.get(ident.lower())
            return self.playlists.get(found) if found is not None else None
        return self.playlists.get(ident)

    def owner_of(self, video: Video) -> User:
        return self.users[self.channels[video.channel_id].user_id]

    # --- record lifecycle ------------------------------------------------------------------

    def add_video(self, video: Video) -> Video:
        self.videos[video.id] = video
        self.video_uuids[video.uuid] = video.id
        self.user_videos.setdefault(video.user_id, {})[video.id] = None
        self.channel_videos.setdefault(video.channel_id, {})[video.id] = None
        self.touch("members")
        return video

    def remove_video(self, video: Video) -> None:
        self.videos.pop(video.id, None)
        self.video_uuids.pop(video.uuid, None)
        self.user_videos.get(video.user_id, {}).pop(video.id, None)
        self.channel_videos.get(video.channel_id, {}).pop(video.id, None)
        for playlist_id in self.video_playlists.pop(video.id, set()):
            for element in getattr(self.playlists.get(playlist_id), "elements", ()):
                if element.video_id == video.id:
                    element.video_id = None
        for import_id in self.video_imports.pop(video.id, []):
            record = self.imports.get(import_id)
            if record is not None and record.video_id == video.id:
                record.video_id = None
        self.touch("members")

    def add_import(self, record: Import) -> None:
        self.imports[record.id] = record
        self.unfinished_imports[record.id] = None
        if record.video_id is not None:
            self.video_imports.setdefault(record.video_id, []).append(record.id)

    def add_element(self, playlist: Playlist, element: Element) -> None:
        playlist.elements.append(element)
        if element.video_id is not None:
            self.video_playlists.setdefault(element.video_id, set()).add(playlist.id)

    def move_video(self, video: Video, channel: Channel) -> None:
        self.channel_videos.get(video.channel_id, {}).pop(video.id, None)
        video.channel_id = channel.id
        video.user_id = channel.user_id
        self.channel_videos.setdefault(channel.id, {})[video.id] = None
        for ids in self.user_videos.values():
            ids.pop(video.id, None)
        self.user_videos.setdefault(video.user_id, {})[video.id] = None
        self.touch("members")

    def new_video(self, channel: Channel, name: str, **fields: Any) -> Video:
        now = self.clock.now()
        video = Video(
            id=self.next_id("video"),
            uuid=new_uuid(),
            user_id=channel.user_id,
            channel_id=channel.id,
            name=name,
            created_at=now,
            updated_at=now,
            published_at=now,
            **fields,
        )
        return self.add_video(video)

    def quota_used(self, user_id: int, *, since: float | None = None) -> int:
        return sum(
            video.size
            for video_id in self.user_videos.get(user_id, {})
            if (video := self.videos[video_id]).has_file
            and (since is None or video.created_at >= since)
        )

    def can_upload(self, user: User, size: int) -> bool:
        """``isAbleToUploadVideo``: the new file plus what is stored must fit both quotas."""
        if user.video_quota >= 0 and self.quota_used(user.id) + size > user.video_quota:
            return False
        if user.video_quota_daily >= 0:
            daily = self.quota_used(user.id, since=self.clock.time() - 86400)
            if daily + size > user.video_quota_daily:
                return False
        return True
