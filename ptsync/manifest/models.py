"""The manifest's shape as pydantic models: types and structure only.

PeerTube's limits (lengths, counts, file existence) are checked in :mod:`ptsync.manifest.checks`
where each problem can be worded for a person and placed on a line; labels (``privacy:
Public``) are resolved against the instance in :mod:`ptsync.manifest.resolve`. Field names are
the manifest's keys, which are PeerTube's API keys, so users can read PeerTube's API docs.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, create_model, model_validator

from ptsync.fields import CHAPTER_TITLE_MAX, CHAPTER_TITLE_MIN, VIDEO_FIELDS
from ptsync.passwords import ENV_PATTERN
from ptsync.passwords import MAX_LENGTH as PASSWORD_MAX
from ptsync.passwords import MIN_LENGTH as PASSWORD_MIN

API_VERSION = "ptsync/v1"
# Strict scalars: YAML says what a value is, and the schema promises booleans are booleans, so
# `nsfw: "yes"` or `downloadEnabled: 1` is refused instead of being read as true.
Flag = Annotated[bool, Strict()]
Label = Annotated[str, Strict()] | Annotated[int, Strict()]
When = Annotated[datetime, Strict()] | Annotated[date, Strict()] | Annotated[str, Strict()]
TIMECODE_PATTERN = r"^\s*(?:\d+|(?:\d+:[0-5]\d|\d+):[0-5]\d)\s*$"
Timecode = (
    Annotated[int, Strict(), Field(ge=0)]
    | Annotated[str, Strict(), Field(pattern=TIMECODE_PATTERN)]
)
_TIMECODE_EXAMPLES = '"00:00", "12:30", "1:02:03", 750'
CHAPTERS_MAX = 1000  # far beyond any real video; bounds a hostile manifest
EXTENSION_PREFIX = "x-"  # top-level keys ignored (YAML anchors), as in docker compose
# Description limits: one fixed number each, the rest of PeerTube's limit kept for the marker
# (at most 149 characters bare, plus "src", "thumb" and one "cap.<lang>" hash per caption).
VIDEO_DESCRIPTION_MAX = 9_000  # PeerTube: 10 000 (fields.DESCRIPTION_MAX)
PLAYLIST_DESCRIPTION_MAX = 800
PLAYLIST_DESCRIPTION_SERVER_MAX = 1_000
# ptsync.marker's patterns without look-ahead (pydantic's regex engine has none): no "--",
# which would end the HTML comment the marker lives in.
ID_SCHEMA_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9_.:@+]|-[A-Za-z0-9_.:@+])*-?$"
SYSTEM_SCHEMA_PATTERN = r"^[a-z0-9](?:[a-z0-9_.]|-[a-z0-9_.])*-?$"
UUID_SCHEMA_PATTERN = (
    r"^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"|[1-9A-HJ-NP-Za-km-z]{22})$"
)
INSTANCE_NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_]{0,31}$"
CHANNEL_NAME_PATTERN = r"^[a-zA-Z0-9_.:-]{1,50}$"
PATTERN_HELP = {
    ID_SCHEMA_PATTERN: "letters, digits and . _ : @ + -, starting with a letter or digit; no '--'",
    SYSTEM_SCHEMA_PATTERN: (
        "lowercase letters, digits and . _ -, starting with a letter or digit; no '--'"
    ),
    UUID_SCHEMA_PATTERN: (
        "a video's uuid (lowercase, like 9c9de5e8-0a1b-4ca3-9d1e-3a5b0c2d7f11) or its "
        "22-character short uuid"
    ),
    INSTANCE_NAME_PATTERN: (
        "a letter, then up to 31 letters, digits or _ (it names the PEERTUBE_URL__<NAME> "
        "and PEERTUBE_USERNAME__<NAME> variables)"
    ),
    CHANNEL_NAME_PATTERN: "1-50 letters, digits and _ . - :",
    TIMECODE_PATTERN: "a time as MM:SS or H:MM:SS (e.g. 12:30, 1:02:03), or seconds",
    ENV_PATTERN: "an environment variable name (letters, digits and _, not starting with a digit)",
}


# Empty defaults from Python functions, not the builtins list and dict: pydantic reads a
# factory's signature, and a builtin's is parsed from text by the tokenizer (compiling its
# patterns costs milliseconds at every start of `ptsync validate`).
def _no_items() -> list[Any]:
    return []


def _no_keys() -> dict[str, Any]:
    return {}


def _help(name: str) -> str:
    return VIDEO_FIELDS[name].help


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class VideoFields(_Strict):
    """Managed video fields. A key left out is not managed: ptsync leaves it alone."""

    name: str | None = Field(None, description=_help("name"))
    description: str | None = Field(
        None,
        description=f"{_help('description')} Up to {VIDEO_DESCRIPTION_MAX} characters.",
    )
    channel: Label | None = Field(None, description=_help("channel"))
    privacy: Label | None = Field(None, description=_help("privacy"))
    category: Label | None = Field(None, description=_help("category"))
    licence: Label | None = Field(None, description=_help("licence"))
    language: str | None = Field(None, description=_help("language"))
    nsfw: Flag | None = Field(None, description=_help("nsfw"))
    waitTranscoding: Flag | None = Field(None, description=_help("waitTranscoding"))
    originallyPublishedAt: When | None = Field(None, description=_help("originallyPublishedAt"))
    tags: list[str] | None = Field(None, description=_help("tags"))
    support: str | None = Field(None, description=_help("support"))
    commentsPolicy: Label | None = Field(None, description=_help("commentsPolicy"))
    downloadEnabled: Flag | None = Field(None, description=_help("downloadEnabled"))

    def managed(self) -> dict[str, Any]:
        """Only the keys the manifest wrote (``category: null`` is managed: it clears)."""
        return {k: getattr(self, k) for k in self.model_fields_set if k in VIDEO_FIELDS}


class SourceCredentials(_Strict):
    env: str = Field(
        description=(
            "Environment variable holding the credentials PeerTube needs to fetch the URL: "
            "user:password (sent as the URL's userinfo), or a query string starting with ? "
            "(appended to the URL). Only the import request carries them; never shown."
        ),
        pattern=ENV_PATTERN,
    )


class Source(_Strict):
    """Where a new video comes from: exactly one of ``url`` (import) or ``file`` (upload)."""

    url: str | None = Field(None, description="HTTP(S) URL PeerTube imports the video from.")
    file: str | None = Field(
        None,
        description="Video file to upload, relative to the manifest's folder (see files.roots).",
    )
    credentials: SourceCredentials | None = Field(
        None,
        description="Credentials for a private source.url, from an environment variable.",
    )

    @model_validator(mode="after")
    def _one_of(self) -> Source:
        if (self.url is None) == (self.file is None):
            raise ValueError("give exactly one of source.url or source.file")
        if self.credentials is not None and self.url is None:
            raise ValueError("credentials are for source.url (PeerTube fetches the URL)")
        return self


class Caption(_Strict):
    language: str = Field(description="Caption language: code or label (e.g. en, Dutch).")
    file: str = Field(
        description="A .vtt or .srt file, relative to the manifest's folder (see files.roots)."
    )


class ChapterEntry(_Strict):
    at: Timecode = Field(
        description=f"Start: MM:SS, H:MM:SS or seconds (e.g. {_TIMECODE_EXAMPLES}).",
    )
    title: str = Field(
        description=f"Chapter title, {CHAPTER_TITLE_MIN}-{CHAPTER_TITLE_MAX} characters.",
        min_length=CHAPTER_TITLE_MIN,
        max_length=CHAPTER_TITLE_MAX,
    )


class PasswordsEnv(_Strict):
    env: str = Field(
        description=(
            "Environment variable holding the passwords: one per line, or comma-separated "
            f"({PASSWORD_MIN}-{PASSWORD_MAX} characters each)."
        ),
        pattern=ENV_PATTERN,
    )


class VideoEntry(VideoFields):
    id: str = Field(
        description="External id: unique within `system`; stored in the video's marker.",
        pattern=ID_SCHEMA_PATTERN,
        max_length=100,
    )
    source: Source | None = Field(None, description="Create from a URL import or a file upload.")
    uuid: str | None = Field(
        None,
        description="Adopt this existing video (its uuid or short uuid) instead of creating.",
        pattern=UUID_SCHEMA_PATTERN,
    )
    allow_duplicate: Flag = Field(
        False, description="Create even if an unmanaged video has the same name in the channel."
    )
    thumbnail: str | None = Field(
        None, description="Image file for the thumbnail and preview (see files.roots)."
    )
    captions: list[Caption] | None = Field(
        None, description="Captions; languages not listed are deleted (empty list: none)."
    )
    takeover: Flag = Field(
        False,
        description=(
            "Re-mark a video that carries another entry's or another system's marker (found "
            "through uuid, import URL or upload filename); without it such a video is left alone."
        ),
    )
    lifecycle: Literal["managed", "unmanaged"] = Field(
        "managed",
        description=(
            "unmanaged: let the video go. The next apply removes ptsync's marker and leaves "
            "everything else; the entry is then ignored (never created, updated or pruned)."
        ),
    )
    publishAt: When | None = Field(
        None,
        description=(
            "Publish at this time (ISO 8601 with a time zone, e.g. 2027-01-15T09:00:00+01:00); "
            "until then the video has `privacy` (default Private). Removing it cancels a "
            "schedule ptsync set."
        ),
    )
    publishPrivacy: Label | None = Field(
        None,
        description="Privacy at publishAt: Public (default), Unlisted or Internal (or id).",
    )
    chapters: list[ChapterEntry] | None = Field(
        None,
        description=(
            "Chapters in order; an empty list removes them. Left out: chapters are not managed "
            "(PeerTube may derive them from timestamps in the description)."
        ),
        max_length=CHAPTERS_MAX,
    )
    passwords: PasswordsEnv | None = Field(
        None,
        description=(
            "Passwords of a Password protected video, from an environment variable (never "
            "written in the manifest)."
        ),
    )


class RuleMatchModel(_Strict):
    all: Flag | None = Field(None, description="Select every video of this account.")
    channel: Label | None = Field(None, description="Videos of this channel (name or id).")
    tag: str | None = Field(None, description="Videos carrying this tag.")
    name: str | None = Field(None, description="Videos whose name matches this glob (*, ?).")
    owner: Literal["any"] | None = Field(
        None,
        description=(
            "any: also change videos that carry another system's marker or that this manifest "
            "released (lifecycle: unmanaged). Without it a rule leaves them alone and the plan "
            "counts them in a notice."
        ),
    )

    @model_validator(mode="after")
    def _something(self) -> RuleMatchModel:
        conditions = self.model_fields_set - {"owner"}
        if not conditions or (conditions == {"all"} and not self.all):
            raise ValueError("a rule needs match conditions: all, channel, tag or name")
        return self


class RuleFields(VideoFields):
    """What a rule sets; name and description stay per video."""

    @model_validator(mode="after")
    def _no_identity_text(self) -> RuleFields:
        for key in ("name", "description"):
            if key in self.model_fields_set:
                raise ValueError(f"rules cannot set {key} (it is per video)")
        if not self.model_fields_set:
            raise ValueError("a rule must set at least one field")
        return self


class RuleModel(_Strict):
    match: RuleMatchModel
    set: RuleFields


class Instance(_Strict):
    url: str | None = Field(None, description="Base URL; PEERTUBE_URL overrides it.")
    name: str | None = Field(
        None,
        description="Short name; credentials come from PEERTUBE_USERNAME__<NAME> etc.",
        pattern=INSTANCE_NAME_PATTERN,
    )


MIRRORED_ID_MARK = ":"  # every mirrored id has one: youtube:ID, feed:GUID, peertube:HOST:UUID


class MirrorModel(_Strict):
    """An upstream channel, playlist or feed whose entries become this channel's videos."""

    url: str = Field(
        description=(
            "A channel, playlist or feed: anything yt-dlp lists (YouTube, Vimeo, ...; needs "
            "ptsync[mirrors]), an RSS or Atom feed, or another PeerTube's channel (/c/NAME)."
        )
    )
    since: When | None = Field(
        None, description="Only entries published on or after this date (YYYY-MM-DD)."
    )
    limit: Annotated[int, Strict(), Field(ge=1)] | None = Field(
        None, description="At most this many entries, newest first."
    )
    sync: Literal["server"] | None = Field(
        None,
        description=(
            "server: a PeerTube channel synchronisation instead: the instance imports the "
            "source's new entries itself (needs import.video_channel_synchronization.enabled)."
        ),
    )


