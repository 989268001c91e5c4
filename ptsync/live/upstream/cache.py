"""Listings kept between runs: an accelerator only, like the detail cache.

A listing is reused while it is younger than ``ttl`` (one hour by default: PeerTube's own sync
looks at a source hourly), keyed by the source URL, ``since`` and ``limit``. Deleting the
folder, a corrupt file or a clock set back just means listing the source again: the entries
are the same either way. Listings whose URL or entries carry a credential (a private feed's
token) are never written: secrets stay out of cache files.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ptsync import redact
from ptsync.cachefiles import cache_dir, cache_key, read_json, write_json
from ptsync.live.upstream.entries import Listing, UpstreamEntry
from ptsync.live.upstream.problems import EntryProblem, EntryProblemKind

VERSION = 1
DEFAULT_TTL = 3600.0


class ListingCache:
    def __init__(
        self,
        directory: Path | None = None,
        *,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.time,
    ):
        self.directory = directory if directory is not None else cache_dir() / "upstream"
        self.ttl = ttl
        self.clock = clock

    def path(self, url: str, since: date | None, limit: int | None) -> Path:
        key = cache_key(url, since.isoformat() if since else "", str(limit or ""))
        return self.directory / f"{key}.json"

    def get(self, url: str, since: date | None, limit: int | None) -> Listing | None:
        data = read_json(self.path(url, since, limit))
        if not isinstance(data, dict) or data.get("version") != VERSION:
            return None
        stored = data.get("stored")
        now = self.clock()
        if not isinstance(stored, int | float) or not stored <= now < stored + self.ttl:
            return None
        try:
            entries = tuple(_entry(item) for item in data["entries"])
            problems = tuple(_problem(url, item) for item in data["problems"])
        except (KeyError, TypeError, ValueError):
            return None
        return Listing(url, entries, problems, from_cache=True)

    def put(self, url: str, since: date | None, limit: int | None, listing: Listing) -> None:
        shown = [url, *(e.import_url for e in listing.entries)]
        shown += [p.entry for p in listing.problems]
        if any(redact.has_secret(value) for value in shown):
            return
        write_json(
            self.path(url, since, limit),
            {
                "version": VERSION,
                "stored": self.clock(),
                "entries": [_entry_json(e) for e in listing.entries],
                "problems": [_problem_json(p) for p in listing.problems],
            },
        )


def _entry_json(entry: UpstreamEntry) -> dict[str, Any]:
    published = entry.published.timestamp() if entry.published else None
    return {
        "id": entry.external_id,
        "url": entry.import_url,
        "title": entry.title,
        "published": published,
        "match": list(entry.match_urls),
    }


def _entry(item: dict[str, Any]) -> UpstreamEntry:
    published = item["published"]
    return UpstreamEntry(
        external_id=str(item["id"]),
        import_url=str(item["url"]),
        title=item["title"] if isinstance(item["title"], str) else None,
        published=datetime.fromtimestamp(published, UTC) if published is not None else None,
        match_urls=tuple(str(u) for u in item["match"]),
    )


def _problem_json(problem: EntryProblem) -> dict[str, Any]:
    return {"kind": problem.kind.value, "entry": problem.entry, "detail": problem.detail}


def _problem(url: str, item: dict[str, Any]) -> EntryProblem:
    return EntryProblem(EntryProblemKind(item["kind"]), url, str(item["entry"]), item["detail"])
