"""The typed, frozen changes a plan is made of, and the Plan that orders them.

Like octoDNS's Create/Update/Delete: identity (external id, uuid, channel name) and values are
separate, a Plan is built once and sorted in its constructor, and renderers live elsewhere.
Videos, channels and playlists share one hierarchy: every change says what it does
(``action``) to which kind of thing (``resource``) and names it (``key``); the apply order
across kinds is ``APPLY_ORDER``, written here only. Each change holds exactly what apply needs,
in typed fields, so a saved plan (``ptsync.plan.codec``, whose codec is derived from these
fields) applies exactly what was reviewed. Field comparison is plain equality after normalising
(``ptsync.fields``): the managed fields are flat values, so a generic deep-diff library would
add nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from ptsync.fields import PSEUDO_FIELDS
from ptsync.marker import Marker
from ptsync.sourceref import SourceRef
from ptsync.state import CaptionFile, Chapter, LocalFile, Schedule


class Action(StrEnum):
    """What a change does; also the order of changes of one resource kind."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


class Resource(StrEnum):
    CHANNEL = "channel"
    VIDEO = "video"
    PLAYLIST = "playlist"
    SYNC = "sync"  # a PeerTube channel synchronisation (``mirrors: [{sync: server}]``)


APPLY_ORDER: tuple[Resource, ...] = (
    Resource.CHANNEL,
    Resource.VIDEO,
    Resource.PLAYLIST,
    Resource.SYNC,
)
"""Channels first (videos and playlists may live in a channel the plan creates), then videos,
then playlists (they list videos, including ones this apply creates), then channel syncs
(their backfill skips what the channel already imported by the same URL, ptsync's own
mirrored creates included)."""

_ACTIONS: tuple[Action, ...] = tuple(Action)


class CreateMethod(StrEnum):
    IMPORT = "import"  # PeerTube fetches the URL (POST /videos/imports)
    UPLOAD = "upload"  # ptsync sends the file (resumable upload)


class MatchedBy(StrEnum):
    """How a live video was found for a manifest entry, strongest first (``ptsync.plan.match``);
    ``rule`` for an unlisted video a bulk rule changes."""

    MARKER = "marker"
    UUID = "uuid"
    IMPORT = "import"
    FILENAME = "filename"
    RULE = "rule"


class NoticeKind(StrEnum):
    """What a notice is about: the kinds the planner emits."""

    POSSIBLE_DUPLICATE = "possible-duplicate"  # not created: an unowned video has its name
    NOT_TAKING_OVER = "not-taking-over"  # matched video carries another entry's marker
    UNADOPTED = "unadopted"  # videos pinned by uuid without a marker (``ptsync adopt``)
    SOURCE_NOT_REPLACEABLE = "source-not-replaceable"  # the instance cannot replace files
    NOT_DELETED = "not-deleted"  # marker not on the first line: not ours to delete
    QUOTA = "quota"  # the plan's uploads exceed the user's quota
    IMPORT_FAILED = "import-failed"  # kept failed import that cannot be retried in place
    SERVER_VERSION = "server-version"  # a server version newer than ptsync knows, or unreadable
    SCHEDULE_PASSED = "schedule-passed"  # publishAt is past and the video is published
    NOT_IN_MANIFEST = "not-in-manifest"  # owned videos absent from the manifest, no --prune
    RULES_SKIPPED = "rules-skipped"  # rules left another system's (or a released) video alone
    MIRROR_FAILED = "mirror-failed"  # a mirror's upstream could not be listed: left as it is
    MIRROR_ENTRY = "mirror-entry"  # an upstream entry skipped (private, removed, no guid)
    GONE_UPSTREAM = "gone-upstream"  # owned mirrored videos no longer listed upstream
    NOT_LISTED = "not-listed"  # a curation entry or playlist element no mirror lists now
    SYNCS_DISABLED = "syncs-disabled"  # the instance refuses channel syncs (403)


ATTENTION: frozenset[NoticeKind] = frozenset(
    {
        NoticeKind.POSSIBLE_DUPLICATE,
        NoticeKind.NOT_TAKING_OVER,
        NoticeKind.SOURCE_NOT_REPLACEABLE,
        NoticeKind.NOT_DELETED,
        NoticeKind.QUOTA,
        NoticeKind.IMPORT_FAILED,
        NoticeKind.NOT_IN_MANIFEST,
        NoticeKind.MIRROR_FAILED,
        NoticeKind.GONE_UPSTREAM,
        NoticeKind.SYNCS_DISABLED,
    }
)
"""Notices that need a person: the plan cannot converge (or will fail) until someone decides.
``UNADOPTED`` (optional markers), ``SERVER_VERSION``, ``RULES_SKIPPED`` (ownership held, as
it should: two systems on one account each converge), ``MIRROR_ENTRY`` and ``NOT_LISTED``
(upstream's own business: a private entry, a curated one not listed now) are informational."""