class ChannelEntry(_Strict):
    """A channel of this account; created when missing, its texts kept as written."""

    name: str = Field(
        description="Channel handle (1-50 of a-z, 0-9, _ . - :).",
        pattern=CHANNEL_NAME_PATTERN,
    )
    displayName: str | None = Field(None, description="Shown name, 1-120 characters.")
    description: str | None = Field(None, description="Up to 1000 characters.")
    support: str | None = Field(None, description="Support text, up to 1000 characters.")
    defaults: VideoFields | None = Field(
        None,
        description=(
            "Fields every video of this channel gets (its mirrored entries, and entries whose "
            "channel is this one): over the file's defaults, under rules and an entry's own "
            "fields."
        ),
    )
    mirrors: list[MirrorModel] | None = Field(
        None,
        description=(
            "Upstream channels, playlists or feeds mirrored into this channel (a videos: entry "
            "with a mirrored id curates it). With this key the channel's PeerTube syncs are "
            "managed: --prune deletes those no `sync: server` mirror declares."
        ),
    )


class PlaylistEntry(_Strict):
    """A playlist owned by ptsync (marker in its description), with its videos in order."""

    id: str = Field(
        description="External id of the playlist, unique within `system`.",
        pattern=ID_SCHEMA_PATTERN,
        max_length=100,
    )
    displayName: str = Field(description="Title, 1-120 characters.")
    description: str | None = Field(
        None, description=f"Up to {PLAYLIST_DESCRIPTION_MAX} characters."
    )
    privacy: Label | None = Field(None, description="Public, Unlisted or Private (or id).")
    channel: Label | None = Field(None, description="Channel name or id; needed when public.")
    thumbnail: str | None = Field(
        None, description="Image file, relative to the manifest's folder (see files.roots)."
    )
    videos: list[str] = Field(
        default_factory=_no_items, description="External ids of this manifest's videos, in order."
    )


