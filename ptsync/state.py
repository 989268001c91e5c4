"""The two inputs of planning: desired state (from manifests) and live state (from PeerTube).

Plain frozen values: pydantic stays at the edges (manifest parsing, API parsing), and
``plan = diff(desired, live)`` is a pure function over these types. All field values are in
the API value space described in :mod:`ptsync.fields`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import IntEnum, StrEnum
from pathlib import Path
from typing import Any

from ptsync.marker import Marker
from ptsync.sourceref import SourceRef

# ------------------------------------------------------------------------- PeerTube's codes


class Privacy(IntEnum):
    """``privacy`` ids, the same on 6.x to 8.x (``/videos/privacies``)."""

    PUBLIC = 1
    UNLISTED = 2
    PRIVATE = 3
    INTERNAL = 4
    PASSWORD_PROTECTED = 5


class VideoState(IntEnum):
    """``state.id`` values ptsync acts on (the others are transcoding steps it only shows)."""

    PUBLISHED = 1
    TO_TRANSCODE = 2
    TO_IMPORT = 3
    WAITING_FOR_LIVE = 4
    LIVE_ENDED = 5
    TO_MOVE_TO_EXTERNAL_STORAGE = 6
    TRANSCODING_FAILED = 7
    TO_MOVE_TO_EXTERNAL_STORAGE_FAILED = 8
    TO_EDIT = 9
    TO_MOVE_TO_FILE_SYSTEM = 10
    TO_MOVE_TO_FILE_SYSTEM_FAILED = 11
    IMPORT_FAILED = 12  # 8.x keeps the video of a failed import in this state


class ImportState(IntEnum):
    """``/users/me/videos/imports`` row states; ``label`` is how ptsync reports them."""

    PENDING = 1
    SUCCESS = 2
    FAILED = 3
    REJECTED = 4
    CANCELLED = 5
    PROCESSING = 6

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def label_of(cls, state: int, fallback: str = "unknown") -> str:
        try:
            return cls(state).label
        except ValueError:
            return fallback.lower()


FINISHED_IMPORTS = frozenset(
    {ImportState.SUCCESS, ImportState.FAILED, ImportState.REJECTED, ImportState.CANCELLED}
)
FAILED_IMPORTS = frozenset({ImportState.FAILED, ImportState.REJECTED, ImportState.CANCELLED})


# ---------------------------------------------------------------------------- desired state


class Lifecycle(StrEnum):
    """Whether ptsync manages an entry's video (``lifecycle:``).

    ``unmanaged`` lets a video go, like Terraform's ``removed`` block: the next apply removes
    the marker and leaves everything else; the entry is then ignored (never created, updated,
    counted or pruned)."""

    MANAGED = "managed"
    UNMANAGED = "unmanaged"


@dataclass(frozen=True)
class Chapter:
    """One chapter: where it starts (whole seconds) and its title, as PeerTube stores it."""

    timecode: int
    title: str


@dataclass(frozen=True)
class Schedule:
    """When PeerTube publishes a video and at which privacy (its ``scheduleUpdate``).

    ``update_at`` is a canonical UTC instant (``fields.norm_instant``), so the manifest's
    ``+01:00`` and the server's ``Z`` compare equal."""

    update_at: str
    privacy: int


@dataclass(frozen=True)
class PasswordsRef:
    """Video passwords named by the manifest: the environment variable that holds them and a
    keyed digest to compare them with (``ptsync.passwords``). The values are never kept.

    ``problem`` says why the variable is unusable (unset, a password too short...): reported
    by the plan, which needs them, not by ``status`` or a release, which do not."""

    env: str
    digest: str | None = field(default=None, repr=False)
    problem: str | None = None
    ref: SourceRef | None = None


@dataclass(frozen=True)
class CredentialsRef:
    """Credentials of a private URL source, named by the manifest: the environment variable
    that holds them (``ptsync.source_credentials``). The value is never kept: apply reads it
    when it sends the import. ``problem`` says why the variable is unusable, reported by the
    plan where a request needs it (a create or a replaced source)."""

    env: str
    problem: str | None = None
    ref: SourceRef | None = None