@dataclass(frozen=True)
class FieldChange:
    """``old`` -> ``new`` for one managed field (API value space).

    Besides PeerTube fields, a few ptsync pseudo-fields appear: ``marker`` (ownership marker
    written or restored; ``new`` None: released), ``thumbnail``, ``captions.<lang>`` and
    ``source`` (content hashes of local files, compared through the marker's last-applied
    annotations), ``chapters`` (lists of ``{timecode, title}``), ``publishAt`` and
    ``publishPrivacy`` (the schedule) and ``passwords`` (``new`` is only "set" or "changed":
    passwords never appear in a plan).
    """

    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Change:
    """One change: ``action`` on a ``resource`` named ``key``; ``sort_key`` is the apply order."""

    action: ClassVar[Action]
    resource: ClassVar[Resource]

    @property
    def key(self) -> str:
        raise NotImplementedError

    @property
    def sort_key(self) -> tuple[int, int, str, str]:
        """By resource (APPLY_ORDER), then create, update, delete, then by name."""
        resource = APPLY_ORDER.index(self.resource)
        return (resource, _ACTIONS.index(self.action), *self._order_within())

    def _order_within(self) -> tuple[str, str]:
        return (self.key, "")


# ---------------------------------------------------------------------------------- videos


@dataclass(frozen=True)
class CreateVideo(Change):
    """Create by URL import or file upload; the marker is written in the creating request."""

    action: ClassVar[Action] = Action.CREATE
    resource: ClassVar[Resource] = Resource.VIDEO

    external_id: str
    method: CreateMethod
    source: str  # the URL, or the file path
    source_digest: str
    fields: Mapping[str, Any]
    marker: Marker
    ref: SourceRef
    source_size: int | None = None
    thumbnail: LocalFile | None = None
    captions: tuple[CaptionFile, ...] = ()
    reason: str | None = None  # e.g. why this is a retry of a failed import
    # sent after the create (chapters: None = no PUT), in it (schedule, passwords)
    chapters: tuple[Chapter, ...] | None = None
    schedule: Schedule | None = None
    passwords_env: str | None = None  # the variable apply reads the passwords from
    mirror: str | None = None  # the mirror that lists it (its URL, redacted)

    @property
    def key(self) -> str:
        return self.external_id


@dataclass(frozen=True)
class UpdateVideo(Change):
    """Write only the fields that differ. ``updated_at`` is the live value the plan saw."""

    action: ClassVar[Action] = Action.UPDATE
    resource: ClassVar[Resource] = Resource.VIDEO

    uuid: str
    name: str
    updated_at: str
    changes: tuple[FieldChange, ...]
    external_id: str | None = None  # None for an unlisted video changed by a rule
    ref: SourceRef | None = None
    matched_by: MatchedBy = MatchedBy.MARKER
    marker: Marker | None = None  # the marker to write when description or marker changes
    description: str | None = None  # the user's text to write with the marker (full, not cut)
    thumbnail: LocalFile | None = None
    captions_put: tuple[CaptionFile, ...] = ()
    captions_delete: tuple[str, ...] = ()
    source_file: str | None = None  # replace the video's file (path or URL)
    password_protected: bool = False  # PeerTube wants videoPasswords on every PUT
    retry_import: int | None = None  # id of the failed import to retry in place (8.x)
    # chapters to PUT (None: leave them), the schedule to set or clear, the variable
    # holding the passwords to send (its values are read at apply), and a release (the marker
    # removed, nothing else: ``lifecycle: unmanaged``)
    chapters: tuple[Chapter, ...] | None = None
    schedule: Schedule | None = None
    unschedule: bool = False
    passwords_env: str | None = None
    release: bool = False

    @property
    def key(self) -> str:
        return self.external_id or self.uuid

    def _order_within(self) -> tuple[str, str]:
        return (self.external_id or "\uffff", self.uuid)  # rule updates after listed ones

    def field_values(self) -> dict[str, Any]:
        """New values of real PeerTube fields (pseudo-fields excluded)."""
        return {
            c.field: c.new
            for c in self.changes
            if c.field not in PSEUDO_FIELDS and not c.field.startswith("captions.")
        }


@dataclass(frozen=True)
class DeleteVideo(Change):
    action: ClassVar[Action] = Action.DELETE
    resource: ClassVar[Resource] = Resource.VIDEO

    uuid: str
    name: str
    updated_at: str
    external_id: str
    reason: str = "not in the manifest"
    duplicate_of: str | None = None  # uuid of the copy kept: a repair, not a prune

    @property
    def key(self) -> str:
        return self.external_id

    def _order_within(self) -> tuple[str, str]:
        return (self.external_id, self.uuid)  # extra copies share an external id