class FilesModel(_Strict):
    """Where local files (sources, thumbnails, captions) may be, besides the manifest's folder."""

    roots: list[str] = Field(
        default_factory=_no_items,
        description=(
            "More folders local files may be in (absolute, or relative to the manifest's "
            "folder). A path is resolved, symlinks included, before it is checked."
        ),
    )


class SafetyModel(_Strict):
    """This manifest's change thresholds (octoDNS-style); unset values keep the defaults."""

    maxUpdateFraction: float | None = Field(
        None, ge=0, le=1, description="Refuse updating more of the videos a plan can touch."
    )
    maxDeleteFraction: float | None = Field(
        None, ge=0, le=1, description="Refuse deleting more of the managed videos."
    )
    minExisting: int | None = Field(
        None, ge=0, description="Check the fractions only from this many existing videos."
    )


CATALOGUE_SUFFIXES = (".csv", ".tsv", ".xlsx", ".ods")
# Entry keys a catalogue column can fill (besides `id` and `source`, declared on their own).
COLUMN_FIELDS = (*VIDEO_FIELDS, "uuid", "thumbnail", "publishAt", "publishPrivacy")
_COLUMN_HELP = {
    "uuid": "Adopt the existing video with this uuid (or short uuid).",
    "thumbnail": "Image file, relative to the catalogue's folder.",
    "publishAt": "Publication time, with a time zone (see videos[].publishAt).",
    "publishPrivacy": "Privacy at publishAt.",
}


