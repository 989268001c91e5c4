"""The manifest's shape as pydantic models: types and structure only.

PeerTube's limits (lengths, counts, file existence) are checked in :mod:`ptsync.manifest.checks`
where each problem can be worded for a person and placed on a line; labels (``privacy:
Public``) are resolved against the instance in :mod:`ptsync.manifest.resolve`. Field names are
the manifest's keys, which are PeerTube's API keys, so users can read PeerTube's API docs.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ptsync.fields import VIDEO_FIELDS

API_VERSION = "ptsync/v1"
Label = str | int
# ptsync.marker's patterns without look-ahead (pydantic's regex engine has none): no "--",
# which would end the HTML comment the marker lives in.
ID_SCHEMA_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9_.:@+]|-[A-Za-z0-9_.:@+])*-?$"
SYSTEM_SCHEMA_PATTERN = r"^[a-z0-9](?:[a-z0-9_.]|-[a-z0-9_.])*-?$"


def _help(name: str) -> str:
    return VIDEO_FIELDS[name].help


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class VideoFields(_Strict):
    """Managed video fields. A key left out is not managed: ptsync leaves it alone."""

    name: str | None = Field(None, description=_help("name"))
    description: str | None = Field(None, description=_help("description"))
    channel: Label | None = Field(None, description=_help("channel"))
    privacy: Label | None = Field(None, description=_help("privacy"))
    category: Label | None = Field(None, description=_help("category"))
    licence: Label | None = Field(None, description=_help("licence"))
    language: str | None = Field(None, description=_help("language"))
    nsfw: bool | None = Field(None, description=_help("nsfw"))
    waitTranscoding: bool | None = Field(None, description=_help("waitTranscoding"))
    originallyPublishedAt: datetime | date | str | None = Field(
        None, description=_help("originallyPublishedAt")
    )
    tags: list[str] | None = Field(None, description=_help("tags"))
    support: str | None = Field(None, description=_help("support"))
    commentsPolicy: Label | None = Field(None, description=_help("commentsPolicy"))
    downloadEnabled: bool | None = Field(None, description=_help("downloadEnabled"))

    def managed(self) -> dict[str, Any]:
        """Only the keys the manifest wrote (``category: null`` is managed: it clears)."""
        return {k: getattr(self, k) for k in self.model_fields_set if k in VIDEO_FIELDS}


class Source(_Strict):
    """Where a new video comes from: exactly one of ``url`` (import) or ``file`` (upload)."""

    url: str | None = Field(None, description="HTTP(S) URL PeerTube imports the video from.")
    file: str | None = Field(
        None, description="Video file to upload, relative to the manifest file's folder."
    )

    @model_validator(mode="after")
    def _one_of(self) -> Source:
        if (self.url is None) == (self.file is None):
            raise ValueError("give exactly one of source.url or source.file")
        return self


class Caption(_Strict):
    language: str = Field(description="Caption language code (e.g. en, nl).")
    file: str = Field(description="A .vtt or .srt file, relative to the manifest file's folder.")


class VideoEntry(VideoFields):
    id: str = Field(
        description="External id: unique within `system`; stored in the video's marker.",
        pattern=ID_SCHEMA_PATTERN,
        max_length=100,
    )
    source: Source | None = Field(None, description="Create from a URL import or a file upload.")
    uuid: str | None = Field(None, description="Adopt this existing video instead of creating.")
    allow_duplicate: bool = Field(
        False, description="Create even if an unmanaged video has the same name in the channel."
    )
    thumbnail: str | None = Field(None, description="Image file for the thumbnail and preview.")
    captions: list[Caption] | None = Field(
        None, description="Captions; languages not listed are deleted (empty list: none)."
    )


class RuleMatchModel(_Strict):
    all: bool | None = Field(None, description="Select every video of this account.")
    channel: Label | None = Field(None, description="Videos of this channel (name or id).")
    tag: str | None = Field(None, description="Videos carrying this tag.")
    name: str | None = Field(None, description="Videos whose name matches this glob (*, ?).")

    @model_validator(mode="after")
    def _something(self) -> RuleMatchModel:
        if not self.model_fields_set or (self.model_fields_set == {"all"} and not self.all):
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
        pattern=r"^[A-Za-z][A-Za-z0-9_]{0,31}$",
    )


class ChannelEntry(_Strict):
    """A channel of this account; created when missing, its texts kept as written."""

    name: str = Field(
        description="Channel handle (1-50 of a-z, 0-9, _ . - :).",
        pattern=r"^[a-zA-Z0-9_.:-]{1,50}$",
    )
    displayName: str | None = Field(None, description="Shown name, 1-120 characters.")
    description: str | None = Field(None, description="Up to 1000 characters.")
    support: str | None = Field(None, description="Support text, up to 1000 characters.")


class PlaylistEntry(_Strict):
    """A playlist owned by ptsync (marker in its description), with its videos in order."""

    id: str = Field(
        description="External id of the playlist, unique within `system`.",
        pattern=ID_SCHEMA_PATTERN,
        max_length=100,
    )
    displayName: str = Field(description="Title, 1-120 characters.")
    description: str | None = Field(None, description="Up to 1000 characters with the marker.")
    privacy: Label | None = Field(None, description="Public, Unlisted or Private (or id).")
    channel: Label | None = Field(None, description="Channel name or id; needed when public.")
    thumbnail: str | None = Field(None, description="Image file, relative to the manifest.")
    videos: list[str] = Field(
        default_factory=list, description="External ids of this manifest's videos, in order."
    )


class ManifestModel(_Strict):
    apiVersion: Literal["ptsync/v1"] = Field(description="Always ptsync/v1.")
    instance: Instance | None = None
    system: str = Field(
        description="External-id namespace; owned videos carry <!-- ptsync:SYSTEM/ID -->.",
        pattern=SYSTEM_SCHEMA_PATTERN,
        max_length=32,
    )
    defaults: VideoFields | None = Field(
        None, description="Fields every video of this file gets unless it sets them itself."
    )
    rules: list[RuleModel] = Field(
        default_factory=list, description="Bulk settings over live videos, listed or not."
    )
    videos: list[VideoEntry] = Field(default_factory=list)
    playlists: list[PlaylistEntry] = Field(default_factory=list)
    channels: list[ChannelEntry] = Field(default_factory=list)
    notify: str | None = Field(None, description="Webhook URL POSTed a JSON summary after apply.")
    context: dict[str, Any] = Field(
        default_factory=dict, description="Passed through unchanged to the webhook."
    )