@dataclass(frozen=True, repr=False)
class UrlSource:
    """Create by URL import (``POST /videos/imports``). ``url`` is the manifest's, credentials
    and all: only the request uses it; everything shown uses ``shown`` (``repr`` too)."""

    url: str
    credentials: CredentialsRef | None = None

    def __repr__(self) -> str:
        return f"UrlSource({self.shown!r}, credentials={self.credentials!r})"

    @property
    def shown(self) -> str:
        """The URL as plans, reports and logs show it (``ptsync.redact``)."""
        from ptsync import redact

        return redact.url(self.url)

    @property
    def identity(self) -> str:
        """What names the resource: equal for two signatures of one URL (``redact.identity``)."""
        from ptsync import redact

        return redact.identity(self.url)

    @property
    def digest(self) -> str:
        """The marker's ``src``: of the identity, so a rotated signature is not a new source."""
        from ptsync.marker import short_hash

        return short_hash(self.identity)

    @property
    def digests(self) -> frozenset[str]:
        """Hashes a marker may hold for this source: ``digest``, and that of the whole URL,
        which ptsync wrote before signatures were set aside."""
        from ptsync.marker import short_hash

        return frozenset({self.digest, short_hash(self.url)})


@dataclass(frozen=True)
class FileSource:
    """Create by (resumable) upload. ``digest`` is a short content hash of the file."""

    path: Path
    size: int
    digest: str


@dataclass(frozen=True)
class LocalFile:
    """A thumbnail (or other image) to send; ``digest`` goes into the marker once applied."""

    path: Path
    digest: str


@dataclass(frozen=True)
class CaptionFile:
    language: str
    path: Path
    digest: str


@dataclass(frozen=True)
class MirrorOrigin:
    """Where a mirrored entry comes from: the mirror that lists it (``channels[].mirrors[]``)
    and what the listing said about it. ``url`` is the mirror's, as written (shown redacted);
    ``match_urls`` are the exact strings a person or an older sync may have imported the same
    upstream video from; ``published``: epoch seconds, where the source gives a date."""

    url: str
    channel: str
    ref: SourceRef
    published: float | None = None
    match_urls: tuple[str, ...] = ()

    @property
    def shown(self) -> str:
        from ptsync import redact

        return redact.url(self.url)


@dataclass(frozen=True)
class DesiredVideo:
    """One manifest entry after defaults and label resolution.

    ``fields`` holds only managed fields (what the manifest, its defaults or a rule set);
    anything absent is left alone on the server. ``captions`` is ``None`` when unmanaged and
    an empty tuple when the manifest manages captions and wants none.
    """

    external_id: str
    ref: SourceRef
    fields: Mapping[str, Any]
    field_refs: Mapping[str, SourceRef] = field(default_factory=dict)
    source: UrlSource | FileSource | None = None
    uuid: str | None = None  # pinned: adopt this existing video
    allow_duplicate: bool = False
    takeover: bool = False  # may re-mark a video owned by another system (or another id)
    thumbnail: LocalFile | None = None
    captions: tuple[CaptionFile, ...] | None = None
    chapters: tuple[Chapter, ...] | None = None  # None: unmanaged; (): no chapters
    schedule: Schedule | None = None  # publishAt / publishPrivacy
    passwords: PasswordsRef | None = None
    lifecycle: Lifecycle = Lifecycle.MANAGED
    mirror: MirrorOrigin | None = None  # listed by a mirror (made at plan time)
    # a ``videos:`` entry without source whose id a mirror of its file may list: it curates
    # that entry (fields added or overridden), and needs no source of its own
    curates: bool = False