class Column(_Strict):
    """A field read from a column (``column``, lists split at ``split``) or one fixed ``value``."""

    column: str | None = Field(None, description="Header of the column holding the value.")
    split: str | None = Field(
        None,
        min_length=1,
        description='List separator of a tags column (default ";"); items are trimmed.',
    )
    value: Any = Field(None, description="The same value for every row (instead of a column).")

    @model_validator(mode="after")
    def _one_of(self) -> Column:
        if ("column" in self.model_fields_set) == ("value" in self.model_fields_set):
            raise ValueError("give exactly one of column (a header) or value (a fixed value)")
        if self.split is not None and self.column is None:
            raise ValueError("split applies to a column")
        return self


ColumnRef = Annotated[str, Strict()] | Column
CatalogueColumns = create_model(  # one optional key per field, so editors complete them
    "CatalogueColumns",
    __base__=_Strict,
    __doc__="Manifest field <- column header (or {column, split} or {value}).",
    **{
        name: (
            ColumnRef | None,
            Field(None, description=_COLUMN_HELP.get(name) or VIDEO_FIELDS[name].help),
        )
        for name in COLUMN_FIELDS
    },  # type: ignore[call-overload]
)


class CatalogueSource(_Strict):
    """Which column holds each row's source: ``url`` (import) or ``file`` (upload)."""

    url: str | None = Field(None, description="Column holding the URL to import the video from.")
    file: str | None = Field(
        None, description="Column holding the video file, relative to the catalogue's folder."
    )

    @model_validator(mode="after")
    def _one_of(self) -> CatalogueSource:
        if (self.url is None) == (self.file is None):
            raise ValueError("give exactly one of source.url or source.file (a column header)")
        return self


