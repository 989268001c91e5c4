"""The typed, frozen changes a plan is made of, and the Plan that orders them.

Like octoDNS's Create/Update/Delete: identity (external id, uuid) and values are separate,
a Plan is built once and sorted in its constructor, and renderers live elsewhere. Changes
serialise to plain JSON (see ``serialize``) so a saved plan applies exactly what was
reviewed. Field comparison is plain equality after normalising (``ptsync.fields``): the
managed fields are flat values, so a generic deep-diff library would add nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ptsync.marker import Marker
from ptsync.sourceref import SourceRef
from ptsync.state import CaptionFile, LocalFile

FORMAT_VERSION = 1


@dataclass(frozen=True)
class FieldChange:
    """``old`` -> ``new`` for one managed field (API value space).

    Besides PeerTube fields, a few ptsync pseudo-fields appear: ``marker`` (ownership marker
    written or restored), ``thumbnail``, ``captions.<lang>`` and ``source`` (content hashes of
    local files, compared through the marker's last-applied annotations).
    """

    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Change:
    kind: ClassVar[str] = ""
    order: ClassVar[int] = 0

    @property
    def sort_key(self) -> tuple[Any, ...]:
        raise NotImplementedError


@dataclass(frozen=True)
class CreateVideo(Change):
    """Create by URL import or file upload; the marker is written in the creating request."""

    kind: ClassVar[str] = "create"
    order: ClassVar[int] = 0

    external_id: str
    method: str  # "import" | "upload"
    source: str  # the URL, or the file path
    source_digest: str
    fields: Mapping[str, Any]
    marker: Marker
    ref: SourceRef
    source_size: int | None = None
    thumbnail: LocalFile | None = None
    captions: tuple[CaptionFile, ...] = ()
    reason: str | None = None  # e.g. why this is a retry of a failed import

    @property
    def sort_key(self) -> tuple[Any, ...]:
        return (self.order, self.external_id)


@dataclass(frozen=True)
class UpdateVideo(Change):
    """Write only the fields that differ. ``updated_at`` is the live value the plan saw."""

    kind: ClassVar[str] = "update"
    order: ClassVar[int] = 1

    uuid: str
    name: str
    updated_at: str
    changes: tuple[FieldChange, ...]
    external_id: str | None = None  # None for an unlisted video changed by a rule
    ref: SourceRef | None = None
    matched_by: str = "marker"  # marker | uuid | import | filename | rule
    marker: Marker | None = None  # the marker to write when description or marker changes
    description: str | None = None  # the user's text to write with the marker (full, not cut)
    thumbnail: LocalFile | None = None
    captions_put: tuple[CaptionFile, ...] = ()
    captions_delete: tuple[str, ...] = ()
    source_file: str | None = None  # replace the video's file (path or URL)
    password_protected: bool = False  # PeerTube wants videoPasswords on every PUT

    @property
    def sort_key(self) -> tuple[Any, ...]:
        return (self.order, self.external_id or "\uffff", self.uuid)

    def field_values(self) -> dict[str, Any]:
        """New values of real PeerTube fields (pseudo-fields excluded)."""
        pseudo = ("marker", "thumbnail", "source")
        return {
            c.field: c.new
            for c in self.changes
            if c.field not in pseudo and not c.field.startswith("captions.")
        }


@dataclass(frozen=True)
class DeleteVideo(Change):
    kind: ClassVar[str] = "delete"
    order: ClassVar[int] = 2

    uuid: str
    name: str
    updated_at: str
    external_id: str
    reason: str = "not in the manifest"

    @property
    def sort_key(self) -> tuple[Any, ...]:
        return (self.order, self.external_id, self.uuid)


@dataclass(frozen=True)
class Notice:
    """Something a reviewer must see that is not a change (possible duplicate, failed import)."""

    kind: str  # possible-duplicate | import-failed | source-not-replaceable | duplicate-marker
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


@dataclass(frozen=True)
class Plan:
    """An immutable, deterministically ordered list of changes for one instance + system."""

    instance_url: str
    system: str
    changes: tuple[Change, ...]
    unchanged: int = 0
    notices: tuple[Notice, ...] = ()
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    managed_total: int = 0  # live videos carrying this system's marker
    resources: tuple[Any, ...] = ()  # ResourceChange (playlists, channels), applied after videos

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.changes, key=lambda c: c.sort_key))
        object.__setattr__(self, "changes", ordered)
        object.__setattr__(self, "resources", tuple(sorted(self.resources, key=_resource_key)))

    @property
    def summary(self) -> Summary:
        counts = {"create": 0, "update": 0, "delete": 0}
        for change in (*self.changes, *self.resources):
            counts[change.kind] += 1
        return Summary(unchanged=self.unchanged, **counts)

    @property
    def has_changes(self) -> bool:
        return bool(self.changes or self.resources)

    def of(self, kind: type[Change]) -> list[Any]:
        return [c for c in self.changes if isinstance(c, kind)]


def _resource_key(change: Any) -> Any:
    return change.sort_key
