"""``list_upstream``: what a mirror's source lists now, as entries ptsync can import and match.

One source, one listing, in this order:
1. the listing cache, when given and fresh (an accelerator only);
2. another PeerTube's channel (``/c/{handle}``, ``/video-channels/{handle}``) that no specific
   yt-dlp extractor claims: PeerTube's own API (``peertube``); needs no yt-dlp;
3. yt-dlp, one flat extraction (``ytdlp``); a channel root that lists its own tabs (YouTube's
   Videos, Shorts, Live) is listed one level down, one flat extraction per tab;
4. when yt-dlp calls the URL unsupported: an Atom feed (``atom``), with one more GET.

Entries become ``UpstreamEntry`` values whose id is ``identify(import_url)``, so the id ptsync
gives an entry and the id it later reads back from an import's ``targetUrl`` are one function's
answer. Entries that cannot be imported or named stably become ``EntryProblem`` values.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any

from ptsync.errors import UpstreamError, UpstreamFailure
from ptsync.live.upstream import atom, peertube, ytdlp
from ptsync.live.upstream.cache import ListingCache
from ptsync.live.upstream.entries import Listing, UpstreamEntry
from ptsync.live.upstream.identify import (
    FEED,
    claimed_by_extractor,
    extractor_class,
    identify,
    unsmuggle,
)
from ptsync.live.upstream.problems import EntryProblem, EntryProblemKind

ATOM_MAX_BYTES = 32 * 2**20
MAX_HOPS = 3  # a source answering with another source's URL, followed this often
_REFERENCES = ("url", "url_transparent")
_HIDDEN = {"private", "needs_auth", "premium_only", "subscriber_only"}
_PLACEHOLDERS = {
    "[private video]": EntryProblemKind.PRIVATE,
    "[deleted video]": EntryProblemKind.REMOVED,
    "[unavailable video]": EntryProblemKind.REMOVED,
}


def list_upstream(
    url: str,
    *,
    since: date | None = None,
    limit: int | None = None,
    cache: ListingCache | None = None,
    peertube_get: peertube.JsonGet | None = None,
    timeout: float = ytdlp.SOCKET_TIMEOUT,
) -> Listing:
    """The entries ``url`` lists (at most ``limit``, published on or after ``since`` where
    the source gives dates); raises ``UpstreamError`` or ``MissingExtra`` (one line each)."""
    if cache is not None:
        cached = cache.get(url, since, limit)
        if cached is not None:
            return cached
    listing = _list(url, since, limit, peertube_get, timeout)
    if cache is not None:
        cache.put(url, since, limit, listing)
    return listing


def _list(
    url: str,
    since: date | None,
    limit: int | None,
    get: peertube.JsonGet | None,
    timeout: float,
) -> Listing:
    source = peertube.channel_source(url)
    if source is not None and not claimed_by_extractor(url):
        with _getter(source.root, get, timeout) as json_get:
            entries = peertube.list_channel(source, json_get, url, since, limit)
        return Listing(url, tuple(entries))
    raw = _flat_entries(url, limit, timeout)
    return convert(url, raw, since)


@contextlib.contextmanager
def _getter(
    root: str, given: peertube.JsonGet | None, timeout: float
) -> Iterator[peertube.JsonGet]:
    if given is not None:
        yield given
        return
    with peertube.anonymous_get(root, timeout) as get:
        yield get


def _flat_entries(url: str, limit: int | None, timeout: float) -> list[dict[str, Any]]:
    try:
        info = _followed(ytdlp.extract(url, limit, timeout), limit, timeout)
    except UpstreamError as exc:
        if exc.kind is not UpstreamFailure.UNSUPPORTED:
            raise
        return _atom_entries(url, exc, timeout)[:limit]
    if info.get("_type") in _REFERENCES:  # one video, named by URL: not visited
        return [dict(info)]
    if info.get("_type") not in ("playlist", "multi_video"):
        return [{**info, "url": info.get("webpage_url") or info.get("original_url") or url}]
    found: list[dict[str, Any]] = []
    for entry in info.get("entries") or ():
        if limit is not None and len(found) >= limit:
            break
        if isinstance(entry, Mapping) and _lists_itself(info, entry):
            left = None if limit is None else limit - len(found)
            nested = ytdlp.extract(str(entry["url"]), left, timeout)
            found += [dict(e) for e in nested.get("entries") or () if isinstance(e, Mapping)]
        elif isinstance(entry, Mapping):
            found.append({**entry, "_generic": info.get("extractor_key") == "Generic"})
        else:
            found.append({})  # yt-dlp yields None for an entry it could not read
    return found[:limit]


def _followed(info: dict[str, Any], limit: int | None, timeout: float) -> dict[str, Any]:
    """A source that answers with a URL (a short channel URL pointing at the canonical one):
    followed while that URL is no video (a video's URL is the entry, never visited)."""
    for _ in range(MAX_HOPS):
        target = info.get("url")
        if info.get("_type") not in _REFERENCES or not isinstance(target, str):
            break
        if identify(target) is not None:
            break
        info = ytdlp.extract(target, limit, timeout)
    return info


def _lists_itself(info: Mapping[str, Any], entry: Mapping[str, Any]) -> bool:
    """A channel root's entries are its own tabs: same extractor, not a video extractor."""
    key = entry.get("ie_key")
    if not key or key != info.get("extractor_key") or not entry.get("url"):
        return False
    extractor = extractor_class(str(key))
    return getattr(extractor, "_RETURN_TYPE", None) in ("playlist", "any")


def _atom_entries(url: str, unsupported: UpstreamError, timeout: float) -> list[dict[str, Any]]:
    body = ytdlp.fetch(url, ATOM_MAX_BYTES, timeout)
    if not atom.is_atom(body):
        raise unsupported
    try:
        return [{**e, "_feed": True} for e in atom.entries(body, url)]
    except (ValueError, SyntaxError) as exc:
        raise UpstreamError(UpstreamFailure.FAILED, url, f"unreadable Atom feed: {exc}") from None


def convert(url: str, raw: list[dict[str, Any]], since: date | None) -> Listing:
    """Flat yt-dlp entries → entries and problems; ``UpstreamError`` for a feed without guids."""
    entries: dict[str, UpstreamEntry] = {}
    problems: list[EntryProblem] = []
    for position, item in enumerate(raw, 1):
        found = _entry(url, item, position)
        if isinstance(found, EntryProblem):
            problems.append(found)
        elif since is None or found.published_on_or_after(since):
            entries.setdefault(found.external_id, found)
    no_guid = [p for p in problems if p.kind is EntryProblemKind.NO_GUID]
    if no_guid and not entries and len(no_guid) == len(raw):
        raise UpstreamError(
            UpstreamFailure.NO_GUIDS,
            url,
            f"none of its {len(raw)} items has a guid, so none has a stable id",
        )
    return Listing(url, tuple(entries.values()), tuple(problems))


def _entry(url: str, item: Mapping[str, Any], position: int) -> UpstreamEntry | EntryProblem:
    link = item.get("url") or item.get("webpage_url")
    shown = unsmuggle(link)[0] if isinstance(link, str) else None
    label = str(shown or item.get("title") or f"#{position}")
    hidden = _unavailable(item)
    if hidden is not None:
        return EntryProblem(hidden, url, label, str(item.get("title") or ""))
    if not isinstance(link, str) or not link:
        return EntryProblem(EntryProblemKind.REMOVED, url, label, "listed without a URL")
    ident = identify(link)
    if ident is None:
        rss_item = item.get("_type") == "url_transparent" and not item.get("ie_key")
        feed_item = item.get("_feed") or (item.get("_generic") and rss_item)
        kind = EntryProblemKind.NO_GUID if feed_item else EntryProblemKind.NO_ID
        return EntryProblem(kind, url, label)
    return UpstreamEntry(
        external_id=ident,
        import_url=link,
        title=item.get("title") if isinstance(item.get("title"), str) else None,
        published=_published(item),
        match_urls=match_urls(ident, link),
    )


def _unavailable(item: Mapping[str, Any]) -> EntryProblemKind | None:
    title = str(item.get("title") or "").strip().lower()
    if title in _PLACEHOLDERS:
        return _PLACEHOLDERS[title]
    if item.get("availability") in _HIDDEN:
        return EntryProblemKind.PRIVATE
    return None


def _published(item: Mapping[str, Any]) -> datetime | None:
    for key in ("timestamp", "release_timestamp"):
        value = item.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return datetime.fromtimestamp(value, UTC)
    day = item.get("upload_date") or item.get("release_date")
    if isinstance(day, str) and len(day) == 8 and day.isdigit():
        return datetime.strptime(day, "%Y%m%d").replace(tzinfo=UTC)
    return None


def match_urls(external_id: str, import_url: str) -> tuple[str, ...]:
    """The exact strings a person or an older sync may have imported the same video from."""
    found = [import_url]
    namespace, _, raw = external_id.partition(":")
    if namespace == "youtube":
        found += [
            f"https://www.youtube.com/watch?v={raw}",
            f"https://youtu.be/{raw}",
            f"https://www.youtube.com/shorts/{raw}",
        ]
    elif namespace == FEED:
        found.append(unsmuggle(import_url)[0])
    return tuple(dict.fromkeys(found))
