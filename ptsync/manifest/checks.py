"""PeerTube's limits and the manifest's own rules, checked offline before any request.

Each check yields problems placed on the offending key, worded as the fix: PeerTube would
answer most of these with a 400 in the middle of an apply, after other videos were changed.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ptsync import redact
from ptsync.errors import Problem
from ptsync.fields import (
    DESCRIPTION_MAX,
    NAME_MAX,
    NAME_MIN,
    SUPPORT_MAX,
    SUPPORT_MIN,
    TAG_MAX,
    TAG_MIN,
    TAGS_MAX,
    norm_instant,
)
from ptsync.manifest.entrychecks import check_entry_metadata
from ptsync.manifest.files import (
    CAPTION_EXTENSIONS,
    IMAGE_EXTENSIONS,
    VIDEO_EXTENSIONS,
    AllowedFolders,
    PathProblem,
    local_path,
)
from ptsync.manifest.models import (
    PLAYLIST_DESCRIPTION_MAX,
    PLAYLIST_DESCRIPTION_SERVER_MAX,
    VIDEO_DESCRIPTION_MAX,
    ChannelEntry,
    ManifestModel,
    MirrorModel,
    PlaylistEntry,
    VideoEntry,
)
from ptsync.manifest.partial import Positions, numbered
from ptsync.manifest.problems import not_a_date, ref_at
from ptsync.manifest.yamldoc import Document

Path_ = tuple[str | int, ...]
# An http(s) URL that urlsplit surely reads with a host and cannot refuse (no brackets, no tab
# or line break it would delete first; with isascii, no host to normalise): most URLs, checked
# without splitting them (10 000 videos, 10 000 URLs).
_PLAIN_HTTP = re.compile(r"https?://[^/?#\[\]\t\r\n][^\[\]\t\r\n]*")


class FileChecker:
    """Checks one parsed manifest file; ``problems`` collects everything found."""

    def __init__(
        self,
        file: str,
        doc: Document,
        model: ManifestModel,
        allowed: AllowedFolders,
        positions: Positions | None = None,
        dropped: Collection[Path_] = (),
    ):
        self.file, self.doc, self.model, self.allowed = file, doc, model, allowed
        self.positions = positions or {}
        self.dropped = frozenset(dropped)  # invalid parts, already reported: not "missing"
        self.problems: list[Problem] = []

    def problem(self, path: Path_, message: str) -> None:
        self.problems.append(Problem(ref_at(self.file, self.doc, path), message))

    def run(self) -> list[Problem]:
        if self.model.instance and self.model.instance.url:
            self._instance_url(("instance", "url"), self.model.instance.url)
        if self.model.notify:
            self._url(("notify",), self.model.notify)
        if self.model.defaults:
            self.fields(("defaults",), self.model.defaults.managed())
        for i, rule in self._items("rules"):
            self.fields(("rules", i, "set"), rule.set.managed())
        for i, entry in self._items("videos"):
            self.video(("videos", i), entry)
        for i, playlist in self._items("playlists"):
            self.playlist(("playlists", i), playlist)
        for i, channel in self._items("channels"):
            at = ("channels", i)
            self._length((*at, "displayName"), channel.displayName, 1, 120)
            self._control((*at, "displayName"), channel.displayName)
            self._length((*at, "description"), channel.description, 0, 1000)
            self._length((*at, "support"), channel.support, 0, 1000)
            self._channel_defaults(at, channel)
            seen: dict[str, int] = {}
            for j, mirror in enumerate(channel.mirrors or ()):
                self.mirror((*at, "mirrors", j), mirror)
                key = redact.identity(mirror.url)
                if key in seen:
                    earlier = ref_at(self.file, self.doc, (*at, "mirrors", seen[key], "url"))
                    self.problem((*at, "mirrors", j, "url"), f"already mirrored at {earlier}")
                seen.setdefault(key, j)
        return self.problems

    def _channel_defaults(self, at: Path_, channel: ChannelEntry) -> None:
        if channel.defaults is None:
            return
        values = channel.defaults.managed()
        self.fields((*at, "defaults"), values)
        if "channel" in values:
            self.problem(
                (*at, "defaults", "channel"),
                "a channel's defaults cannot set channel: they are for this channel's videos",
            )

    def mirror(self, at: Path_, mirror: MirrorModel) -> None:
        """Offline: an http(s) URL, a date; a server sync takes neither since nor limit (the
        instance imports the whole source, then its newest entries hourly) and no secret in
        its URL (PeerTube keeps it and shows it to the channel's managers)."""
        self._url((*at, "url"), mirror.url)
        if mirror.since is not None:
            try:
                since_date(mirror.since)
            except ValueError as exc:
                self.problem((*at, "since"), not_a_date(mirror.since, exc))
        if mirror.sync == "server":
            for key in ("since", "limit"):
                if getattr(mirror, key) is not None:
                    self.problem(
                        (*at, key),
                        f"{key} does not apply to sync: server (PeerTube imports the whole "
                        "source, then its newest entries every hour)",
                    )
            if redact.has_secret(mirror.url):
                self.problem(
                    (*at, "url"),
                    f"{redact.url(mirror.url)!r} carries a secret: a PeerTube channel sync "
                    "keeps its URL and shows it to the channel's managers",
                )

    def _items(self, section: str) -> list[tuple[int, Any]]:
        return numbered(self.model, section, self.positions)

    def _dropped(self, *paths: Path_) -> bool:
        return any(path in self.dropped for path in paths)

    def playlist(self, at: Path_, playlist: PlaylistEntry) -> None:
        self._length((*at, "displayName"), playlist.displayName, 1, 120)
        self._control((*at, "displayName"), playlist.displayName)
        self._description(
            (*at, "description"),
            playlist.description,
            PLAYLIST_DESCRIPTION_MAX,
            PLAYLIST_DESCRIPTION_SERVER_MAX,
        )
        if playlist.thumbnail is not None:
            self.path((*at, "thumbnail"), playlist.thumbnail, IMAGE_EXTENSIONS)
        public = str(playlist.privacy).casefold() in ("1", "public")
        default = self.model.defaults.channel if self.model.defaults else None
        unknown = self._dropped((*at, "channel"), ("defaults", "channel"))
        if public and playlist.channel is None and default is None and not unknown:
            self.problem(
                (*at, "privacy"), "a public playlist needs a channel (here or in defaults)"
            )
        seen: set[str] = set()
        for j, ext_id in enumerate(playlist.videos):
            if ext_id in seen:
                self.problem((*at, "videos", j), f"{ext_id!r} is listed twice")
            seen.add(ext_id)

    def _control(self, at: Path_, text: Any, allowed: str = "") -> None:
        """Tabs, line breaks and other control characters have no place in a name or a tag
        (invisible on PeerTube's pages, they make two names that look alike differ)."""
        found = control_character(text, allowed) if isinstance(text, str) else None
        if found is not None:
            where, char = found
            self.problem(
                at,
                f"contains the control character {_char_name(char)} at position {where + 1}; "
                "remove it (in double quotes, an escape such as \\t writes one)",
            )

    def _length(self, at: Path_, text: str | None, low: int, high: int) -> None:
        if text is not None and not low <= len(text.strip()) <= high:
            self.problem(at, f"must be {low}-{high} characters (is {len(text.strip())})")

    def _description(self, at: Path_, text: str | None, limit: int, server_limit: int) -> None:
        """One rule, one wording: a fixed limit, the rest of PeerTube's kept for the marker."""
        if text is not None and len(text.strip()) > limit:
            self.problem(
                at,
                f"description is {len(text.strip())} characters; at most {limit} are allowed "
                f"(PeerTube allows {server_limit}; ptsync keeps {server_limit - limit} for its "
                "ownership marker)",
            )

    def fields(self, at: Path_, values: Mapping[str, Any]) -> None:
        name = values.get("name", "")
        if "name" in values and not NAME_MIN <= len((name or "").strip()) <= NAME_MAX:
            size = len((name or "").strip())
            self.problem(
                (*at, "name"), f"name must be {NAME_MIN}-{NAME_MAX} characters (is {size})"
            )
        self._description(
            (*at, "description"), values.get("description"), VIDEO_DESCRIPTION_MAX, DESCRIPTION_MAX
        )
        support = values.get("support")
        if support is not None and not SUPPORT_MIN <= len(support.strip()) <= SUPPORT_MAX:
            self.problem(
                (*at, "support"),
                f"support must be {SUPPORT_MIN}-{SUPPORT_MAX} characters "
                f"(is {len(support.strip())})",
            )
        self._tags((*at, "tags"), values.get("tags"))
        for key in ("name", "description", "support"):
            if "\x00" in (values.get(key) or ""):
                self.problem((*at, key), f"{key} contains a NUL character (not storable)")
            else:  # a name is one line; texts may break lines and indent with tabs
                self._control((*at, key), values.get(key), "" if key == "name" else "\t\n\r")
        when = values.get("originallyPublishedAt")
        if when is not None:
            try:
                norm_instant(when)
            except ValueError as exc:
                self.problem((*at, "originallyPublishedAt"), not_a_date(when, exc))

    def _tags(self, at: Path_, tags: list[str] | None) -> None:
        if not tags:
            return
        unique = {t.strip() for t in tags}
        if len(unique) > TAGS_MAX:
            self.problem(at, f"at most {TAGS_MAX} tags (has {len(unique)})")
        for i, tag in enumerate(tags):
            if "\x00" in tag:
                self.problem((*at, i), "tag contains a NUL character (PeerTube cannot store it)")
            elif control_character(tag):
                self._control((*at, i), tag)
            elif not TAG_MIN <= len(tag.strip()) <= TAG_MAX:
                self.problem((*at, i), f"tag {tag!r} must be {TAG_MIN}-{TAG_MAX} characters")

    def video(self, at: Path_, entry: VideoEntry) -> None:
        self.fields(at, entry.managed())
        check_entry_metadata(at, entry, self.problem)
        released = entry.lifecycle == "unmanaged"  # never created: needs no source
        curates = self.model.may_curate(entry)  # a mirror of this file brings the source
        if entry.source is None and entry.uuid is None and not released and not curates:
            self._no_source(at, entry)
        if entry.source is not None and entry.source.url is not None:
            self._url((*at, "source", "url"), entry.source.url)
        if entry.source is not None and entry.source.file is not None:
            self.path((*at, "source", "file"), entry.source.file, VIDEO_EXTENSIONS)
        if entry.thumbnail is not None:
            self.path((*at, "thumbnail"), entry.thumbnail, IMAGE_EXTENSIONS)
        seen: set[str] = set()
        for j, caption in enumerate(entry.captions or []):
            if caption.language in seen:
                self.problem(
                    (*at, "captions", j, "language"), f"two captions for {caption.language!r}"
                )
            seen.add(caption.language)
            self.path((*at, "captions", j, "file"), caption.file, CAPTION_EXTENSIONS)

    def _no_source(self, at: Path_, entry: VideoEntry) -> None:
        if not self._dropped((*at, "source"), (*at, "uuid")):  # else reported as invalid
            self.problem(
                (*at, "id"), f"video {entry.id!r} needs source.url, source.file or a pinned uuid"
            )

    def path(self, at: Path_, given: str, extensions: frozenset[str]) -> Path | None:
        try:
            return local_path(self.allowed.folders[0], given, extensions, self.allowed)
        except PathProblem as exc:
            self.problem(at, str(exc))
            return None

    def _instance_url(self, at: Path_, url: str) -> None:
        """An http(s) URL without credentials: PeerTube's API never reads them (a misleading
        401 would follow), and they would end up in logs and caches (the client refuses them
        too; here the manifest's line is named, the password never shown)."""
        self._url(at, url)
        try:
            parts = urlsplit(url)
            userinfo = parts.username is not None or parts.password is not None
        except ValueError:  # an invalid port: not an http(s) URL, reported above
            return
        if userinfo:
            self.problem(
                at,
                f"{redact.url(url)!r} carries credentials (user:password@): remove them and set "
                "PEERTUBE_USERNAME and PEERTUBE_PASSWORD (or PEERTUBE_TOKEN)",
            )

    def _url(self, at: Path_, url: str) -> None:
        if url.isascii() and _PLAIN_HTTP.fullmatch(url):
            return
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            self.problem(at, f"{redact.url(url)!r} is not an http(s) URL")


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_NAMES = {"\t": "TAB", "\n": "LINE FEED", "\r": "CARRIAGE RETURN", "\x1b": "ESCAPE"}


def control_character(text: str, allowed: str = "") -> tuple[int, str] | None:
    """The first control character (C0, DEL, C1) of ``text`` not in ``allowed``, with its index."""
    if text.isprintable() and not allowed:  # the usual case, without a regex
        return None
    for found in _CONTROL.finditer(text):
        if found.group() not in allowed:
            return found.start(), found.group()
    return None


def _char_name(char: str) -> str:
    name = _CONTROL_NAMES.get(char)
    return f"U+{ord(char):04X}" + (f" ({name})" if name else "")


def since_date(value: Any) -> date:
    """``since:`` as a date: a YAML date, or text ``YYYY-MM-DD`` (ValueError otherwise); a
    date and time counts by its day."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        if "T" not in text:
            raise
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()


def duplicate_ids(entries: Sequence[tuple[str, Document, Path_, str]]) -> Iterator[Problem]:
    """Ids (or pinned uuids) used twice in one group, pointing at the second use."""
    first: dict[str, tuple[str, Document, Path_]] = {}  # placed only when used twice
    for file, doc, path, value in entries:
        if value in first:
            earlier = ref_at(*first[value])
            yield Problem(ref_at(file, doc, path), f"{value!r} is already used at {earlier}")
        else:
            first[value] = (file, doc, path)