@dataclass(frozen=True)
class DesiredMirror:
    """``channels[].mirrors[]``: an upstream listed into ``channel`` by ptsync (its entries
    become desired videos at plan time), or with ``server`` a PeerTube channel sync.

    ``fields`` and ``field_refs``: what every entry of the mirror starts from, the declaring
    file's ``defaults`` overlaid with the channel's ``defaults`` and the channel itself."""

    channel: str
    url: str
    ref: SourceRef  # the mirror's ``url`` line
    since: date | None = None
    limit: int | None = None
    server: bool = False
    fields: Mapping[str, Any] = field(default_factory=dict)
    field_refs: Mapping[str, SourceRef] = field(default_factory=dict)

    @property
    def shown(self) -> str:
        from ptsync import redact

        return redact.url(self.url)


@dataclass(frozen=True)
class RuleMatch:
    """Which live videos a rule selects; all given conditions must hold."""

    all: bool = False
    channel: str | None = None
    tag: str | None = None
    name: str | None = None  # fnmatch-style glob, case-sensitive
    # ``owner: any``: also videos owned by another system or released by this manifest
    # (without it a rule leaves them alone and the plan counts them in a notice)
    any_owner: bool = False


@dataclass(frozen=True)
class Rule:
    match: RuleMatch
    fields: Mapping[str, Any]
    ref: SourceRef


@dataclass(frozen=True)
class DesiredPlaylist:
    """A playlist owned by marker, like videos; ``videos`` are external ids, in order."""

    external_id: str
    ref: SourceRef
    fields: Mapping[str, Any]  # displayName, description, privacy, channel (API value space)
    videos: tuple[str, ...]
    thumbnail: LocalFile | None = None


@dataclass(frozen=True)
class DesiredChannel:
    """A channel of the user, created when missing; ``fields``: displayName, description,
    support (only those the manifest sets)."""

    name: str
    ref: SourceRef
    fields: Mapping[str, Any]
    # ``channels[].defaults`` resolved: video fields for every video of the channel
    defaults: Mapping[str, Any] = field(default_factory=dict)
    default_refs: Mapping[str, SourceRef] = field(default_factory=dict)
    # the channel has a ``mirrors:`` key: its server-side syncs are managed (pruned when
    # undeclared); without the key they are left alone
    manages_syncs: bool = False


@dataclass(frozen=True)
class DesiredState:
    """Everything one (instance, system) pair should look like, merged from its files."""

    instance_url: str
    system: str
    videos: Mapping[str, DesiredVideo]  # external id -> video, in manifest order
    rules: tuple[Rule, ...] = ()
    files: tuple[str, ...] = ()
    digest: str = ""  # of the manifests and every file they reference
    notify_url: str | None = None
    context: Mapping[str, Any] = field(default_factory=dict)
    playlists: tuple[DesiredPlaylist, ...] = ()
    channels: tuple[DesiredChannel, ...] = ()
    # the manifests' ``safety:`` (maxUpdateFraction, maxDeleteFraction, minExisting) as set
    safety: Mapping[str, float] = field(default_factory=dict)
    mirrors: tuple[DesiredMirror, ...] = ()  # in manifest order


# ------------------------------------------------------------------------------- live state


@dataclass(frozen=True)
class LiveVideo:
    """A video owned by the authenticated user, as the API showed it.

    ``fields`` holds the managed values known so far: list fields always; the description
    only when the list did not truncate it; detail-only fields when ``detailed``. ``schedule``
    and ``duration`` come with the list too; ``chapters`` and ``password_digest`` are fetched
    only for entries that manage them (None: not fetched) and are never cached.
    """

    id: int
    uuid: str
    short_uuid: str
    url: str
    name: str
    channel: str
    updated_at: str
    state: int
    state_label: str
    marker: Marker | None
    marker_at_start: bool
    fields: Mapping[str, Any]
    detailed: bool = False
    is_live: bool = False
    duration: int = 0  # seconds; 0 while unknown (an import not finished)
    schedule: Schedule | None = None
    chapters: tuple[Chapter, ...] | None = None
    password_digest: str | None = field(default=None, repr=False)

    def knows(self, name: str) -> bool:
        return name in self.fields


