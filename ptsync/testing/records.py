"""The records of the fake instance: users, channels, videos, imports, playlists, tokens.

Plain mutable dataclasses with integer ids, like the database rows they stand for; ``State``
owns them and keeps the indexes. Role, privacy and state numbers are PeerTube's own so the JSON
views can label them straight from the vocabularies.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from ptsync.shortuuid import to_short
from ptsync.testing.bodies import Accumulator, StoredFile
from ptsync.testing.completion import UPLOAD_SHARE
from ptsync.testing.profiles import V6_3, Profile

ADMIN, MODERATOR, USER = 0, 1, 2
PUBLISHED, TO_IMPORT, IMPORT_FAILED = 1, 3, 12
PUBLIC, UNLISTED, PRIVATE, INTERNAL, PASSWORD_PROTECTED = 1, 2, 3, 4, 5


def iso(moment: float | None) -> str | None:
    """PeerTube's timestamp spelling: UTC, milliseconds, ``Z``."""
    if moment is None:
        return None
    stamp = datetime.fromtimestamp(moment, UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class Settings:
    profile: Profile = V6_3
    import_duration: float | None = 0.2
    create_delay: float | None = None
    upload_delay: float | None = None
    token_ttl: float = 86399
    video_file_update_enabled: bool = False
    http_import_enabled: bool = True
    allow_private_import_targets: bool = False
    channel_sync_enabled: bool = False  # import.video_channel_synchronization.enabled

    @property
    def finish_delay(self) -> float | None:
        """Seconds a resumable upload's final chunk takes; ``None``: instant, old semantics."""
        if self.upload_delay is not None:
            return self.upload_delay
        return self.create_delay * UPLOAD_SHARE if self.create_delay is not None else None


@dataclass
class User:
    id: int
    username: str
    password: str
    role: int
    account_id: int
    video_quota: int
    video_quota_daily: int
    created_at: float
    channel_ids: list[int] = field(default_factory=list)
    watch_later_id: int = 0
    last_login: float | None = None
    blocked: bool = False

    @property
    def is_staff(self) -> bool:
        """Admins and moderators: UPDATE_ANY_VIDEO, SEE_ALL_VIDEOS, no rate limit."""
        return self.role in (ADMIN, MODERATOR)


@dataclass
class Channel:
    id: int
    name: str
    display_name: str
    description: str | None
    support: str | None
    user_id: int
    created_at: float
    updated_at: float


@dataclass
class Caption:
    language: str
    data: bytes
    path: str
    updated_at: float


@dataclass
class Password:
    id: int
    password: str
    created_at: float


@dataclass(frozen=True)
class Schedule:
    """``ScheduleVideoUpdate``: publish at ``update_at`` (epoch seconds), with ``privacy``
    (None: keep the video's)."""

    update_at: float
    privacy: int | None


@dataclass
class Video:
    id: int
    uuid: str
    user_id: int
    channel_id: int
    name: str
    created_at: float
    updated_at: float
    published_at: float
    privacy: int = PRIVATE
    state: int = PUBLISHED
    description: str | None = None
    category: int | None = None
    licence: int | None = None
    language: str | None = None
    nsfw: bool = False
    support: str | None = None
    comments_policy: int = 1
    download_enabled: bool = True
    wait_transcoding: bool = False
    originally_published_at: float | None = None
    tags: tuple[str, ...] = ()
    duration: int = 0
    size: int = 0
    source: StoredFile | None = None
    input_file_updated_at: float | None = None
    thumbnail_path: str | None = None
    preview_path: str | None = None
    thumbnail: bytes | None = None
    preview: bytes | None = None
    passwords: list[Password] = field(default_factory=list)
    captions: dict[str, Caption] = field(default_factory=dict)
    chapters: list[tuple[int, str]] = field(default_factory=list)  # (timecode, title)
    schedule: Schedule | None = None

    @property
    def short_uuid(self) -> str:
        return to_short(self.uuid)

    @property
    def has_file(self) -> bool:
        return self.state not in (TO_IMPORT, IMPORT_FAILED)


@dataclass
class Import:
    id: int
    user_id: int
    target_url: str
    video_id: int | None
    behaviour: str
    size: int
    created_at: float
    updated_at: float
    state: int = 1
    error: str | None = None
    attempts: int = 0
    started_at: float | None = None
    """When the current attempt began (a retry restarts the timeline); ``None``: at creation."""
    sync_id: int | None = None  # the channel sync that made it (``videoChannelSync``)


@dataclass
class ChannelSync:
    """A server-side channel synchronisation (``/video-channel-syncs``)."""

    id: int
    user_id: int
    channel_id: int
    external_url: str
    created_at: float
    state: int = 1  # 1 waiting first run, 2 processing, 3 synchronized, 4 failed
    last_sync_at: float | None = None
    video_privacy: int | None = None  # 8.3+


@dataclass
class Element:
    id: int
    video_id: int | None
    start_timestamp: int | None = None
    stop_timestamp: int | None = None


@dataclass
class Playlist:
    id: int
    uuid: str
    user_id: int
    channel_id: int | None
    display_name: str
    description: str | None
    privacy: int
    type: int
    created_at: float
    updated_at: float
    elements: list[Element] = field(default_factory=list)
    thumbnail: bytes | None = None
    thumbnail_path: str | None = None

    @property
    def short_uuid(self) -> str:
        return to_short(self.uuid)


@dataclass
class Token:
    access: str
    refresh: str
    user_id: int
    access_expires: float
    refresh_expires: float


class UploadPhase(Enum):
    RECEIVING = "receiving"
    PROCESSING = "processing"
    WEDGED = "wedged"
    DONE = "done"


@dataclass
class UploadSession:
    id: str
    user_id: int
    kind: str
    metadata: dict[str, Any]
    filename: str
    mimetype: str
    size: int
    created_at: float
    video_id: int | None = None
    acc: Accumulator = field(default_factory=Accumulator)
    result: dict[str, Any] | None = None
    phase: UploadPhase = UploadPhase.RECEIVING
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def offset(self) -> int:
        return self.acc.size
