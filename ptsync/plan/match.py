"""Match manifest entries to live videos: who is who, before anyone compares values.

Identity, strongest first: the ``<!-- ptsync:system/id -->`` marker; a pinned ``uuid`` (adoption);
the import ``targetUrl`` (``/users/me/videos/imports``); the upload's original filename, which
ptsync sets to carry the external id. The secondary identities only matter when a person
removed the marker in the web UI: the next plan finds the video again and restores it instead
of creating a duplicate. Matching is pure; the planner fetches imports and filenames only when
an entry is still unmatched, then matches again.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ptsync import redact
from ptsync.errors import Problem
from ptsync.fields import normalise
from ptsync.marker import ID_PATTERN, SYSTEM_PATTERN
from ptsync.plan.changes import MatchedBy
from ptsync.state import (
    DesiredState,
    DesiredVideo,
    FileSource,
    Lifecycle,
    LiveImport,
    LiveState,
    LiveVideo,
    UrlSource,
    VideoState,
)

_FILENAME_RE = re.compile(
    rf"~ptsync~(?P<system>{SYSTEM_PATTERN})~(?P<id>{ID_PATTERN})~(?:\.[^.~]*)?$"
)


def upload_filename(system: str, external_id: str, path_name: str) -> str:
    """The original filename ptsync gives an upload so the video can be found without marker."""
    stem, dot, suffix = path_name.rpartition(".")
    if not dot:
        stem, suffix = path_name, ""
    return f"{stem}~ptsync~{system}~{external_id}~{'.' + suffix if suffix else ''}"


def parse_upload_filename(filename: str | None) -> tuple[str, str] | None:
    match = _FILENAME_RE.search(filename or "")
    return (match.group("system"), match.group("id")) if match else None


@dataclass(frozen=True)
class Match:
    desired: DesiredVideo
    live: LiveVideo | None
    by: MatchedBy | None = None
    failed_import: LiveImport | None = None  # the latest failed import of this entry's URL


@dataclass(frozen=True)
class Matching:
    matches: tuple[Match, ...]
    orphans: tuple[LiveVideo, ...] = ()  # carry this system's marker, absent from the manifest
    extra_copies: tuple[tuple[LiveVideo, LiveVideo], ...] = ()  # (kept, extra) same marker twice
    problems: tuple[Problem, ...] = ()
    unlisted: tuple[LiveVideo, ...] = ()  # every live video no entry matched (rules apply)

    def unmatched(self) -> list[Match]:
        return [m for m in self.matches if m.live is None]


@dataclass
class _Index:
    by_marker: dict[str, list[LiveVideo]] = field(default_factory=lambda: defaultdict(list))
    by_uuid: dict[str, LiveVideo] = field(default_factory=dict)
    claimed: set[str] = field(default_factory=set)
    imports: _Imports | None = None


class _Imports:
    """Import rows indexed once per matching, for mirrored entries: by exact ``targetUrl``
    and by the upstream id the row's URL names (``LiveState.import_ids``). A mirror of
    thousands of entries against thousands of rows costs two dictionary look-ups each."""

    def __init__(self, rows: Iterable[LiveImport], ids: Mapping[int, str]):
        self.by_url: dict[str, list[LiveImport]] = defaultdict(list)
        self.by_id: dict[str, list[LiveImport]] = defaultdict(list)
        for row in sorted(rows, key=lambda r: r.id):
            if row.target_url is not None:
                self.by_url[row.target_url].append(row)
            if row.id in ids:
                self.by_id[ids[row.id]].append(row)

    def of(self, entry: DesiredVideo) -> list[LiveImport]:
        """Rows of ``entry``'s upstream video: its import URL first, then other spellings
        (``match_urls``: ``youtu.be/``, ``shorts/``, a feed item's plain link), then any row
        whose URL names the same upstream video (a channel sync's smuggled fragment)."""
        assert entry.mirror is not None and isinstance(entry.source, UrlSource)
        found: dict[int, LiveImport] = {}
        for url in (entry.source.url, *entry.mirror.match_urls):
            found.update((r.id, r) for r in self.by_url.get(url, ()))
        found.update((r.id, r) for r in self.by_id.get(entry.external_id, ()))
        return list(found.values())


def _index(system: str, videos: Iterable[LiveVideo]) -> _Index:
    index = _Index()
    # a marker on the first line (written by ptsync) wins over an older quote of it, and a
    # copy whose import did not fail over one that did (8.x keeps failed imports' videos)
    for video in sorted(videos, key=_precedence):
        index.by_uuid[video.uuid] = video
        if video.short_uuid:
            index.by_uuid[video.short_uuid] = video
        if video.marker and video.marker.system == system:
            index.by_marker[video.marker.external_id].append(video)
    return index


def _precedence(video: LiveVideo) -> tuple[bool, bool, int]:
    return (not video.marker_at_start, video.state == VideoState.IMPORT_FAILED, video.id)


def match(desired: DesiredState, live: LiveState) -> Matching:
    index = _index(desired.system, live.videos)
    if live.imports and any(e.mirror for e in desired.videos.values()):
        index.imports = _Imports(live.imports, live.import_ids)
    found_for: dict[str, Match] = {}
    problems: list[Problem] = []
    extra: list[tuple[LiveVideo, LiveVideo]] = []
    # managed entries first: a released entry never takes a video a managed one identifies
    entries = sorted(desired.videos.values(), key=lambda e: e.lifecycle is Lifecycle.UNMANAGED)
    for entry in entries:
        found, by, problem = _find(desired.system, entry, index, live)
        if problem:
            problems.append(problem)
        if found is not None:
            index.claimed.add(found.uuid)
            copies = index.by_marker.get(entry.external_id, [])
            extra.extend((found, c) for c in copies if c.uuid != found.uuid)
            for copy in copies:
                index.claimed.add(copy.uuid)
        found_for[entry.external_id] = _with_imports(Match(entry, found, by), live.imports, index)
    matches = [found_for[ext_id] for ext_id in desired.videos]
    orphans = [
        copies[0]
        for ext_id, copies in index.by_marker.items()
        if ext_id not in desired.videos and copies[0].uuid not in index.claimed
    ]
    extra.extend(
        (copies[0], c)
        for ext_id, copies in index.by_marker.items()
        if ext_id not in desired.videos
        for c in copies[1:]
    )
    unlisted = [v for v in live.videos if v.uuid not in index.claimed]
    return Matching(tuple(matches), tuple(orphans), tuple(extra), tuple(problems), tuple(unlisted))


def _find(
    system: str, entry: DesiredVideo, index: _Index, live: LiveState
) -> tuple[LiveVideo | None, MatchedBy | None, Problem | None]:
    marked = index.by_marker.get(entry.external_id)
    if entry.lifecycle is Lifecycle.UNMANAGED:
        if marked:  # carries its marker: to release
            return marked[0], MatchedBy.MARKER, None
        return _find_released(system, entry, index, live)
    if marked:
        video = marked[0]
        if entry.uuid and entry.uuid not in (video.uuid, video.short_uuid):
            msg = (
                f"uuid {entry.uuid} is pinned, but marker {system}/{entry.external_id} "
                f"is on video {video.uuid}; remove one of them"
            )
            return None, None, Problem(entry.ref, msg)
        return video, MatchedBy.MARKER, None
    if entry.uuid:
        return _find_pinned(system, entry, index)
    if isinstance(entry.source, UrlSource) and live.imports:
        found = _find_by_import(system, entry, entry.source, index, live.imports)
        if found:
            return found, MatchedBy.IMPORT, None
    if isinstance(entry.source, FileSource) and live.upload_filenames:
        found = _find_by_filename(system, entry, index, live.upload_filenames)
        if found:
            return found, MatchedBy.FILENAME, None
    return None, None, None


def _rows(
    entry: DesiredVideo, source: UrlSource, index: _Index, imports: Iterable[LiveImport]
) -> list[LiveImport]:
    """The import rows that may be ``entry``'s, oldest first: by the index for a mirrored
    entry, else by its URL (exact first, then the same URL with other credentials)."""
    if entry.mirror is not None and index.imports is not None:
        return index.imports.of(entry)
    rows = sorted(imports, key=lambda r: r.id)
    exact = [r for r in rows if r.target_url == source.url]  # before rows of another signature
    return exact + [r for r in rows if r not in exact and same_source(r, source)]


def _find_released(
    system: str, entry: DesiredVideo, index: _Index, live: LiveState
) -> tuple[LiveVideo | None, MatchedBy | None, None]:
    """The video of a released entry once its marker is gone, by the identities that outlive
    the marker (pinned uuid, import URL, upload filename), so rules keep leaving it alone. A
    video another entry claimed, or that carries this system's marker, is not it."""
    if entry.uuid:
        found = _unclaimed_unmarked(system, index, entry.uuid)
        return (found, MatchedBy.UUID, None) if found else (None, None, None)
    if isinstance(entry.source, UrlSource) and live.imports:
        found = _find_by_import(system, entry, entry.source, index, live.imports)
        if found:
            return found, MatchedBy.IMPORT, None
    if isinstance(entry.source, FileSource) and live.upload_filenames:
        found = _find_by_filename(system, entry, index, live.upload_filenames)
        if found:
            return found, MatchedBy.FILENAME, None
    return None, None, None


def _find_pinned(
    system: str, entry: DesiredVideo, index: _Index
) -> tuple[LiveVideo | None, MatchedBy | None, Problem | None]:
    assert entry.uuid is not None
    video = index.by_uuid.get(entry.uuid)
    if video is None:
        return None, None, Problem(entry.ref, f"uuid {entry.uuid} is not one of your videos")
    if video.uuid in index.claimed:
        return None, None, Problem(entry.ref, f"uuid {entry.uuid} is claimed by another entry")
    if video.marker and video.marker.system == system:
        msg = f"uuid {entry.uuid} already carries marker {system}/{video.marker.external_id}"
        return None, None, Problem(entry.ref, msg)
    return video, MatchedBy.UUID, None


def _unclaimed_unmarked(system: str, index: _Index, uuid: str | None) -> LiveVideo | None:
    video = index.by_uuid.get(uuid or "")
    if video is None or video.uuid in index.claimed:
        return None
    if video.marker and video.marker.system == system:
        return None
    return video


def _find_by_import(
    system: str,
    entry: DesiredVideo,
    source: UrlSource,
    index: _Index,
    imports: Iterable[LiveImport],
) -> LiveVideo | None:
    for row in _rows(entry, source, index, imports):
        video = _unclaimed_unmarked(system, index, row.video_uuid)
        if video is not None:
            return video
    return None


def same_source(row: LiveImport, source: UrlSource) -> bool:
    """The import row fetched this source: the same URL once credentials, secret values and
    signatures are set aside (PeerTube lists the ``targetUrl`` it got, credentials included;
    a signed URL is signed anew for every run)."""
    return row.target_url is not None and redact.identity(row.target_url) == source.identity


def _find_by_filename(
    system: str, entry: DesiredVideo, index: _Index, filenames: Mapping[str, str]
) -> LiveVideo | None:
    for uuid, filename in sorted(filenames.items()):
        if parse_upload_filename(filename) == (system, entry.external_id):
            video = _unclaimed_unmarked(system, index, uuid)
            if video is not None:
                return video
    return None


def _with_imports(found: Match, imports: tuple[LiveImport, ...] | None, index: _Index) -> Match:
    """Attach the latest import of an unmatched URL entry, or the failed import of a video
    that 8.x kept in state "Import failed": failed ones are retried."""
    entry, live = found.desired, found.live
    if not imports:
        return found
    if live is not None:
        if live.state != VideoState.IMPORT_FAILED:
            return found
        own = [r for r in imports if r.video_uuid == live.uuid and r.failed]
        return Match(entry, live, found.by, _latest(own))
    if not isinstance(entry.source, UrlSource):
        return found
    rows = _rows(entry, entry.source, index, imports)
    failed = [r for r in rows if r.failed and r.video_uuid is None]
    return Match(entry, None, None, _latest(failed))


def _latest(rows: list[LiveImport]) -> LiveImport | None:
    return max(rows, key=lambda r: r.id) if rows else None


def filename_candidates(desired: DesiredState, matching: Matching) -> list[LiveVideo]:
    """Unmarked videos whose name equals an unmatched upload entry's: worth a /source lookup
    (released entries' too when rules could change their videos)."""
    wanted = {
        normalise("name", m.desired.fields.get("name"))
        for m in matching.unmatched()
        if isinstance(m.desired.source, FileSource)
        and (m.desired.lifecycle is Lifecycle.MANAGED or desired.rules)
    }
    return [
        v
        for v in matching.unlisted
        if v.fields["name"] in wanted and not (v.marker and v.marker.system == desired.system)
    ]


def needs_imports(matching: Matching, *, rules: bool = False) -> bool:
    """The import list is read only when an unmatched URL entry or a failed import needs it;
    with ``rules``, also to recognise the videos of released URL entries (rules skip them)."""
    return any(
        isinstance(m.desired.source, UrlSource)
        and (m.desired.lifecycle is Lifecycle.MANAGED or rules)
        for m in matching.unmatched()
    ) or any(
        m.live is not None
        and m.live.state == VideoState.IMPORT_FAILED
        and m.desired.lifecycle is Lifecycle.MANAGED
        for m in matching.matches
    )