# ---------------------------------------------------------------------------------- channels
# Channel and playlist changes also say what a reviewer reads: ``changes`` (fields) and
# ``ops`` (playlist elements), stored where planning computed them, derived where they follow
# from what apply sends.


@dataclass(frozen=True)
class CreateChannel(Change):
    """A channel the manifest declares and the user lacks; ``fields`` (displayName,
    description, support: those the manifest sets) go in the creating request."""

    action: ClassVar[Action] = Action.CREATE
    resource: ClassVar[Resource] = Resource.CHANNEL

    name: str
    fields: Mapping[str, Any]

    @property
    def key(self) -> str:
        return self.name

    @property
    def changes(self) -> tuple[FieldChange, ...]:
        return tuple(FieldChange(k, None, v) for k, v in self.fields.items())

    @property
    def ops(self) -> tuple[str, ...]:
        return ()


@dataclass(frozen=True)
class UpdateChannel(Change):
    """Texts of an existing channel that differ; only those are sent."""

    action: ClassVar[Action] = Action.UPDATE
    resource: ClassVar[Resource] = Resource.CHANNEL

    name: str
    changes: tuple[FieldChange, ...]

    @property
    def key(self) -> str:
        return self.name

    @property
    def ops(self) -> tuple[str, ...]:
        return ()


# ---------------------------------------------------------------------------------- playlists


@dataclass(frozen=True)
class CreatePlaylist(Change):
    """A playlist created with its marker, then filled with ``videos`` (external ids, in
    order); ``uuids`` are their video uuids as planned (None: created by this apply)."""

    action: ClassVar[Action] = Action.CREATE
    resource: ClassVar[Resource] = Resource.PLAYLIST

    external_id: str
    fields: Mapping[str, Any]  # displayName, description, privacy, channel (API value space)
    marker: Marker
    videos: tuple[str, ...] = ()
    uuids: tuple[str | None, ...] = ()
    thumbnail: LocalFile | None = None

    @property
    def key(self) -> str:
        return self.external_id

    @property
    def changes(self) -> tuple[FieldChange, ...]:
        return tuple(FieldChange(k, None, v) for k, v in self.fields.items())

    @property
    def ops(self) -> tuple[str, ...]:
        return tuple(f"add {ext_id}" for ext_id in self.videos)


@dataclass(frozen=True)
class UpdatePlaylist(Change):
    """An owned playlist whose texts (``changes``) or elements (``ops``) differ. Apply
    rewrites the texts only when they changed and recomputes the element operations from the
    playlist as it is then, so a repeated apply does nothing twice."""

    action: ClassVar[Action] = Action.UPDATE
    resource: ClassVar[Resource] = Resource.PLAYLIST

    external_id: str
    uuid: str  # PeerTube refuses an unlisted playlist's numeric id: every call uses this
    fields: Mapping[str, Any]
    marker: Marker
    changes: tuple[FieldChange, ...] = ()
    ops: tuple[str, ...] = ()
    videos: tuple[str, ...] = ()
    uuids: tuple[str | None, ...] = ()
    thumbnail: LocalFile | None = None

    @property
    def key(self) -> str:
        return self.external_id

    @property
    def rewrite(self) -> bool:
        """Texts, privacy, channel or thumbnail changed: one PUT with the marker."""
        return bool(self.changes)


@dataclass(frozen=True)
class DeletePlaylist(Change):
    """An owned playlist absent from the manifest (``--prune`` only)."""

    action: ClassVar[Action] = Action.DELETE
    resource: ClassVar[Resource] = Resource.PLAYLIST

    external_id: str
    uuid: str

    @property
    def key(self) -> str:
        return self.external_id

    @property
    def changes(self) -> tuple[FieldChange, ...]:
        return ()

    @property
    def ops(self) -> tuple[str, ...]:
        return ()


# ---------------------------------------------------------------------------------- syncs
# A server-side channel sync has no marker: the manifest manages the syncs of the channels
# that have a ``mirrors:`` key. There is no update route: a change is a delete and a create,
# both shown (``CreateSync.replaces``, ``DeleteSync.reason``).


def sync_key(channel: str, url: str) -> str:
    """How a sync is named in plans and results: its channel and source (redacted)."""
    from ptsync import redact

    return f"{channel} ← {redact.url(url)}"


