"""Mirrors planned: what a listing means for the desired state, as pure functions.

Listing a mirror's upstream is fetching (``ptsync.live.mirrors``); it hands over one
``MirrorOutcome`` per mirror (the entries, the skipped ones, or why the listing failed). Here:

- ``expand``: each listed entry becomes a desired video, before anything is matched, so it is
  matched, diffed and created like any other entry (the one create path, by URL import):
  id = the entry's external id, ``source.url`` = its import URL, ``name`` = its title, the
  mirror's channel; fields in order of precedence, lowest first: the declaring file's
  ``defaults``, the channel's ``defaults``, the upstream title, rules (applied later, by the
  video planner), and a ``videos:`` entry with the same id (curation: its own keys win).
- ``classify``: which owned videos that no entry names any more are *gone upstream* (their
  mirror listed its whole window and they were not in it) and which are *held*: a failed
  listing says nothing, so every mirrored-looking video is held (no notice, no delete);
  neither is a video outside a ``limit``/``since`` window, nor one listed as private.
- ``known_elements``: playlists may name mirrored ids; one that nothing lists or holds is left
  out of the playlist's target (with a notice), so the plan converges.

A video belongs to a mirror's scope when it is in the mirror's channel and its id is in one of
the id namespaces the listing produced (``youtube:``, ``feed:``, ``peertube:<host>:``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from ptsync.fields import NAME_MAX, NAME_MIN
from ptsync.plan.changes import Notice, NoticeKind
from ptsync.plan.rules import explicit_fields
from ptsync.sourceref import SourceRef
from ptsync.state import (
    DesiredMirror,
    DesiredPlaylist,
    DesiredState,
    DesiredVideo,
    LiveVideo,
    MirrorOrigin,
    MirrorOutcome,
    UpstreamEntry,
    UrlSource,
)

UPSTREAM_DATE = "up"  # marker annotation: the upstream publication date (epoch seconds)
MIRRORED_ID_MARK = ":"
SHOWN_PROBLEMS = 20  # per mirror, one line each; beyond, a count


@dataclass(frozen=True)
class Scope:
    """Which owned videos a mirror speaks for, and which of them its listing could show."""

    mirror: DesiredMirror
    namespaces: frozenset[str] | None  # None: the listing failed
    listed: frozenset[str] = frozenset()
    skipped: frozenset[str] = frozenset()
    bound: float = -math.inf  # entries published before this may lie outside the window

    def speaks_for(self, video: LiveVideo, external_id: str) -> bool:
        """A failed listing speaks for every mirrored-looking id, in any channel (a curation
        entry may have moved its video): nothing it might own is called gone."""
        if self.namespaces is None:
            return MIRRORED_ID_MARK in external_id
        return video.channel == self.mirror.channel and namespace(external_id) in self.namespaces


@dataclass(frozen=True)
class Mirrored:
    """The desired state with the mirrors' entries, their notices, and their scopes."""

    desired: DesiredState
    notices: tuple[Notice, ...] = ()
    scopes: tuple[Scope, ...] = ()


@dataclass(frozen=True)
class Orphans:
    """Owned videos no entry names, sorted by what the mirrors say: ``gone`` (uuid → the
    mirror's shown URL and line) are noticed, or deleted with --prune; ``held`` are left
    alone, silently; the others are "not in the manifest" as always."""

    gone: Mapping[str, tuple[str, SourceRef]] = dataclasses.field(default_factory=dict)
    held: frozenset[str] = frozenset()


def namespace(external_id: str) -> str:
    """``youtube:`` of ``youtube:ID``, ``peertube:host:`` of ``peertube:host:uuid``."""
    head, mark, rest = external_id.partition(MIRRORED_ID_MARK)
    if head == "peertube" and MIRRORED_ID_MARK in rest:
        return f"{head}:{rest.partition(MIRRORED_ID_MARK)[0]}:"
    return head + mark


def entry_name(entry: UpstreamEntry) -> str:
    """A video name PeerTube accepts (3-120 characters, one line) from the upstream title:
    control characters and runs of blanks become one space, a long title is cut with "…",
    and an entry without a usable title is named by its id. Every created video has a name:
    apply finds a create whose answer was lost by searching its name."""
    text = "".join(c if c.isprintable() else " " for c in entry.title or "")
    text = " ".join(text.split())
    if len(text) > NAME_MAX:
        text = text[: NAME_MAX - 1].rstrip() + "…"
    return text if len(text) >= NAME_MIN else entry.external_id[:NAME_MAX]


