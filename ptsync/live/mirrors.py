"""Fetching for mirrors: the upstream listings, the import rows' identities, the channel syncs.

Plain functions; what the answers mean is decided in ``ptsync.plan.mirrors`` and
``ptsync.plan.syncs``.

- ``list_mirrors``: every mirror that ptsync lists itself (not ``sync: server``), at the same
  time (one thread each, at most ``parallelism``), through the listing cache when given. A
  listing that fails (``UpstreamError``, ``MissingExtra``, or any other typed error on the
  way) becomes that mirror's one-line failure: the others are planned and applied.
- ``identify_imports``: the upstream id of import rows, read from their ``targetUrl`` with
  ``ptsync.live.upstream.identify``, for rows no mirrored entry names by an exact URL (those
  need no parsing) and whose video is not already this system's.
- ``fetch_syncs``: the account's channel syncs and the imports of the managed ones; a 403
  because the instance disabled syncs is said once, not raised.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

from ptsync.errors import PtsyncError, SyncsDisabled
from ptsync.live.upstream import (
    EntryProblem,
    EntryProblemKind,
    ListingCache,
    identify,
    list_upstream,
)
from ptsync.state import (
    DesiredMirror,
    DesiredState,
    LiveImport,
    LiveState,
    LiveSync,
    MirrorOutcome,
    UrlSource,
)

log = logging.getLogger("ptsync.mirrors")
DEFAULT_TIMEOUT = 30.0  # seconds a source may stay silent (yt-dlp's socket timeout)


def list_mirrors(
    mirrors: Sequence[DesiredMirror],
    *,
    cache: ListingCache | None,
    parallelism: int = 4,
    timeout: float = DEFAULT_TIMEOUT,
) -> list[MirrorOutcome]:
    """One outcome per mirror ptsync lists (``sync: server`` ones are the server's), in
    manifest order; requests only for listings the cache does not hold."""
    listed = [m for m in mirrors if not m.server]
    if not listed:
        return []

    def one(mirror: DesiredMirror) -> MirrorOutcome:
        return list_mirror(mirror, cache=cache, timeout=timeout)

    workers = max(1, min(parallelism, len(listed)))
    if workers == 1:
        return [one(m) for m in listed]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mirror") as pool:
        return list(pool.map(one, listed))


def list_mirror(
    mirror: DesiredMirror, *, cache: ListingCache | None, timeout: float = DEFAULT_TIMEOUT
) -> MirrorOutcome:
    try:
        listing = list_upstream(
            mirror.url, since=mirror.since, limit=mirror.limit, cache=cache, timeout=timeout
        )
    except PtsyncError as exc:  # UpstreamError, MissingExtra, a refused transport...
        return MirrorOutcome(mirror, failure=str(exc))
    if listing.from_cache and cache is not None:
        log.info(
            "%s: listed from the listing cache (younger than %g s; --no-cache lists it now)",
            mirror.shown,
            cache.ttl,
        )
    return MirrorOutcome(
        mirror,
        entries=listing.entries,
        problems=tuple(str(p) for p in listing.problems),
        skipped=frozenset(_skipped(listing.problems)),
    )


def _skipped(problems: Sequence[EntryProblem]) -> Iterator[str]:
    """Ids of entries listed but private: still there upstream, so never "gone"."""
    for problem in problems:
        if problem.kind is EntryProblemKind.PRIVATE and problem.entry.startswith("http"):
            found = identify(problem.entry)
            if found is not None:
                yield found


def identify_imports(desired: DesiredState, live: LiveState) -> LiveState:
    """``live`` with ``import_ids``: for each import row that may be a mirrored entry's (not
    named exactly by one, its video not already this system's), the upstream id its URL
    names. Exact strings first: a URL no extractor claims costs a scan of yt-dlp's patterns."""
    if not live.imports:
        return live
    mirrored = [e for e in desired.videos.values() if e.mirror is not None]
    if not mirrored:
        return live
    exact = {u for e in mirrored if e.mirror is not None for u in e.mirror.match_urls}
    exact |= {e.source.url for e in mirrored if isinstance(e.source, UrlSource)}
    ours = {
        v.uuid for v in live.videos if v.marker is not None and v.marker.system == desired.system
    }
    ids: dict[int, str] = {}
    for row in live.imports:
        url = row.target_url
        if not url or url in exact or (row.video_uuid is not None and row.video_uuid in ours):
            continue
        found = identify(url)
        if found is not None:
            ids[row.id] = found
    return dataclasses.replace(live, import_ids=ids)


class SyncClient(Protocol):
    def channel_syncs(self, account: str | None = None) -> list[LiveSync]: ...
    def iter_sync_imports(self, sync_id: int) -> Iterator[LiveImport]: ...


@dataclass(frozen=True)
class LiveSyncs:
    """The account's channel syncs (None: not listed), the imports of those on managed
    channels by sync id, and the refusal when the instance disabled syncs."""

    syncs: tuple[LiveSync, ...] | None = None
    imports: dict[int, tuple[LiveImport, ...]] = field(default_factory=dict)
    disabled: str | None = None


def fetch_syncs(
    client: SyncClient, desired: DesiredState, account: str, *, prune: bool, imports: bool
) -> LiveSyncs:
    """Listed only when the plan needs them (one request, plus one per managed sync for its
    imports when ``imports``: failed ones are retried): a ``sync: server`` mirror is
    declared, or a channel says ``mirrors: []`` (its syncs are undeclared: noticed), or
    --prune may delete a managed channel's syncs. A channel whose mirrors ptsync lists itself
    spares the request otherwise: its stray syncs are met by ``plan --prune``."""
    managed = {c.name for c in desired.channels if c.manages_syncs}
    declared = any(m.server for m in desired.mirrors)
    with_mirrors = {m.channel for m in desired.mirrors}
    emptied = any(name not in with_mirrors for name in managed)
    if not declared and not emptied and not (prune and managed):
        return LiveSyncs()
    try:
        syncs = tuple(client.channel_syncs(account or None))
    except SyncsDisabled:
        reason = (
            "channel synchronisation is disabled on this instance (its admin must set "
            f"{SyncsDisabled.SETTING}: true)"
        )
        return LiveSyncs(disabled=reason if declared else None)
    rows = {}
    if imports:
        for sync in syncs:
            if sync.channel_name in managed:
                rows[sync.id] = tuple(client.iter_sync_imports(sync.id))
    return LiveSyncs(syncs, rows)