class CatalogueModel(_Strict):
    """A spreadsheet or CSV file whose rows are video entries (one row per video)."""

    file: str = Field(
        description=(
            "The catalogue: .csv or .tsv (UTF-8, or any encoding announced by a byte order "
            "mark), .xlsx or .ods (needs ptsync[sheets]); relative to this manifest's folder."
        )
    )
    sheet: str | None = Field(None, description="Sheet of a spreadsheet (default: the first).")
    id: str = Field(description="Header of the column holding each row's external id.")
    source: CatalogueSource | None = Field(
        None, description="Column of each row's source (rows without one need a uuid)."
    )
    columns: CatalogueColumns | None = Field(  # type: ignore[valid-type]
        None, description="Manifest field <- column header, {column, split} or {value}."
    )
    delimiter: str | None = Field(
        None,
        min_length=1,
        max_length=1,
        description='CSV field delimiter (default "," for .csv, a tab for .tsv).',
    )


class FolderModel(_Strict):
    """A folder whose media files are video entries (uploads), with optional sidecar files."""

    path: str = Field(
        description="The folder, relative to this manifest's folder (see files.roots)."
    )
    id: str = Field(
        "{stem}",
        description=(
            "External id of each file: a template of {stem} (the file name without its "
            "extension) and {parent} (the folder's name)."
        ),
        min_length=1,
    )


class ManifestModel(_Strict):
    apiVersion: Literal["ptsync/v1"] = Field(description="Always ptsync/v1.")
    instance: Instance | None = None
    system: str = Field(
        description="External-id namespace; owned videos carry <!-- ptsync:SYSTEM/ID -->.",
        pattern=SYSTEM_SCHEMA_PATTERN,
        max_length=32,
    )
    files: FilesModel | None = Field(
        None, description="Folders local files may be in besides the manifest's own."
    )
    safety: SafetyModel | None = Field(
        None, description="Change thresholds for plans of this manifest (--force overrides)."
    )
    defaults: VideoFields | None = Field(
        None,
        description=(
            "Fields every video of this file gets unless it sets them itself; "
            "channel also applies to playlists."
        ),
    )
    rules: list[RuleModel] = Field(
        default_factory=_no_items, description="Bulk settings over live videos, listed or not."
    )
    videos: list[VideoEntry] = Field(default_factory=_no_items)
    catalogues: list[CatalogueModel] = Field(
        default_factory=_no_items,
        description=(
            "Spreadsheets or CSV files whose rows are video entries; a videos: entry with the "
            "same id adds or overrides fields."
        ),
    )
    folders: list[FolderModel] = Field(
        default_factory=_no_items,
        description="Folders whose media files are video entries (uploads), with sidecar files.",
    )
    playlists: list[PlaylistEntry] = Field(default_factory=_no_items)
    channels: list[ChannelEntry] = Field(default_factory=_no_items)
    notify: str | None = Field(None, description="Webhook URL POSTed a JSON summary after apply.")
    context: dict[str, Any] = Field(
        default_factory=_no_keys, description="Passed through unchanged to the webhook."
    )

    def declares_mirrors(self) -> bool:
        """Some channel of this file mirrors an upstream (listed by ptsync, not a server sync)."""
        return any(m.sync is None for c in self.channels for m in c.mirrors or ())

    def may_curate(self, entry: VideoEntry) -> bool:
        """A ``videos:`` entry without source or uuid that may curate a mirrored entry: its
        id looks mirrored and this file declares a mirror (known only once it is listed)."""
        return (
            entry.source is None
            and entry.uuid is None
            and MIRRORED_ID_MARK in entry.id
            and self.declares_mirrors()
        )