def expand(desired: DesiredState, outcomes: Sequence[MirrorOutcome]) -> Mirrored:
    """``desired`` with every listed entry as a desired video (a ``videos:`` entry with the
    same id curates it); an id listed by two mirrors belongs to the first."""
    videos = dict(desired.videos)
    claimed: dict[str, DesiredMirror] = {}
    notices: list[Notice] = []
    scopes: list[Scope] = []
    for outcome in outcomes:
        mirror = outcome.mirror
        scopes.append(_scope(outcome))
        if outcome.failure is not None:
            notices.append(_failed(outcome))
            continue
        notices.extend(_problem_notices(outcome))
        elsewhere: list[str] = []
        for entry in outcome.entries:
            first = claimed.setdefault(entry.external_id, mirror)
            if first is not mirror:
                if first.channel != mirror.channel:
                    elsewhere.append(entry.external_id)
                continue
            videos[entry.external_id] = _desired(mirror, entry, videos.get(entry.external_id))
        if elsewhere:
            notices.append(_overlap(mirror, elsewhere, claimed))
    return Mirrored(dataclasses.replace(desired, videos=videos), tuple(notices), tuple(scopes))


def _desired(
    mirror: DesiredMirror, entry: UpstreamEntry, curated: DesiredVideo | None
) -> DesiredVideo:
    fields = {**mirror.fields, "name": entry_name(entry)}
    refs = {**mirror.field_refs, "name": mirror.ref}
    published = entry.published.timestamp() if entry.published else None
    origin = MirrorOrigin(mirror.url, mirror.channel, mirror.ref, published, entry.match_urls)
    source = UrlSource(entry.import_url)
    if curated is None:
        return DesiredVideo(
            external_id=entry.external_id,
            ref=mirror.ref,
            fields=fields,
            field_refs=refs,
            source=source,
            mirror=origin,
        )
    own = explicit_fields(curated)
    fields.update({k: v for k, v in curated.fields.items() if k in own})
    refs.update({k: r for k, r in curated.field_refs.items() if k in own})
    return dataclasses.replace(
        curated,
        fields=fields,
        field_refs=refs,
        source=curated.source or source,
        mirror=origin,
        curates=False,
    )


def _scope(outcome: MirrorOutcome) -> Scope:
    mirror = outcome.mirror
    if outcome.failure is not None:
        return Scope(mirror, None)
    ids = frozenset(e.external_id for e in outcome.entries)
    bound = -math.inf
    if mirror.since is not None:
        bound = datetime(*mirror.since.timetuple()[:3], tzinfo=UTC).timestamp()
    listed = len(outcome.entries) + len(outcome.problems)
    if mirror.limit is not None and listed >= mirror.limit:  # the window was cut there
        dates = [e.published.timestamp() for e in outcome.entries if e.published]
        bound = max(bound, min(dates)) if dates else math.inf
    return Scope(
        mirror,
        frozenset(namespace(i) for i in ids),
        ids,
        outcome.skipped,
        bound,
    )


def classify(scopes: Sequence[Scope], orphans: Iterable[LiveVideo]) -> Orphans:
    """Gone or held, for owned videos no entry names (``Matching.orphans``). A failed
    listing holds every mirrored-looking video, whatever other mirrors say."""
    gone: dict[str, tuple[str, SourceRef]] = {}
    held: set[str] = set()
    failed = [s for s in scopes if s.namespaces is None]
    listed = [s for s in scopes if s.namespaces is not None]
    for video in orphans:
        ext_id = video.marker.external_id if video.marker else ""
        if any(s.speaks_for(video, ext_id) for s in failed):
            held.add(video.uuid)
            continue
        scope = next((s for s in listed if s.speaks_for(video, ext_id)), None)
        if scope is None:
            continue
        if ext_id in scope.skipped or not _inside(video, scope):
            held.add(video.uuid)
        else:
            gone[video.uuid] = (scope.mirror.shown, scope.mirror.ref)
    return Orphans(gone, frozenset(held))