@dataclass(frozen=True)
class LiveImport:
    """A row of ``/users/me/videos/imports``; ``video_uuid`` is None once PeerTube deleted it."""

    id: int
    target_url: str | None = field(repr=False)  # as PeerTube got it: credentials included
    state: int  # an ImportState value (kept as int: a newer server may add states)
    state_label: str
    error: str | None
    video_uuid: str | None
    created_at: str
    updated_at: str
    attempts: int = 0  # 8.x: how often the import ran (a retry counts); 0 where not told

    @property
    def finished(self) -> bool:
        return self.state in FINISHED_IMPORTS

    @property
    def failed(self) -> bool:
        return self.state in FAILED_IMPORTS


@dataclass(frozen=True)
class UpstreamEntry:
    """One entry a mirror's upstream lists (``ptsync.live.upstream``): ``external_id`` is
    what the manifest and the marker call the video; ``import_url`` the exact string sent to
    ``POST /videos/imports`` (the string yt-dlp returns, which is also what PeerTube's own
    channel sync would import); ``match_urls`` other spellings of the same video a person or
    an older sync may have imported it from, for exact ``targetUrl`` look-ups."""

    external_id: str
    import_url: str
    title: str | None = None
    published: datetime | None = None  # UTC, where the source says (feeds, PeerTube, YouTube*)
    match_urls: tuple[str, ...] = ()  # import_url first

    def published_on_or_after(self, since: date) -> bool:
        """Entries without a date are kept: the source cannot say they are older."""
        return self.published is None or self.published.date() >= since


@dataclass(frozen=True)
class MirrorOutcome:
    """What listing one mirror gave the plan: its entries and the skipped ones, or why the
    listing failed (then nothing is known about its entries)."""

    mirror: DesiredMirror
    entries: tuple[UpstreamEntry, ...] = ()
    problems: tuple[str, ...] = ()  # one line per skipped entry (private, removed, no guid)
    skipped: frozenset[str] = frozenset()  # ids of entries listed but skipped as private
    failure: str | None = None  # one line: the listing failed


@dataclass(frozen=True)
class LiveSync:
    """One server-side channel synchronisation (``videoChannelSync``) as the server shows it."""

    id: int
    external_url: str
    channel_id: int
    channel_name: str
    state: int  # 1 waiting first run, 2 processing, 3 synced, 4 failed (a newer server may add)
    state_label: str
    created_at: str
    last_sync_at: str | None  # absent until a scheduled or full run
    video_privacy: int | None  # 8.3+

    @property
    def failed(self) -> bool:
        return self.state == 4


@dataclass(frozen=True)
class Vocabularies:
    """The instance's id -> label maps, the user's channels (name -> id) and account name."""

    categories: Mapping[int, str]
    licences: Mapping[int, str]
    languages: Mapping[str, str]
    privacies: Mapping[int, str]
    channels: Mapping[str, int] = field(default_factory=dict)
    playlist_privacies: Mapping[int, str] = field(default_factory=dict)
    server_version: str = ""  # ``serverVersion`` of /config: picks behaviour (peertube.versions)
    account: str = ""  # the user's account name (their playlists' listing), from /users/me


@dataclass(frozen=True)
class LiveState:
    videos: tuple[LiveVideo, ...]
    imports: tuple[LiveImport, ...] | None = None  # None: not fetched (nothing needed it)
    upload_filenames: Mapping[str, str] = field(default_factory=dict)  # uuid -> inputFilename
    # import row id -> the external id of the upstream video it fetched (its ``targetUrl``
    # identified: ``ptsync.live.upstream.identify``), for rows no mirrored entry names exactly
    import_ids: Mapping[int, str] = field(default_factory=dict)

    def by_uuid(self) -> dict[str, LiveVideo]:
        return {v.uuid: v for v in self.videos}