@dataclass(frozen=True)
class CreateSync(Change):
    """A channel sync to create, then backfill (``import-videos`` with its id: the
    documented ``/sync`` route does not exist). ``url`` holds no secret (refused offline)."""

    action: ClassVar[Action] = Action.CREATE
    resource: ClassVar[Resource] = Resource.SYNC

    channel: str
    url: str
    privacy: int | None = None  # the synced videos' privacy (8.3+)
    ref: SourceRef | None = None
    replaces: int | None = None  # the sync this one replaces (deleted in the same apply)

    @property
    def key(self) -> str:
        return sync_key(self.channel, self.url)

    @property
    def changes(self) -> tuple[FieldChange, ...]:
        privacy = (FieldChange("privacy", None, self.privacy),) if self.privacy else ()
        return (FieldChange("url", None, self.url), *privacy)

    @property
    def ops(self) -> tuple[str, ...]:
        replaced = (
            (f"replaces sync #{self.replaces} (no update route: delete + create)",)
            if self.replaces is not None
            else ()
        )
        return (*replaced, "backfill: import the source's videos (import-videos)")


@dataclass(frozen=True)
class UpdateSync(Change):
    """Failed imports of a sync, retried in place (8.0+: ``POST /videos/imports/{id}/retry``)."""

    action: ClassVar[Action] = Action.UPDATE
    resource: ClassVar[Resource] = Resource.SYNC

    id: int
    channel: str
    url: str
    retry_imports: tuple[int, ...] = ()
    changes: tuple[FieldChange, ...] = ()  # one per import: "import #N": failed: … → retry

    @property
    def key(self) -> str:
        return sync_key(self.channel, self.url)

    @property
    def ops(self) -> tuple[str, ...]:
        return ()


@dataclass(frozen=True)
class DeleteSync(Change):
    """A sync of a managed channel that no mirror declares (--prune), or one being replaced."""

    action: ClassVar[Action] = Action.DELETE
    resource: ClassVar[Resource] = Resource.SYNC

    id: int
    channel: str
    url: str
    reason: str = "not in the manifest"

    @property
    def key(self) -> str:
        return sync_key(self.channel, self.url)

    @property
    def changes(self) -> tuple[FieldChange, ...]:
        return ()

    @property
    def ops(self) -> tuple[str, ...]:
        return (f"sync #{self.id}: {self.reason} (its videos stay)",)


VideoChange = CreateVideo | UpdateVideo | DeleteVideo
ChannelChange = CreateChannel | UpdateChannel
PlaylistChange = CreatePlaylist | UpdatePlaylist | DeletePlaylist
SyncChange = CreateSync | UpdateSync | DeleteSync
ResourceChange = ChannelChange | PlaylistChange | SyncChange

KINDS: tuple[type[Change], ...] = (
    CreateChannel,
    UpdateChannel,
    CreateVideo,
    UpdateVideo,
    DeleteVideo,
    CreatePlaylist,
    UpdatePlaylist,
    DeletePlaylist,
    CreateSync,
    UpdateSync,
    DeleteSync,
)
"""Every change kind; each (resource, action) pair names one (saved plans rely on it)."""


@dataclass(frozen=True)
class Notice:
    """Something a reviewer must see that is not a change (possible duplicate, quota)."""

    kind: NoticeKind
    message: str
    external_id: str | None = None
    ref: SourceRef | None = None


@dataclass(frozen=True)
class Summary:
    create: int
    update: int
    delete: int
    unchanged: int

    @property
    def has_changes(self) -> bool:
        return bool(self.create or self.update or self.delete)


C = TypeVar("C", bound=Change)


@dataclass(frozen=True)
class Plan:
    """An immutable plan for one instance + system: every change (videos, channels,
    playlists), sorted into apply order in the constructor. ``videos`` and ``resources`` are
    the two sections renderers show."""

    instance_url: str
    system: str
    changes: tuple[Change, ...]
    unchanged: int = 0
    notices: tuple[Notice, ...] = ()
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    managed_total: int = 0  # live videos carrying this system's marker
    rule_matched: int = 0  # unlisted videos the rules select (their updates' threshold base)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.changes, key=lambda c: c.sort_key))
        object.__setattr__(self, "changes", ordered)

    @property
    def videos(self) -> tuple[VideoChange, ...]:
        return tuple(c for c in self.changes if isinstance(c, VideoChange))

    @property
    def resources(self) -> tuple[ResourceChange, ...]:
        """Channel, playlist and channel sync changes, in that order."""
        return tuple(c for c in self.changes if isinstance(c, ResourceChange))

    def of_resource(self, resource: Resource) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.resource is resource)

    @property
    def summary(self) -> Summary:
        counts = dict.fromkeys(Action, 0)
        for change in self.changes:
            counts[change.action] += 1
        return Summary(
            create=counts[Action.CREATE],
            update=counts[Action.UPDATE],
            delete=counts[Action.DELETE],
            unchanged=self.unchanged,
        )

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    @property
    def needs_attention(self) -> tuple[Notice, ...]:
        """Notices a person must act on (``ATTENTION``); ``plan --detailed-exitcode`` exits 2
        for them as for changes."""
        return tuple(n for n in self.notices if n.kind in ATTENTION)

    def of(self, kind: type[C]) -> list[C]:
        return [c for c in self.changes if isinstance(c, kind)]