def _inside(video: LiveVideo, scope: Scope) -> bool:
    """The listing's window covers the video: no window, or the upstream date ptsync
    recorded in its marker when it created it is inside (unknown: outside, so kept)."""
    if scope.bound == -math.inf:
        return True
    raw = video.marker.annotations.get(UPSTREAM_DATE) if video.marker else None
    try:
        return raw is not None and float(raw) >= scope.bound
    except ValueError:
        return False


def upstream_date(entry: DesiredVideo) -> dict[str, str]:
    """The marker annotation a mirrored entry's video records (its upstream date)."""
    published = entry.mirror.published if entry.mirror else None
    return {UPSTREAM_DATE: str(int(published))} if published is not None else {}


def known_elements(
    playlists: Sequence[DesiredPlaylist], known: Iterable[str]
) -> tuple[list[DesiredPlaylist], list[Notice]]:
    """Playlists without the ids nothing lists or holds (a mirrored id not listed now, whose
    video does not exist), each left out with a notice; the others unchanged."""
    names = set(known)
    out: list[DesiredPlaylist] = []
    notices: list[Notice] = []
    for playlist in playlists:
        missing = [i for i in playlist.videos if i not in names]
        if not missing:
            out.append(playlist)
            continue
        kept = tuple(i for i in playlist.videos if i in names)
        out.append(dataclasses.replace(playlist, videos=kept))
        notices.append(
            Notice(
                NoticeKind.NOT_LISTED,
                f"playlist {playlist.external_id}: {_shown(missing)} listed by no mirror now "
                "and not a video yet: left out of the playlist",
                playlist.external_id,
                playlist.ref,
            )
        )
    return out, notices


def not_listed_notice(entry: DesiredVideo) -> Notice:
    """A curation entry whose id no mirror lists now and no video carries."""
    return Notice(
        NoticeKind.NOT_LISTED,
        f"{entry.external_id}: no mirror lists this id now and no video carries it: nothing "
        "to curate yet",
        entry.external_id,
        entry.ref,
    )


def gone_notices(gone: Mapping[str, tuple[str, SourceRef]], ids: Mapping[str, str]) -> list[Notice]:
    """Without --prune: per mirror, how many of its videos are gone upstream, and which."""
    by_mirror: dict[tuple[str, SourceRef], list[str]] = {}
    for uuid, where in gone.items():
        by_mirror.setdefault(where, []).append(ids[uuid])
    out = []
    for (shown, ref), names in by_mirror.items():
        many = len(names) != 1
        out.append(
            Notice(
                NoticeKind.GONE_UPSTREAM,
                f"{len(names)} video{'s' if many else ''} of mirror {shown} "
                f"{'are' if many else 'is'} gone upstream ({_shown(sorted(names))}); --prune "
                f"deletes {'them' if many else 'it'}",
                ref=ref,
            )
        )
    return out


def _shown(ids: Sequence[str], count: int = 5) -> str:
    more = f" and {len(ids) - count} more" if len(ids) > count else ""
    return ", ".join(ids[:count]) + more


def _failed(outcome: MirrorOutcome) -> Notice:
    return Notice(
        NoticeKind.MIRROR_FAILED,
        f"mirror not listed: {outcome.failure}; its videos are left as they are, nothing is "
        "created or deleted for it",
        ref=outcome.mirror.ref,
    )


def _problem_notices(outcome: MirrorOutcome) -> list[Notice]:
    """One line per skipped entry, at most ``SHOWN_PROBLEMS``; then how many more."""
    ref = outcome.mirror.ref
    shown = outcome.problems[:SHOWN_PROBLEMS]
    out = [Notice(NoticeKind.MIRROR_ENTRY, f"skipped: {line}", ref=ref) for line in shown]
    more = len(outcome.problems) - len(shown)
    if more:
        message = f"{more} more entries of mirror {outcome.mirror.shown} skipped"
        out.append(Notice(NoticeKind.MIRROR_ENTRY, message, ref=ref))
    return out


def _overlap(mirror: DesiredMirror, ids: list[str], claimed: Mapping[str, DesiredMirror]) -> Notice:
    first = claimed[ids[0]]
    return Notice(
        NoticeKind.MIRROR_ENTRY,
        f"{_shown(ids)} also listed by the mirror at {first.ref} (channel {first.channel}): "
        f"kept there, not in {mirror.channel}",
        ref=mirror.ref,
    )
